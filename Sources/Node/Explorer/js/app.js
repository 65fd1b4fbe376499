// The explorer's shell: loads the trusted genesis once, routes `#/view/argument` to a view,
// and searches by licence id, bill id (M… medical, T… tax e-invoice), claim
// (<reimburser>/<id>), grant id, tx id, height or holder/payer commitment.

import { APIError, getJSON, enc } from './api.js';
import { h, errorBox } from './dom.js';
import { keyPanel } from './keypanel.js';
import { setChain } from './signer.js';
import { Verifier } from './verify.js';
import { blockView, chainView, transactionView } from './views-chain.js';
import { billView, grantView, holderView, licenceView, payerView } from './views-records.js';
import {
  evidenceView, operationsView, organisationsView, validatorsView,
} from './views-network.js';

const verifier = new Verifier();
const main = document.getElementById('main');

// Each route draws into `view`, a container of its own: a render still running when the
// next one starts (a new address, a key loaded or forgotten) then draws into a container
// no longer on the page, never into the new view.
const routes = {
  '': (view) => chainView(verifier, view),
  block: (view, q, arg) => blockView(verifier, view, arg),
  tx: (view, q, arg) => transactionView(verifier, view, arg),
  licence: (view, q, arg) => licenceView(verifier, view, arg),
  bill: (view, q, arg) => billView(verifier, view, arg),
  claim: (view, q, arg) => claimRedirect(arg),
  grant: (view, q, arg) => grantView(verifier, view, arg),
  holder: (view, q, arg) => holderView(verifier, view, arg),
  payer: (view, q, arg) => payerView(verifier, view, arg),
  orgs: (view) => organisationsView(verifier, view),
  validators: (view) => validatorsView(verifier, view),
  evidence: (view) => evidenceView(verifier, view),
  ops: (view, q) => operationsView(verifier, view, q),
  search: (view, q, arg) => search(view, arg),
};

async function render() {
  const [path, queryText = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, ...rest] = path.split('/');
  const view = h('div');
  main.replaceChildren(view);
  let argument;
  try { argument = decodeURIComponent(rest.join('/')); } catch (_) {
    view.append(errorBox('the address is not well formed'));
    return;
  }
  const handler = routes[name];
  if (!handler) { view.append(errorBox(`no view ${name}`)); return; }
  try {
    await handler(view, new URLSearchParams(queryText), argument);
  } catch (e) {
    view.append(errorBox(e));
  }
}

/** A claim is named by its reimburser and its id (claim ids are scoped by reimburser). */
function claimPath(q) {
  const slash = q.indexOf('/');
  if (slash <= 0 || slash === q.length - 1) return null;
  return `/v1/reimbursers/${enc(q.slice(0, slash))}/claims/${enc(q.slice(slash + 1))}`;
}

async function claimRedirect(id) {
  const path = claimPath(id);
  if (!path) throw new Error('name a claim as <reimburser>/<claim id>');
  const answer = await getJSON(path);
  const billID = answer.record?.bill_id;
  if (typeof billID !== 'string' || !billID) throw new Error('the node\u2019s claim names no bill');
  location.hash = `#/bill/${enc(billID)}`;
}

/** Whether the node has `path`. A refused read (401, 403) is not "absent": the first one
 * is kept in `refused` so that a search finding nothing can say why. */
const exists = (path, refused) => getJSON(path).then(() => true, (e) => {
  if (e instanceof APIError && (e.status === 401 || e.status === 403)) refused.push(e);
  return false;
});

/** Tries what the text can be, most specific first. */
async function search(view, raw) {
  const refused = [];
  const q = raw.trim();
  view.append(h('p', {}, `searching for ${q}…`));
  if (/^\d{1,19}$/.test(q)) { location.hash = `#/block/${q}`; return; }
  if (/^[0-9a-fA-F]{64}$/.test(q)) {
    const id = q.toLowerCase();
    if (await exists(`/v1/transactions/${id}`, refused)) {
      location.hash = `#/tx/${id}`;
      return;
    }
    const wallet = await getJSON(`/v1/payers/${id}/bills?limit=1`).catch(() => null);
    const isPayer = Array.isArray(wallet?.items) && wallet.items.length > 0;
    location.hash = isPayer ? `#/payer/${id}` : `#/holder/${id}`;
    return;
  }
  const claim = claimPath(q);
  if (claim && await exists(claim, refused)) { location.hash = `#/claim/${enc(q)}`; return; }
  for (const [kind, path] of [['bill', '/v1/bills/'], ['licence', '/v1/licences/'],
    ['grant', '/v1/grants/']]) {
    if (await exists(path + enc(q), refused)) { location.hash = `#/${kind}/${enc(q)}`; return; }
  }
  const why = refused.length ? ` (a read was refused: ${refused[0].message})` : '';
  view.replaceChildren(errorBox(`nothing found for ${q}${why}`));
}

function shell() {
  const form = document.getElementById('search');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = document.getElementById('q').value.trim();
    if (value) location.hash = `#/search/${enc(value)}`;
  });
  document.getElementById('forget').addEventListener('click', () => {
    Verifier.forgetPin();
    location.reload();
  });
}

function showTrust() {
  const box = document.getElementById('trust');
  box.replaceChildren();
  if (verifier.genesisHash) {
    const how = verifier.pinnedOnFirstUse
      ? ' (pinned on first use: compare it with the hash your operator gave you)'
      : ' (pinned)';
    const label = verifier.failure ? 'genesis the node serves ' : 'trusted genesis ';
    box.append(h('span', {}, label), h('code', { id: 'genesis-hash' }, verifier.genesisHash));
    if (!verifier.failure) box.append(h('span', { class: 'muted' }, how));
    const g = verifier.genesis;
    if (g) {
      const validators = g.validators.length ? `${g.validators.length} validators, ` : '';
      box.append(h('span', { class: 'muted' },
        ` chain ${g.chainID}, ${validators}suite ${g.cryptoSuite}`));
    }
  }
  if (verifier.failure) {
    box.append(h('div', { class: 'badge bad' }, `NOT verified: ${verifier.failure}`));
  }
}

async function start() {
  shell();
  try {
    await verifier.init();
  } catch (e) {
    verifier.failure = `cannot load genesis: ${e.message}`;
  }
  if (verifier.genesis) setChain(verifier.genesis.chainID, verifier.genesis.cryptoSuite);
  showTrust();
  keyPanel(verifier, render);
  window.addEventListener('hashchange', render);
  await render();
}

start();
