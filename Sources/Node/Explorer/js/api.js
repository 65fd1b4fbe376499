// The node's public HTTP API (docs/api.md), read-only. Same origin as the page, so a node
// serving the explorer answers its own API; every answer is treated as hostile input. Every
// request goes through signedFetch (signed when an organisation key is loaded).

import { signedFetch, signingUnavailable, willSign } from './signer.js';

const MAX_ANSWER_BYTES = 8 << 20;

export class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/** What a refused read means to the person at the page: 401 to an unsigned request is a
 * node with signed reads; 401 to a signed one is a signature the node refused (unknown key,
 * clock, replay); 403 is a key whose organisation and roles may not read this (docs/api.md
 * "Who may read what"). Null for any other status. */
export function refusal(status, code, message, signed) {
  if (status === 401 && !signed) {
    const unavailable = signingUnavailable();
    if (unavailable) return `this node needs signed reads, but ${unavailable}`;
    return 'this node needs signed reads: load an organisation key (\u201corganisation key\u201d '
      + 'at the top)';
  }
  if (status === 401) {
    return `the node refused this key\u2019s signed request (${code}): ${message}`;
  }
  if (status === 403) return `this key may not read this: ${message}`;
  return null;
}

/** The APIError of a refused answer whose body is `text` (the node's JSON error, if it is
 * one), its message said for a person when the refusal is about signed reads. */
export function answerError(status, text, signed) {
  let error = {};
  try { error = JSON.parse(text)?.error ?? {}; } catch (_) { /* not JSON: the status says it */ }
  const code = String(error?.code || 'error');
  const message = String(error?.message || `HTTP ${status}`).slice(0, 500);
  return new APIError(status, code, refusal(status, code, message, signed) ?? message);
}

export async function getJSON(path) {
  const signed = willSign(path);
  let response;
  try {
    response = await signedFetch(path,
      { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch (e) {
    throw new APIError(0, 'unreachable', `node unreachable: ${e.message}`);
  }
  const text = await response.text();
  if (text.length > MAX_ANSWER_BYTES) {
    throw new APIError(response.status, 'too_large', 'answer too large');
  }
  if (!response.ok) throw answerError(response.status, text, signed);
  let body;
  try { body = JSON.parse(text); } catch (_) {
    throw new APIError(response.status, 'not_json', `answer to ${path} is not JSON`);
  }
  if (body === null || typeof body !== 'object') {
    throw new APIError(200, 'not_object', 'not an object');
  }
  return body;
}

export async function getText(path) {
  const signed = willSign(path);
  const response = await signedFetch(path, { cache: 'no-store' });
  const text = (await response.text()).slice(0, MAX_ANSWER_BYTES);
  if (!response.ok) throw answerError(response.status, text, signed);
  return text;
}

export const enc = encodeURIComponent;

// MARK: Pages

const MAX_PAGE = 500; // QueryParameters.maxLimit
const MAX_PAGES = 20; // bounds a node that hands out short pages or cursors forever
const CURSOR = /^[0-9a-fA-F]{2,1024}$/;

/** The items of a paged list (`{as_of_height, items, next_cursor}`), following next_cursor
 * until the list ends or `max` items are read. Lists are answered as of the latest block
 * only, so on a moving chain later pages may be of later heights: `asOfHeight` is the last
 * page's (the lists the explorer reads only grow, so every item listed is there then).
 * `truncated` says the node had more than `max`. */
export async function getPages(path, { max = 1000 } = {}) {
  const items = [];
  let asOfHeight = null;
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ limit: String(Math.min(MAX_PAGE, max - items.length)) });
    if (cursor !== null) query.set('cursor', cursor);
    const body = await getJSON(`${path}${path.includes('?') ? '&' : '?'}${query}`);
    if (!Array.isArray(body.items)) {
      throw new APIError(200, 'not_page', `answer to ${path} is not a page of items`);
    }
    if (!Number.isSafeInteger(body.as_of_height)
        || (asOfHeight !== null && body.as_of_height < asOfHeight)) {
      throw new APIError(200, 'not_page', `a page of ${path} has no or an older as_of_height`);
    }
    asOfHeight = body.as_of_height;
    items.push(...body.items.slice(0, max - items.length));
    const next = body.next_cursor;
    if (next === null || next === undefined) return { items, asOfHeight, truncated: false };
    if (typeof next !== 'string' || !CURSOR.test(next) || next === cursor) {
      throw new APIError(200, 'not_page', `answer to ${path} has a malformed next_cursor`);
    }
    cursor = next;
    if (items.length >= max) break;
  }
  return { items, asOfHeight, truncated: true };
}
