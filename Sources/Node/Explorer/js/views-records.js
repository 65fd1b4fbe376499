// Licence, bill, holder and payer views. Every record shown as verified is decoded from
// state bytes whose sparse-Merkle proof matched a certified state root; lists the node
// returns (which claims, which uses, which versions) are only an index into those proofs:
// an entry the node leaves out cannot be noticed here (the page says so).

import { enc, getJSON } from './api.js';
import { badge, errorBox, fields, h, link, short, table, time } from './dom.js';
import {
  decodeAlert, decodeBill, decodeClaim, decodeGrantHead, decodeHistory, decodeLicence, decodeUse,
  keys, yuan,
} from './records.js';
import { VerifyError } from './verify.js';

/** The newest height whose state a certificate covers (header roots lag one block). */
async function certifiedHeight(verifier) {
  const tip = await verifier.tip();
  if (tip < 1n) throw new VerifyError('no block certifies any state yet');
  return tip - 1n;
}

async function provenRecord(verifier, key, decode, what, height) {
  const { value, height: at } = await verifier.state(key, height);
  if (value === null) throw new VerifyError(`${what} is proven absent at height ${at}`);
  try { return { record: decode(value), height: at }; } catch (e) {
    throw new VerifyError(`${what}: proven bytes do not decode: ${e.message}`);
  }
}

/** A row per entry, filled once its proof checks; the badge in the last cell. */
function provenRow(width, check, fill) {
  const cells = Array.from({ length: width }, () => h('td'));
  const run = check().then((proven) => { fill(cells, proven.record); return proven; });
  run.catch(() => {}); // the row's badge shows the failure
  return { row: h('tr', {}, cells, h('td', {}, badge(() => run.then((p) => p.height)))), run };
}

function provenTable(headings, rows) {
  const names = [...headings, 'verification'];
  return h('table', {}, h('thead', {}, h('tr', {}, names.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => r.row)));
}

