// A small DOM builder. Text from the node only ever becomes text nodes (never HTML), so a
// hostile record cannot inject markup or script into the console.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'href') element.setAttribute('href', safeHref(value));
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Only in-page routes are links: no javascript: or data: URLs from node data. */
function safeHref(value) {
  const text = String(value);
  return text.startsWith('#/') ? text : '#/';
}

export const link = (route, text) => h('a', { href: route }, text);

export function table(headings, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headings.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell))))));
}

export function fields(pairs) {
  return h('dl', { class: 'fields' },
    pairs.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]));
}

export const short = (hex, n = 16) =>
  (typeof hex === 'string' && hex.length > n ? `${hex.slice(0, n)}…` : hex);

export function time(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n)) return '';
  return new Date(n).toISOString().replace('T', ' ').replace('.000Z', 'Z');
}

/** A verification badge: grey while checking, then green "verified from genesis at height h"
 * or red "NOT verified: reason". `check` resolves to the height it verified at. */
export function badge(check) {
  const element = h('span', { class: 'badge pending' }, 'verifying…');
  Promise.resolve().then(check).then(
    (height) => {
      element.className = 'badge ok';
      element.textContent = `verified from genesis at height ${height}`;
    },
    (error) => {
      element.className = 'badge bad';
      element.textContent = `NOT verified: ${error && error.message ? error.message : error}`;
    });
  return element;
}

export function errorBox(error) {
  return h('div', { class: 'error' }, String(error && error.message ? error.message : error));
}
