// Chain, block and transaction views. Shown fields come from bytes the verifier checked; a
// block or transaction that fails shows the red reason and no data from the failed answer.

import { answerError, getPages } from './api.js';
import { bytesToHex } from './bytes.js';
import { badge, errorBox, fields, h, link, short, table, time } from './dom.js';
import { signedFetch, willSign } from './signer.js';

/** A validator's name and index in the newest verified set that holds its key. */
export function validatorName(verifier, keyBytes) {
  const key = bytesToHex(keyBytes);
  const sets = verifier.validatorSets?.sets ?? [{ validators: verifier.genesis?.validators || [] }];
  for (const { validators } of [...sets].reverse()) {
    const index = validators.findIndex((v) => bytesToHex(v.publicKey) === key);
    if (index >= 0) return `${validators[index].name} (#${index})`;
  }
  return short(key);
}

/** The latest blocks, each row filled from its verified bytes, and a live strip. */
export async function chainView(verifier, main) {
  const tip = await verifier.tip();
  const rows = h('tbody');
  main.append(h('h2', {}, 'Chain'), h('p', { class: 'muted' }, `tip height ${tip}`),
    h('table', {}, h('thead', {}, h('tr', {},
      ['height', 'time', 'proposer', 'round', 'txs', 'verification'].map((x) => h('th', {}, x)))),
    rows));
  for (let height = tip; height >= 1n && height > tip - 15n; height--) {
    rows.append(blockRow(verifier, height));
  }
  main.append(h('h3', {}, 'Live'), liveStrip(verifier, tip));
}

function blockRow(verifier, height) {
  const cells = [h('td', {}, link(`#/block/${height}`, String(height))),
    h('td'), h('td'), h('td'), h('td')];
  const check = async () => {
    const block = await verifier.block(height);
    cells[1].textContent = time(block.header.timeMs);
    cells[2].textContent = validatorName(verifier, block.header.proposer);
    cells[3].textContent = String(block.header.round);
    cells[4].textContent = String(block.transactions.length);
    return height;
  };
  return h('tr', {}, cells, h('td', {}, badge(check)));
}

/** New blocks as they are committed (polled from /v1/status), with the contract events of
 * the event stream under them. Stops when the page leaves the view. */
function liveStrip(verifier, fromHeight) {
  const strip = h('div', { class: 'strip' });
  let last = fromHeight;
  const timer = setInterval(async () => {
    if (!strip.isConnected) { clearInterval(timer); return; }
    try {
      const tip = await verifier.tip();
      for (let height = last + 1n; height <= tip && height <= last + 5n; height++) {
        strip.prepend(h('span', { class: 'chip' }, link(`#/block/${height}`, `#${height}`)));
      }
      last = tip;
      while (strip.childElementCount > 30) strip.lastElementChild.remove();
    } catch (_) { /* the node may be restarting; the next tick tries again */ }
  }, 1500);
  streamEvents(strip);
  return strip;
}

/** The event stream read with fetch, not EventSource: EventSource cannot send the
 * Authorization header a node with signed reads needs (the stream is for auditors). The
 * stream is closed once the strip leaves the page, so a reader never holds more of the
 * node's per-caller streams than the views open. */
async function streamEvents(strip) {
  const abort = new AbortController();
  const watch = setInterval(() => { if (!strip.isConnected) abort.abort(); }, 2000);
  try {
    const signed = willSign('/v1/events');
    const response = await signedFetch('/v1/events', { signal: abort.signal });
    if (!response.ok) {
      const error = answerError(response.status, (await response.text()).slice(0, 4096), signed);
      strip.append(h('span', { class: 'muted' }, `no live events: ${error.message}`));
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done || !strip.isConnected) break;
      buffer = (buffer + decoder.decode(value, { stream: true })).slice(-65536);
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').find((line) => line.startsWith('data: '));
        if (!data) continue;
        try {
          const event = JSON.parse(data.slice(6));
          strip.prepend(h('span', { class: 'chip event' },
            link(`#/tx/${event.tx_id}`, `${event.contract}.${event.type} @${event.height}`)));
        } catch (_) { /* a malformed frame is skipped */ }
      }
    }
  } catch (_) { /* stream closed */ } finally { clearInterval(watch); abort.abort(); }
}