const list = (answer, name) => {
  if (Array.isArray(answer)) return answer;
  return Array.isArray(answer?.[name]) ? answer[name] : [];
};
const text = (value) =>
  (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
const money = (fen) => `${yuan(fen)} yuan`;

/** The history entries of `key` the node lists, each proven at `height` and decoded. */
async function provenTrail(verifier, key, decode, height) {
  const [kind, ...rest] = key.split('/');
  const entries = list(await getJSON(`/v1/${kind}s/${enc(rest.join('/'))}/history`));
  return entries.slice(0, 500).map((entry) => ({
    entry,
    check: async () => {
      if (!Number.isSafeInteger(entry.height) || !Number.isSafeInteger(entry.txIndex)) {
        throw new VerifyError('history entry without height or tx index');
      }
      const proven = await provenRecord(verifier, keys.history(key, entry.height, entry.txIndex),
        decodeHistory, `version at ${entry.height}/${entry.txIndex}`, height);
      const version = proven.record;
      if (version.height !== BigInt(entry.height)) {
        throw new VerifyError('version is of another height');
      }
      const state = version.value ? decode(version.value) : null;
      return { record: { ...version, state }, height: proven.height };
    },
  }));
}

// MARK: Bills

function billSummary(bill, id) {
  const left = `${money(bill.leftFen)} (${bill.leftFen} fen) left`;
  return fields([
    ['bill id', id], ['kind', bill.number.kind], ['issuer', bill.issuerOrganisation],
    ['payer', link(`#/payer/${bill.payer}`, short(bill.payer, 24))],
    ['issued', time(bill.issuedAtMs)], ['total', money(bill.totalFen)], ['status', bill.status],
    ['reversed', money(bill.reversedFen)], ['locked by claims', money(bill.lockedFen)],
    ['settled', money(bill.settledFen)], ['left', h('strong', { class: 'left' }, left)],
    ['red bills', bill.redBillIDs.map((b) => link(`#/bill/${b}`, b))],
    ['reverses', bill.reversesBillID
      ? link(`#/bill/${bill.reversesBillID}`, bill.reversesBillID) : '—'],
  ]);
}

/** What one version of a bill changed, read from two consecutive proven records. */
function billChange(before, after) {
  if (!after) return 'deleted';
  if (!before) return after.status === 'red' ? 'red bill issued' : 'issued';
  const changes = [];
  const grew = (field) =>
    (after[field] > before[field] ? money(after[field] - before[field]) : null);
  if (grew('reversedFen')) changes.push(`reversal −${grew('reversedFen')}`);
  if (grew('lockedFen')) changes.push(`claim locked ${grew('lockedFen')}`);
  if (grew('settledFen')) changes.push(`claim settled ${grew('settledFen')}`);
  if (after.lockedFen < before.lockedFen && after.settledFen === before.settledFen) {
    changes.push(`claim released ${money(before.lockedFen - after.lockedFen)}`);
  }
  if (after.status !== before.status) changes.push(`status ${after.status}`);
  return changes.join(', ') || 'updated';
}

export async function billView(verifier, main, id) {
  main.append(h('h2', {}, `Bill ${id}`));
  const height = await certifiedHeight(verifier);
  const pending = provenRecord(verifier, keys.bill(id), decodeBill, `bill ${id}`, height);
  main.append(badge(() => pending.then((p) => p.height)));
  let bill;
  try { bill = (await pending).record; } catch (e) { main.append(errorBox(e)); return; }
  main.append(billSummary(bill, id));

  const answer = await getJSON(`/v1/bills/${enc(id)}/claims`);
  const claims = list(answer, 'claims').slice(0, 200).map((claim) => provenRow(6,
    () => provenRecord(verifier,
      keys.claim(text(claim.reimburserOrganisation), text(claim.claimID)), decodeClaim,
      `claim ${text(claim.claimID)}`, height),
    (cells, c) => {
      [c.claimID, c.reimburserOrganisation, c.category || 'whole bill', money(c.amountFen),
        c.status,
        String(c.claimedAtHeight)].forEach((value, i) => { cells[i].textContent = value; });
    }));
  main.append(h('h3', {}, `Claims (${claims.length})`), provenTable(
    ['claim', 'reimburser', 'category', 'amount', 'status', 'claimed at'], claims));
  const summary = h('div');
  main.append(h('h3', {}, 'Per reimburser and category'), summary);
  Promise.allSettled(claims.map((c) => c.run)).then((results) => {
    const totals = new Map();
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      const c = r.value.record;
      const k = `${c.reimburserOrganisation} / ${c.category || 'whole bill'} / ${c.status}`;
      totals.set(k, (totals.get(k) || 0n) + c.amountFen);
    }
    summary.append(table(['reimburser / category / status', 'amount'],
      [...totals].map(([k, fen]) => [k, money(fen)])));
  });
  const alerts = list(answer, 'alerts').slice(0, 100);
  const history = list(await getJSON(`/v1/bills/${enc(id)}/history`)).slice(0, 500);
  const alertRows = alerts.map((a) => provenRow(5,
    () => provenAlert(verifier, id, a, history, height), (cells, alert) => {
      cells[0].append(link(`#/bill/${alert.redBillID}`, alert.redBillID));
      [money(alert.claimableFen), money(alert.lockedFen), money(alert.settledFen)]
        .forEach((value, i) => { cells[i + 1].textContent = value; });
      cells[4].textContent = String(alert.height);
    }));
  main.append(h('h3', {}, `Alerts (${alertRows.length})`),
    provenTable(['red bill', 'claimable', 'locked', 'settled', 'height'], alertRows));
  await trailTable(verifier, main, keys.bill(id), decodeBill, height, 'Trail',
    ['height', 'transaction', 'change', 'status', 'locked', 'settled', 'left'],
    (cells, version, before) => {
      const b = version.state;
      [String(version.height), '', billChange(before, b), b?.status ?? '—',
        b ? money(b.lockedFen) : '', b ? money(b.settledFen) : '', b ? money(b.leftFen) : '']
        .forEach((value, i) => { cells[i].textContent = value; });
      cells[1].append(link(`#/tx/${version.txID}`, short(version.txID)));
      cells[2].append(h('div', { class: 'muted' }, callSummary(verifier, version.txID)));
    });
}

/** The call and events of the transaction that made a version, from its verified receipt. */
function callSummary(verifier, txID) {
  const element = h('span', {}, '…');
  verifier.transaction(txID).then(({ tx, receipt }) => {
    const events = receipt.events.map((e) => `${e.type} ${e.attributes
      .filter((a) => a.value.length <= 40).map((a) => `${a.key}=${a.value}`).join(' ')}`);
    element.textContent = `${tx.contract}.${tx.method}: ${events.join('; ') || receipt.message}`;
  }, (e) => { element.textContent = `call NOT verified: ${e.message}`; });
  return element;
}

