// Organisations, validators, evidence and the operations view. Organisations and evidence
// are the node's view (labelled so); the validator set is the trusted genesis itself.

import { getJSON, getPages, getText } from './api.js';
import { Writer, bytesToHex, concat, equalBytes, hexToBytes } from './bytes.js';
import { badge, fields, h, short, table } from './dom.js';
import { decodeEvidence, quorum } from './ledger.js';
import { sha256 } from './crypto.js';
import { VerifyError } from './verify.js';

const text = (v) => {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

/** Organisations as the node lists them now; a key's roles as the trusted genesis gave them
 * (a key added later by governance shows without them: its record is not proven here) next
 * to the roles the node reports. */
export async function organisationsView(verifier, main) {
  const { items, truncated } = await getPages('/v1/organisations', { max: 1000 });
  const organisations = items.filter((org) => org && typeof org === 'object');
  const atGenesis = new Map();
  for (const org of verifier.genesis?.organisations ?? []) {
    for (const key of org.keys) atGenesis.set(bytesToHex(key.publicKey), { org: org.id, key });
  }
  main.append(h('h2', {}, `Organisations (${organisations.length}${truncated ? '+' : ''})`),
    h('p', { class: 'muted' }, 'The list, keys and current roles as the node reports them; ' +
      'roles as the trusted genesis assigned them.'));
  for (const org of organisations) {
    const keys = Array.isArray(org.keys) ? org.keys : [];
    main.append(h('h3', {}, `${text(org.name)} (${text(org.id)})`),
      fields([['credit code', text(org.credit_code)]]),
      table(['key', 'roles at genesis', 'licence types at genesis', 'roles now (node)'],
        keys.slice(0, 256).map((k) => {
          const hex = text(k?.public_key);
          const known = atGenesis.get(hex);
          const same = known && known.org === org.id;
          return [h('span', { class: 'mono' }, hex),
            same ? known.key.roles.join(', ') : 'not in genesis',
            same ? known.key.licenceTypes.join(', ') : '',
            Array.isArray(k?.roles) ? k.roles.map(text).join(', ') : ''];
        })));
  }
}

export async function validatorsView(verifier, main) {
  main.append(h('h2', {}, 'Validator set (followed from the trusted genesis)'));
  let validators = verifier.genesis?.validators ?? [];
  let signers = new Set();
  let tip = null;
  const latest = h('div');
  try {
    tip = await verifier.tip();
    const block = await verifier.block(tip);
    validators = await verifier.validatorsFor(tip);
    signers = new Set(block.certificate.signatures.map((s) => s.index));
    latest.append(badge(async () => tip), ` the set of block ${tip}; its signers marked ✓`);
  } catch (e) { latest.append(badge(async () => { throw e; })); }
  main.append(latest, table(['#', 'name', 'public key', 'address', 'signed latest'],
    validators.map((v, i) => [String(i), v.name,
      h('span', { class: 'mono' }, bytesToHex(v.publicKey)),
      v.address, signers.has(i) ? '✓' : '—'])),
  h('p', { class: 'muted' }, `quorum: ${quorum(validators.length)} of ${validators.length}.`),
  h('h3', {}, 'Set changes'),
  h('p', { class: 'muted' }, 'Each set after genesis is believed only because the block before ' +
    'its first height, certified by the set before it, names it (next validators hash).'),
  table(['from height', 'validators', 'names'], (verifier.validatorSets?.sets ?? []).map((set) => [
    String(set.from), String(set.validators.length), set.validators.map((v) => v.name).join(', ')])));
}

/** Each record's canonical evidence bytes (`evidence_hex`) are decoded, proven at
 * `evidence/<hash>` and its two signatures checked against the validator of the
 * evidence's height's set. */
export async function evidenceView(verifier, main) {
  const { items, truncated, asOfHeight: height } = await getPages('/v1/evidence', { max: 200 });
  const records = items.filter((r) => r && typeof r === 'object');
  main.append(h('h2', {}, `Equivocation evidence (${records.length}${truncated ? '+' : ''})`),
    h('p', { class: 'muted' },
      'Which records exist is the node\u2019s list; each listed one is proven in state and ' +
      'its two signatures checked against the validator set of its height.'));
  const body = h('tbody');
  main.append(h('table', { id: 'evidence' }, h('thead', {}, h('tr', {},
    ['validator', 'kind', 'height', 'round', 'reporter', 'recorded at', 'verification']
      .map((x) => h('th', {}, x)))), body));
  for (const record of records) {
    const check = async () => proveEvidence(verifier, record, height);
    body.append(h('tr', {}, [short(text(record.validator), 24), text(record.kind),
      text(record.height), text(record.round), text(record.reporter_organisation),
      text(record.recorded_at_height)].map((cell) => h('td', {}, cell)),
    h('td', {}, badge(check))));
  }
}

async function proveEvidence(verifier, record, height) {
  let evidence;
  try { evidence = decodeEvidence(hexToBytes(String(record.evidence_hex ?? ''))); } catch (e) {
    throw new VerifyError(`the node's evidence does not decode: ${e.message}`);
  }
  // The row shows the node's summary fields: they must be the evidence's own.
  if (text(record.validator) !== bytesToHex(evidence.validator)
      || record.kind !== evidence.kindName || String(record.height) !== String(evidence.height)
      || String(record.round) !== String(evidence.round)) {
    throw new VerifyError('the listed fields differ from the evidence bytes');
  }
  if (!Number.isSafeInteger(record.recorded_at_height)) {
    throw new VerifyError('no recorded height');
  }
  const expected = concat(evidence.bytes, new Writer()
    .string(String(record.reporter_organisation)).u64(record.recorded_at_height).done());
  const key = `evidence/${bytesToHex(await sha256(evidence.bytes))}`;
  const { value, height: at } = await verifier.state(key, height); // as of the list
  if (value === null || !equalBytes(value, expected)) {
    throw new VerifyError('the record differs from the one proven in state');
  }
  await verifier.checkEvidence(evidence);
  return at;
}

// MARK: Operations

const NODES_KEY = 'govchain-explorer-nodes';

/** Prometheus text: metric name -> value of its unlabelled sample. */
export function parseMetrics(body) {
  const values = new Map();
  for (const line of body.split('\n').slice(0, 5000)) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && !match[2]) values.set(match[1], match[3]);
  }
  return values;
}

