// SHA-256 and Ed25519 through WebCrypto only: the browser's own implementations, nothing
// fetched. Ed25519 follows the node's pinned validity rule (Sources/Ledger/Crypto/Ed25519.swift):
// S must be below the group order L and R and A canonical encodings, checked here before
// WebCrypto sees the signature, so the browser and the nodes agree on which are valid.

import { bytesToHex } from './bytes.js';

export function cryptoAvailable() {
  if (!globalThis.isSecureContext || !globalThis.crypto || !crypto.subtle) {
    return 'WebCrypto needs a secure context: open the explorer over https or on localhost';
  }
  return null;
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export async function sha256Hex(bytes) { return bytesToHex(await sha256(bytes)); }

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const GROUP_ORDER = [
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

export function isCanonicalScalar(s) {
  for (let i = 31; i >= 0; i--) {
    if (s[i] < GROUP_ORDER[i]) return true;
    if (s[i] > GROUP_ORDER[i]) return false;
  }
  return false;
}

/** The encoded y coordinate is below p = 2^255 - 19 (the sign bit ignored). */
export function isCanonicalPoint(p) {
  if ((p[31] & 0x7f) !== 0x7f) return true;
  for (let i = 1; i <= 30; i++) if (p[i] !== 0xff) return true;
  return p[0] < 0xed;
}

const keyCache = new Map();

async function importKey(publicKey) {
  const id = bytesToHex(publicKey);
  let key = keyCache.get(id);
  if (!key) {
    key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    keyCache.set(id, key);
  }
  return key;
}

/** Whether WebCrypto here has Ed25519 (Chromium 137+, Firefox 129+, Safari 17+). */
export async function ed25519Available() {
  try {
    const zero = new Uint8Array(32);
    zero[0] = 1; // the identity point's encoding: importable, verifies nothing
    await crypto.subtle.importKey('raw', zero, { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch (_) {
    return false;
  }
}

export async function ed25519Verify(publicKey, signature, message) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (!isCanonicalScalar(signature.subarray(32, 64))) return false;
  if (!isCanonicalPoint(signature.subarray(0, 32)) || !isCanonicalPoint(publicKey)) return false;
  try {
    return await crypto.subtle.verify({ name: 'Ed25519' }, await importKey(publicKey), signature,
      message);
  } catch (_) {
    return false;
  }
}