/** An alert lives at `alert/<bill>/<height>/<tx>`: the tx is the one that changed the bill
 * at the alert's height (a reversal), found among the trail's versions at that height. */
async function provenAlert(verifier, billID, alert, history, height) {
  const candidates = history.filter((entry) => entry.height === alert.height);
  for (const entry of candidates.slice(0, 16)) {
    const key = keys.alert(billID, alert.height, text(entry.txID));
    const { value, height: at } = await verifier.state(key, height);
    if (value === null) continue;
    try { return { record: decodeAlert(value), height: at }; } catch (e) {
      throw new VerifyError(`alert: proven bytes do not decode: ${e.message}`);
    }
  }
  throw new VerifyError(`no alert of height ${text(alert.height)} is proven in state`);
}

/** A proven history table; each row also sees the previous proven version. */
async function trailTable(verifier, main, key, decode, height, title, headings, fill) {
  const trail = await provenTrail(verifier, key, decode, height);
  let previous = Promise.resolve(null);
  const rows = trail.map(({ check }) => {
    const before = previous;
    const row = provenRow(headings.length, async () => {
      const proven = await check();
      const prior = await before.catch(() => null);
      proven.record.before = prior ? prior.state : null;
      return proven;
    }, (cells, version) => fill(cells, version, version.before));
    previous = row.run.then((p) => p.record);
    return row;
  });
  main.append(h('h3', {}, `${title} (${rows.length} versions; the node lists them)`),
    provenTable(headings, rows));
}

// MARK: Licences

export async function licenceView(verifier, main, id) {
  main.append(h('h2', {}, `Licence ${id}`));
  const height = await certifiedHeight(verifier);
  const pending = provenRecord(verifier, keys.licence(id), decodeLicence, `licence ${id}`, height);
  main.append(badge(() => pending.then((p) => p.height)));
  let licence;
  try { licence = (await pending).record; } catch (e) { main.append(errorBox(e)); return; }
  main.append(fields([
    ['licence id', licence.id], ['type', licence.licenceType],
    ['issuer', licence.issuerOrganisation],
    ['holder', link(`#/holder/${licence.holder}`, short(licence.holder, 24))],
    ['file digest (SHA-256)', licence.fileDigest], ['valid from', time(licence.validFromMs)],
    ['valid until', time(licence.validUntilMs)], ['version', String(licence.version)],
    ['status', licence.status + (licence.statusReason ? ` (${licence.statusReason})` : '')],
    ['previous', licence.previousID
      ? link(`#/licence/${licence.previousID}`, licence.previousID) : '—'],
    ['next', licence.nextID ? link(`#/licence/${licence.nextID}`, licence.nextID) : '—'],
  ]));
  const listed = list(await getJSON(`/v1/licences/${enc(id)}/uses`), 'uses').slice(0, 200);
  const uses = listed.map((use) =>
    provenRow(6, () => provenRecord(verifier, keys.use(id, use.height ?? 0, text(use.txID)),
      decodeUse,
      `use in ${short(text(use.txID))}`, height), (cells, u) => {
      [time(u.blockTimeMs), u.userOrganisation, u.purpose, u.itemCode]
        .forEach((v, i) => { cells[i].textContent = v; });
      cells[4].append(
        u.grantID ? link(`#/grant/${u.grantID}`, u.grantID) : 'statutory duty (no grant)');
      cells[5].append(link(`#/tx/${u.txID}`, short(u.txID)));
    }));
  main.append(h('h3', {}, `Uses (${uses.length})`),
    provenTable(['time', 'user', 'purpose', 'item', 'grant relied on', 'transaction'], uses));
  await trailTable(verifier, main, keys.licence(id), decodeLicence, height, 'Versions',
    ['height', 'transaction', 'status', 'valid until', 'version'], (cells, version) => {
      const l = version.state;
      [String(version.height), '', l?.status ?? 'deleted', l ? time(l.validUntilMs) : '',
        l ? String(l.version) : '']
        .forEach((v, i) => { cells[i].textContent = v; });
      cells[1].append(link(`#/tx/${version.txID}`, short(version.txID)));
    });
}