export async function blockView(verifier, main, heightText) {
  if (!/^\d{1,19}$/.test(heightText)) throw new Error('a height is a non-negative integer');
  const height = BigInt(heightText);
  main.append(h('h2', {}, `Block ${height}`));
  const pending = verifier.block(height);
  const result = h('div');
  main.append(badge(() => pending.then(() => height)), result);
  let block;
  let validators;
  try {
    block = await pending;
    validators = await verifier.validatorsFor(height);
  } catch (e) { result.append(errorBox(e)); return; }
  const { header, certificate, transactions } = block;
  result.append(fields([
    ['hash', bytesToHex(block.hash)], ['chain', header.chainID], ['time', time(header.timeMs)],
    ['round', String(header.round)], ['proposer', validatorName(verifier, header.proposer)],
    ['previous hash', height > 1n ? link(`#/block/${height - 1n}`, bytesToHex(header.previousHash))
      : bytesToHex(header.previousHash)],
    ['tx root', bytesToHex(header.txRoot)],
    ['receipts root (of block h-1)', bytesToHex(header.receiptsRoot)],
    ['state root (after block h-1)', bytesToHex(header.stateRoot)],
    ['certificate', `round ${certificate.round}, ${certificate.signatures.length} of ` +
      `${validators.length} validators signed`],
    ['signers', certificate.signatures.map((s) => validators[s.index]?.name).join(', ')],
    ['next validator set', bytesToHex(header.nextValidatorsHash)],
  ]), h('p', {}, link(`#/block/${height + 1n}`, 'next block →')),
  h('h3', {}, `${transactions.length} transaction(s)`),
  table(['#', 'id', 'call'], transactions.map((tx, i) => [String(i),
    link(`#/tx/${bytesToHex(tx.id)}`, short(bytesToHex(tx.id), 24)),
    `${tx.contract}.${tx.method}`])));
}

/** The sender's organisation: from the trusted genesis when the key is there, else as the
 * node lists organisations now (a key added later by governance is not proven here). */
async function organisationOf(verifier, keyHex) {
  for (const org of verifier.genesis?.organisations ?? []) {
    if (org.keys.some((k) => bytesToHex(k.publicKey) === keyHex)) return `${org.id} (genesis)`;
  }
  try {
    const { items } = await getPages('/v1/organisations', { max: 1000 });
    const found = items.find((org) => Array.isArray(org?.keys)
      && org.keys.some((k) => k?.public_key === keyHex));
    return found ? `${String(found.id)} (as the node reports it)` : 'unknown';
  } catch (_) { return 'unknown'; }
}

export async function transactionView(verifier, main, id) {
  if (!/^[0-9a-f]{64}$/.test(id)) {
    throw new Error('a transaction id is 64 lower-case hex characters');
  }
  main.append(h('h2', {}, 'Transaction'), h('p', { class: 'mono' }, id));
  const pending = verifier.transaction(id);
  const result = h('div');
  main.append(badge(() => pending.then((p) => p.height)), result);
  let proven;
  try { proven = await pending; } catch (e) { result.append(errorBox(e)); return; }
  const { tx, receipt, height, index } = proven;
  const sender = bytesToHex(tx.sender);
  result.append(fields([
    ['call', `${tx.contract}.${tx.method}`],
    ['block', link(`#/block/${height}`, `${height}, index ${index}`)],
    ['sender key', sender],
    ['sender organisation', await organisationOf(verifier, sender)],
    ['valid until height', String(tx.validUntilHeight)],
    ['arguments', `${tx.arguments.length} bytes`],
    ['receipt', receipt.code === 0 ? 'success (code 0)' : `refused: code ${receipt.code}`],
    ['message', receipt.message || '—'],
  ]), h('h3', {}, 'Events'), table(['contract', 'type', 'attributes'], receipt.events.map((e) =>
    [e.contract, e.type, e.attributes.map((a) => `${a.key}=${a.value}`).join('  ')])));
}
