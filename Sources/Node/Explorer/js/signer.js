// Signed reads (docs/api.md "Signed requests"): a node with `api.reads = "signed"` answers
// scoped routes only to a request an organisation key registered on chain signed. The key
// lives only in this tab's memory, as a non-extractable WebCrypto key: never in
// localStorage or sessionStorage, so a reload or "forget key" drops it and no other page of
// this origin can read the seed back.

import { bytesToHex, hexToBytes, utf8 } from './bytes.js';
import { sha256Hex } from './crypto.js';

const DOMAIN = 'govchain/request/v1'; // RequestSignature.domain
const ED25519_PREFIX = 'govchain-ed25519-seed:';
const SM2_PREFIX = 'govchain-sm2-secret:';
// PKCS#8 PrivateKeyInfo for an Ed25519 seed (RFC 8410): the DER before the 32 seed bytes.
const PKCS8_ED25519 = hexToBytes('302e020100300506032b657004220420');

export class KeyError extends Error {}

/** The loaded key: { privateKey, publicKeyHex }, or null. */
let session = null;
/** The chain requests are signed for, from its genesis (`setChain`). */
const chain = { id: null, suite: null };

export const loadedKey = () => session && { publicKeyHex: session.publicKeyHex };

export function forgetKey() { session = null; }

export function setChain(chainID, suite) {
  chain.id = chainID;
  chain.suite = suite;
}

/** Why this page cannot sign requests for the chain (null: it can, or the chain is not
 * known yet). */
export function signingUnavailable() {
  if (chain.suite !== null && chain.suite !== 'ed25519-sha256') {
    return `this chain signs with ${chain.suite}, and the browser cannot sign its requests `
      + '(WebCrypto has no SM2): read it through a node with open reads (api.reads = "open") '
      + 'or with the govchain CLI';
  }
  if (!globalThis.isSecureContext || !globalThis.crypto?.subtle) {
    return 'signing needs WebCrypto, which needs a secure context: open the explorer over '
      + 'https or on localhost';
  }
  return null;
}

/** The 32-byte seed of a key file's text (`govchain-ed25519-seed:<64 hex>`), as KeyFile.read
 * reads it (whitespace ignored). An SM2 key is refused by name: WebCrypto has no SM2. */
export function parseKeyFile(text) {
  const compact = String(text).replace(/\s+/g, '');
  if (compact.startsWith(SM2_PREFIX)) {
    throw new KeyError('this is an SM2 key (sm2-sm3 chain): the browser cannot sign with SM2, '
      + 'WebCrypto has none; use the govchain CLI or a node with open reads');
  }
  const hex = compact.startsWith(ED25519_PREFIX) ? compact.slice(ED25519_PREFIX.length) : null;
  if (hex === null || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new KeyError('not a GovChain key file: expected one line govchain-ed25519-seed:<64 hex>');
  }
  return hexToBytes(hex);
}

/** Imports `seed` for signing this chain's requests. The public key the header names is read once
 * from an extractable copy (WebCrypto derives it; JWK `x`), which is then dropped: the key
 * kept signs but cannot be exported. */
export async function loadKey(seed) {
  const unavailable = chain.id === null ? 'the node\u2019s genesis is not loaded yet'
    : signingUnavailable();
  if (unavailable) throw new KeyError(unavailable);
  const pkcs8 = new Uint8Array(PKCS8_ED25519.length + seed.length);
  pkcs8.set(PKCS8_ED25519);
  pkcs8.set(seed, PKCS8_ED25519.length);
  try {
    const copy = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', copy);
    const privateKey = await crypto.subtle.importKey(
      'pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
    session = { privateKey, publicKeyHex: bytesToHex(base64url(jwk.x)) };
  } catch (e) {
    throw new KeyError(`this browser cannot import an Ed25519 key: ${e.message}`);
  } finally {
    pkcs8.fill(0);
  }
  return loadedKey();
}

function base64url(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function randomNonce() {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
}

/** The `Authorization` header for a request, signed over RequestSignature.message: the path
 * and query exactly as the browser will send them (URL serialisation percent-encodes them
 * the same way fetch does), the body's SHA-256 (the chain hash of an ed25519-sha256 chain). */
async function authorization(url, method, body) {
  const time = String(Date.now());
  const nonce = randomNonce();
  const lines = [DOMAIN, chain.id, method, url.pathname, url.search.slice(1),
    await sha256Hex(body), time, nonce];
  const signature = await crypto.subtle.sign(
    { name: 'Ed25519' }, session.privateKey, utf8(lines.join('\n')));
  return `GovChain key=${session.publicKeyHex}, time=${time}, nonce=${nonce}, `
    + `signature=${bytesToHex(new Uint8Array(signature))}`;
}

function bodyBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === 'string') return utf8(body);
  if (body instanceof Uint8Array) return body;
  throw new KeyError('a signed request body must be a string or bytes');
}

/** Whether a request to `path` goes out signed. */
export function willSign(path) {
  return session !== null && new URL(path, location.href).origin === location.origin;
}

/** fetch, signed with the loaded key when there is one and the request goes to this page's
 * node. Requests to other nodes (the operations view's /v1/status and /metrics, open routes
 * that allow CORS) go unsigned: an Authorization header would make them CORS requests that
 * need a preflight the node does not answer. */
export async function signedFetch(path, init = {}) {
  const url = new URL(path, location.href);
  if (!willSign(url)) return fetch(url, init);
  const method = (init.method || 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  headers.set('Authorization', await authorization(url, method, bodyBytes(init.body)));
  return fetch(url, { ...init, method, headers });
}