async function nodeRow(base) {
  const origin = base.replace(/\/+$/, '');
  try {
    const [status, metrics] = await Promise.all([
      getJSON(`${origin}/v1/status`), getText(`${origin}/metrics`).then(parseMetrics)]);
    const peers = Array.isArray(status.peers) ? status.peers.length : status.peers;
    return [origin, text(status.height), text(status.round), text(peers), text(status.mempool_size),
      status.catching_up ? `yes (best peer ${text(status.best_peer_height)})` : 'no',
      metrics.get('govchain_transactions_committed_total') ?? '',
      metrics.get('govchain_consensus_round_changes_total') ?? '',
      h('span', { class: status.catching_up ? 'badge pending' : 'badge ok' }, 'up')];
  } catch (e) {
    const down = h('span', { class: 'badge bad' }, `down: ${e.message}`);
    return [origin, '', '', '', '', '', '', '', down];
  }
}

/** Per-node health from /v1/status and /metrics, for this node and any listed in `nodes=`
 * (comma-separated API URLs, remembered in this browser); other nodes answer these two
 * routes with CORS allowed. */
export async function operationsView(verifier, main, query) {
  const listed = query.get('nodes') || localStorage.getItem(NODES_KEY) || '';
  if (query.get('nodes')) localStorage.setItem(NODES_KEY, listed);
  const nodes = [location.origin, ...listed.split(',').map((s) => s.trim())
    .filter((s) => /^https?:\/\/[^\s/]+$/.test(s) && s !== location.origin)].slice(0, 32);
  main.append(h('h2', {}, 'Operations'));
  const body = h('tbody');
  const headings = ['node', 'height', 'round', 'peers', 'mempool', 'catching up', 'txs committed',
    'round changes', 'state'];
  main.append(
    h('table', { id: 'ops' },
      h('thead', {}, h('tr', {}, headings.map((x) => h('th', {}, x)))), body),
  h('p', { class: 'muted' }, 'Add nodes with #/ops?nodes=https://host:port,https://host:port'));
  const refresh = async () => {
    const rows = await Promise.all(nodes.map(nodeRow));
    body.replaceChildren(...rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c)))));
  };
  await refresh();
  const timer = setInterval(() => {
    if (!body.isConnected) clearInterval(timer);
    else refresh();
  }, 3000);
}
