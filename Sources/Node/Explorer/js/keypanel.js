// The "organisation key" panel: an auditor (or any holder of an organisation key) loads a
// key file, or pastes its line, so the page signs its reads for a node with signed reads.
// The key is checked with the node once (a signed /v1/status) and named from the trusted
// genesis; "forget key" drops it. Nothing of the key is shown but its public half.

import { APIError, getJSON } from './api.js';
import { bytesToHex } from './bytes.js';
import { short } from './dom.js';
import {
  KeyError, forgetKey, loadKey, loadedKey, parseKeyFile, signingUnavailable,
} from './signer.js';

const MAX_KEY_FILE_BYTES = 1024; // a key file is one line of about 90 bytes

const element = (id) => document.getElementById(id);

/** Who the key is in the trusted genesis: "audit-office (auditor)", or null. */
function genesisName(verifier, publicKeyHex) {
  for (const org of verifier.genesis?.organisations ?? []) {
    const key = org.keys.find((k) => bytesToHex(k.publicKey) === publicKeyHex);
    if (key) return `${org.id} (${key.roles.join(', ') || 'no roles'})`;
  }
  return null;
}

async function keyText() {
  const file = element('key-file').files?.[0];
  if (file) {
    if (file.size > MAX_KEY_FILE_BYTES) throw new KeyError('that file is too large for a key file');
    return file.text();
  }
  const pasted = element('key-text').value;
  if (!pasted.trim()) throw new KeyError('choose a key file or paste its line first');
  return pasted;
}

function clearInputs() {
  element('key-file').value = '';
  element('key-text').value = '';
}

function show(text, isError = false) {
  const message = element('key-message');
  message.textContent = text;
  message.className = isError ? 'error' : 'muted';
}

function showStatus(verifier) {
  const key = loadedKey();
  element('key-status').textContent = key
    ? `signing reads as ${genesisName(verifier, key.publicKeyHex) ?? 'a key not in the genesis'}`
      + `, key ${short(key.publicKeyHex)}`
    : 'none loaded: reads are unsigned';
  element('key-forget').disabled = !key;
}

/** Loads the key the panel holds, checks the node accepts its signature, and re-renders. */
async function load(verifier, rerender) {
  try {
    const seed = parseKeyFile(await keyText());
    clearInputs();
    try { await loadKey(seed); } finally { seed.fill(0); }
    // Any route checks a signature; status is open, so a refusal here is about the key.
    await getJSON('/v1/status');
  } catch (e) {
    clearInputs();
    forgetKey();
    showStatus(verifier);
    const known = e instanceof KeyError || e instanceof APIError;
    show(known ? e.message : `cannot load the key: ${e.message}`, true);
    return;
  }
  showStatus(verifier);
  const named = genesisName(verifier, loadedKey().publicKeyHex);
  show(named ? 'key loaded; it stays in this tab\u2019s memory only (a reload forgets it)'
    : 'key loaded; the node accepts it, but the trusted genesis does not name it '
      + '(registered later by governance)');
  rerender();
}

/** Wires the panel; `rerender` redraws the current view after a key is loaded or forgotten. */
export function keyPanel(verifier, rerender) {
  const unavailable = signingUnavailable();
  if (unavailable) {
    element('key-load').disabled = true;
    show(unavailable, true);
  }
  element('key-load').addEventListener('click', () => load(verifier, rerender));
  element('key-forget').addEventListener('click', () => {
    forgetKey();
    clearInputs();
    showStatus(verifier);
    show('key forgotten');
    rerender();
  });
  showStatus(verifier);
}