export async function grantView(verifier, main, id) {
  main.append(h('h2', {}, `Grant ${id}`));
  const pending = provenRecord(verifier, keys.grant(id), decodeGrantHead, `grant ${id}`, null);
  main.append(badge(() => pending.then((p) => p.height)));
  let grant;
  try { grant = (await pending).record; } catch (e) { main.append(errorBox(e)); return; }
  main.append(fields([['grant id', grant.grantID], ['grantee', grant.granteeOrganisation],
    ['holder', link(`#/holder/${grant.holder}`, short(grant.holder, 24))]]));
  const view = await getJSON(`/v1/grants/${enc(id)}`).catch(() => null);
  if (view) {
    main.append(h('h3', {}, 'Full record (the node\u2019s JSON view)'),
      h('pre', {}, JSON.stringify(view, null, 2)));
  }
}

// MARK: Holders and payers (by commitment)

export async function holderView(verifier, main, commitment) {
  main.append(h('h2', {}, 'Holder'), h('p', { class: 'mono' }, commitment));
  const height = await certifiedHeight(verifier);
  const grants = list(await getJSON(`/v1/holders/${enc(commitment)}/grants`), 'grants')
    .slice(0, 200);
  const grantRows = grants.map((g) => {
    const id = text(g.terms?.grantID ?? g.grantID);
    return provenRow(3, async () => {
      const proven = await provenRecord(verifier, keys.grant(id), decodeGrantHead, `grant ${id}`,
        height);
      if (proven.record.holder !== commitment) throw new VerifyError('grant is of another holder');
      return proven;
    }, (cells, r) => {
      cells[0].append(link(`#/grant/${r.grantID}`, r.grantID));
      cells[1].textContent = r.granteeOrganisation;
      cells[2].textContent = text(g.terms?.purpose);
    });
  });
  main.append(h('h3', {}, `Live grants (${grantRows.length})`),
    provenTable(['grant', 'grantee', 'purpose'], grantRows));
  const licences = list(await getJSON(`/v1/holders/${enc(commitment)}/licences`), 'licences')
    .slice(0, 200);
  const licenceRows = licences.map((l) => provenRow(3,
    () => provenRecord(verifier, keys.licence(text(l.id)), decodeLicence, `licence ${text(l.id)}`,
      height),
    (cells, r) => {
      cells[0].append(link(`#/licence/${r.id}`, r.id));
      cells[1].textContent = r.issuerOrganisation;
      cells[2].textContent = r.status;
    }));
  main.append(h('h3', {}, `Licences (${licenceRows.length})`),
    provenTable(['licence', 'issuer', 'status'], licenceRows));
}

/** A bill id from the node's JSON view of a BillRecord (its number enum). */
function billIDOf(record) {
  const number = record?.number ?? {};
  if (number.medical) {
    const m = number.medical;
    return `M${text(Array.isArray(m) ? m[0] : m.code)}${text(Array.isArray(m) ? m[1] : m.number)}`;
  }
  if (number.taxInvoice !== undefined) {
    const t = number.taxInvoice;
    return `T${text(Array.isArray(t) ? t[0] : t.number ?? t)}`;
  }
  return '';
}

export async function payerView(verifier, main, commitment) {
  main.append(h('h2', {}, 'Payer\u2019s bill wallet'), h('p', { class: 'mono' }, commitment));
  const height = await certifiedHeight(verifier);
  const bills = list(await getJSON(`/v1/payers/${enc(commitment)}/bills`), 'bills').slice(0, 200);
  const rows = bills.map((b) => {
    const id = billIDOf(b);
    return provenRow(4, async () => {
      const proven = await provenRecord(verifier, keys.bill(id), decodeBill, `bill ${id}`, height);
      if (proven.record.payer !== commitment) throw new VerifyError('bill is of another payer');
      return proven;
    }, (cells, r) => {
      cells[0].append(link(`#/bill/${id}`, id));
      cells[1].textContent = money(r.totalFen);
      cells[2].textContent = money(r.leftFen);
      cells[3].textContent = r.status;
    });
  });
  main.append(provenTable(['bill', 'total', 'left', 'status'], rows));
}
