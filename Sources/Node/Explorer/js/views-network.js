// Organisations, validators, evidence and the operations view. Organisations and evidence
// are the node's view (labelled so); the validator set is the trusted genesis itself.

import { getJSON, getText } from './api.js';
import { Writer, bytesToHex, concat, equalBytes } from './bytes.js';
import { badge, fields, h, short, table } from './dom.js';
import { encodeEvidence, quorum } from './ledger.js';
import { sha256 } from './crypto.js';
import { VerifyError } from './verify.js';

const text = (v) => {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

/** Organisations as the node lists them now; a key's roles as the trusted genesis gave them
 * (a key added later by governance shows without roles: its record is not proven here). */
export async function organisationsView(verifier, main) {
  const answer = await getJSON('/v1/organisations');
  const organisations = Array.isArray(answer) ? answer : [];
  const atGenesis = new Map();
  for (const org of verifier.genesis?.organisations ?? []) {
    for (const key of org.keys) atGenesis.set(bytesToHex(key.publicKey), { org: org.id, key });
  }
  main.append(h('h2', {}, `Organisations (${organisations.length})`), h('p', { class: 'muted' },
    'The list and keys as the node reports them; roles as the trusted genesis assigned them.'));
  for (const org of organisations.slice(0, 500)) {
    const keys = Array.isArray(org.keys) ? org.keys : [];
    main.append(h('h3', {}, `${text(org.name)} (${text(org.id)})`),
      fields([['credit code', text(org.creditCode)]]),
      table(['key', 'roles at genesis', 'licence types at genesis'], keys.slice(0, 256).map((k) => {
        const hex = text(typeof k === 'string' ? k : k.publicKey);
        const known = atGenesis.get(hex);
        const same = known && known.org === org.id;
        return [h('span', { class: 'mono' }, hex),
          same ? known.key.roles.join(', ') : 'not in genesis',
          same ? known.key.licenceTypes.join(', ') : ''];
      })));
  }
}

export async function validatorsView(verifier, main) {
  main.append(h('h2', {}, 'Validator set (from the trusted genesis)'));
  const validators = verifier.genesis?.validators ?? [];
  let signers = new Set();
  const latest = h('div');
  try {
    const tip = await verifier.tip();
    const block = await verifier.block(tip);
    signers = new Set(block.certificate.signatures.map((s) => s.index));
    latest.append(badge(async () => tip), ` signers of block ${tip} marked ✓`);
  } catch (e) { latest.append(badge(async () => { throw e; })); }
  main.append(latest, table(['#', 'name', 'public key', 'address', `signed latest`],
    validators.map((v, i) => [String(i), v.name,
      h('span', { class: 'mono' }, bytesToHex(v.publicKey)),
      v.address, signers.has(i) ? '✓' : '—'])),
  h('p', { class: 'muted' }, `quorum: ${quorum(validators.length)} ` +
    `of ${validators.length}. Validator-set changes by governance are not followed: a block ` +
    'certified by a changed set shows as NOT verified.'));
}

/** Each record's canonical bytes are rebuilt from the node's view, proven at
 * `evidence/<hash>` and its two signatures checked against the genesis validator. */
export async function evidenceView(verifier, main) {
  const answer = await getJSON('/v1/evidence');
  const records = (Array.isArray(answer) ? answer : []).slice(0, 200);
  main.append(h('h2', {}, `Equivocation evidence (${records.length})`), h('p', { class: 'muted' },
    'Which records exist is the node\u2019s list; each listed one is proven in state and its ' +
    'two signatures checked against the genesis validator.'));
  const body = h('tbody');
  main.append(h('table', { id: 'evidence' }, h('thead', {}, h('tr', {},
    ['validator', 'kind', 'height', 'round', 'reporter', 'recorded at', 'verification']
      .map((x) => h('th', {}, x)))), body));
  for (const record of records) {
    const view = record?.evidence ?? {};
    const check = async () => proveEvidence(verifier, record);
    body.append(h('tr', {}, [short(text(view.validator), 24), text(view.kind), text(view.height),
      text(view.round), text(record?.reporterOrganisation), text(record?.recordedAtHeight)]
      .map((cell) => h('td', {}, cell)), h('td', {}, badge(check))));
  }
}

async function proveEvidence(verifier, record) {
  let evidence;
  try { evidence = encodeEvidence(record?.evidence ?? {}); } catch (e) {
    throw new VerifyError(`the node's evidence does not encode: ${e.message}`);
  }
  if (!Number.isSafeInteger(record.recordedAtHeight)) throw new VerifyError('no recorded height');
  const expected = concat(evidence.bytes, new Writer().string(String(record.reporterOrganisation))
    .u64(record.recordedAtHeight).done());
  const key = `evidence/${bytesToHex(await sha256(evidence.bytes))}`;
  const { value, height } = await verifier.state(key);
  if (value === null || !equalBytes(value, expected)) {
    throw new VerifyError('the record differs from the one proven in state');
  }
  await verifier.checkEvidence(evidence);
  return height;
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
  h('p', { class: 'muted' }, 'Add nodes with #/ops?nodes=http://host:port,http://host:port'));
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
