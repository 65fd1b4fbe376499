// Licence, bill, holder and payer views. Every record shown as verified is decoded from
// state bytes whose sparse-Merkle proof matched a certified state root; lists the node
// returns (which claims, which uses, which versions) are only an index into those proofs:
// an entry the node leaves out cannot be noticed here (the page says so).

import { enc, getJSON, getPages } from './api.js';
import { badge, errorBox, fields, h, link, short, table, time } from './dom.js';
import {
  decodeAlert, decodeBill, decodeClaim, decodeGrant, decodeHistory, decodeLicence, decodeUse,
  keys, yuan,
} from './records.js';
import { VerifyError } from './verify.js';

function decodeProven(what, decode, { value, height }) {
  if (value === null) throw new VerifyError(`${what} is proven absent at height ${height}`);
  try { return { record: decode(value), height }; } catch (e) {
    throw new VerifyError(`${what}: proven bytes do not decode: ${e.message}`);
  }
}

/** The value at `key` as of `height` (a list's as_of_height), proven by `/v1/state/proof`
 * and decoded. */
async function provenAt(verifier, key, decode, what, height) {
  return decodeProven(what, decode, await verifier.state(key, height));
}

/** A single record from its route (`/v1/bills/<id>` ...) as of the latest block, proven by
 * the proof the node attaches on `?prove=true`, and decoded. */
async function provenRecord(verifier, path, key, decode, what) {
  return decodeProven(what, decode, await verifier.record(path, key));
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

const MAX_LISTED = 500; // entries of one list shown (and proven) per view
const items = (array) => (Array.isArray(array) ? array : []);
const more = (listed) => (listed.truncated ? `, the first ${listed.items.length}` : '');
const claimPath = (reimburser, id) => `/v1/reimbursers/${enc(reimburser)}/claims/${enc(id)}`;
const text = (value) =>
  (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
const money = (fen) => `${yuan(fen)} yuan`;

/** The items of one of the node's lists (its pages followed) and the height they are of. */
const listed = (path, max = MAX_LISTED) => getPages(path, { max });

/** The history entries of `key` the node lists, each proven as of the list's height and
 * decoded. */
async function provenTrail(verifier, key, decode) {
  const [kind, ...rest] = key.split('/');
  const trail = await listed(`/v1/${kind}s/${enc(rest.join('/'))}/history`);
  const height = trail.asOfHeight;
  return {
    truncated: trail.truncated,
    entries: trail.items.map((entry) => ({
      entry,
      check: async () => {
        if (!Number.isSafeInteger(entry?.height) || !Number.isSafeInteger(entry?.tx_index)) {
          throw new VerifyError('history entry without height or tx index');
        }
        const proven = await provenAt(verifier,
          keys.history(key, entry.height, entry.tx_index), decodeHistory,
          `version at ${entry.height}/${entry.tx_index}`, height);
        const version = proven.record;
        if (version.height !== BigInt(entry.height) || version.txID !== entry.tx_id) {
          throw new VerifyError('the proven version is of another transaction');
        }
        const state = version.value ? decode(version.value) : null;
        return { record: { ...version, state }, height: proven.height };
      },
    })),
  };
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
  const pending = provenRecord(verifier, `/v1/bills/${enc(id)}`, keys.bill(id), decodeBill,
    `bill ${id}`);
  main.append(badge(() => pending.then((p) => p.height)));
  let bill;
  try { bill = (await pending).record; } catch (e) { main.append(errorBox(e)); return; }
  if (bill.id !== id) { main.append(errorBox(`the proven bill is ${bill.id}, not ${id}`)); return; }
  main.append(billSummary(bill, id));

  // Which claims and alerts there are is the node's word (one answer, not paged); each listed
  // claim is then proven at its own key through its record route.
  const answer = await getJSON(`/v1/bills/${enc(id)}/claims`);
  const claims = items(answer.claims).slice(0, MAX_LISTED).map((claim) => {
    const reimburser = text(claim?.reimburser_organisation);
    const claimID = text(claim?.claim_id);
    return provenRow(6, async () => {
      const proven = await provenRecord(verifier, claimPath(reimburser, claimID),
        keys.claim(reimburser, claimID), decodeClaim, `claim ${claimID}`);
      if (proven.record.billID !== id) throw new VerifyError('claim is of another bill');
      return proven;
    }, (cells, c) => {
      [c.claimID, c.reimburserOrganisation, c.category || 'whole bill', money(c.amountFen),
        c.status,
        String(c.claimedAtHeight)].forEach((value, i) => { cells[i].textContent = value; });
    });
  });
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
  const alerts = items(answer.alerts).slice(0, 100);
  const history = alerts.length
    ? (await listed(`/v1/bills/${enc(id)}/history`)).items : [];
  const alertRows = alerts.map((a) => provenRow(5,
    () => provenAlert(verifier, id, a, history, answer.as_of_height), (cells, alert) => {
      cells[0].append(link(`#/bill/${alert.redBillID}`, alert.redBillID));
      [money(alert.claimableFen), money(alert.lockedFen), money(alert.settledFen)]
        .forEach((value, i) => { cells[i + 1].textContent = value; });
      cells[4].textContent = String(alert.height);
    }));
  main.append(h('h3', {}, `Alerts (${alertRows.length})`),
    provenTable(['red bill', 'claimable', 'locked', 'settled', 'height'], alertRows));
  await trailTable(verifier, main, keys.bill(id), decodeBill, 'Trail',
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
 * at the alert's height (a reversal), found among the trail's versions at that height.
 * Proven as of `height`, the height the node listed it at. */
async function provenAlert(verifier, billID, alert, history, height) {
  if (!Number.isSafeInteger(alert?.height)) throw new VerifyError('alert without a height');
  if (!Number.isSafeInteger(height)) throw new VerifyError('the alert list has no height');
  const candidates = history.filter((entry) => entry?.height === alert.height);
  for (const entry of candidates.slice(0, 16)) {
    const key = keys.alert(billID, alert.height, text(entry.tx_id));
    const { value, height: at } = await verifier.state(key, height);
    if (value === null) continue;
    try { return { record: decodeAlert(value), height: at }; } catch (e) {
      throw new VerifyError(`alert: proven bytes do not decode: ${e.message}`);
    }
  }
  throw new VerifyError(`no alert of height ${text(alert.height)} is proven in state`);
}

/** A proven history table; each row also sees the previous proven version. */
async function trailTable(verifier, main, key, decode, title, headings, fill) {
  const trail = await provenTrail(verifier, key, decode);
  let previous = Promise.resolve(null);
  const rows = trail.entries.map(({ check }) => {
    const before = previous;
    const row = provenRow(headings.length, async () => {
      const proven = await check();
      const prior = await before.catch(() => null);
      proven.record.before = prior ? prior.state : null;
      return proven;
    }, (cells, version) => fill(cells, version, version.before));
    previous = row.run.then((p) => p.record);
    // The next row reads it with a catch; the last row's has no reader, and its failure is
    // the row's badge's to show, not an unhandled rejection.
    previous.catch(() => {});
    return row;
  });
  main.append(h('h3', {}, `${title} (${rows.length} versions${more(trail)}; the node lists them)`),
    provenTable(headings, rows));
}

// MARK: Licences

export async function licenceView(verifier, main, id) {
  main.append(h('h2', {}, `Licence ${id}`));
  const pending = provenRecord(verifier, `/v1/licences/${enc(id)}`, keys.licence(id),
    decodeLicence, `licence ${id}`);
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
  const usesListed = await listed(`/v1/licences/${enc(id)}/uses`);
  const uses = usesListed.items.map((use) => provenRow(6, async () => {
    if (!Number.isSafeInteger(use?.height)) throw new VerifyError('use without a height');
    const proven = await provenAt(verifier, keys.use(id, use.height, text(use.tx_id)),
      decodeUse, `use in ${short(text(use.tx_id))}`, usesListed.asOfHeight);
    if (proven.record.licenceID !== id) throw new VerifyError('use of another licence');
    return proven;
  }, (cells, u) => {
    [time(u.blockTimeMs), u.userOrganisation, u.purpose, u.itemCode]
      .forEach((v, i) => { cells[i].textContent = v; });
    cells[4].append(
      u.grantID ? link(`#/grant/${u.grantID}`, u.grantID) : 'statutory duty (no grant)');
    cells[5].append(link(`#/tx/${u.txID}`, short(u.txID)));
  }));
  main.append(h('h3', {}, `Uses (${uses.length}${more(usesListed)})`),
    provenTable(['time', 'user', 'purpose', 'item', 'grant relied on', 'transaction'], uses));
  await trailTable(verifier, main, keys.licence(id), decodeLicence, 'Versions',
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
  const pending = provenRecord(verifier, `/v1/grants/${enc(id)}`, keys.grant(id), decodeGrant,
    `grant ${id}`);
  main.append(badge(() => pending.then((p) => p.height)));
  let grant;
  try { grant = (await pending).record; } catch (e) { main.append(errorBox(e)); return; }
  const names = (list) => (list.length ? list.flatMap((x, i) => (i ? [', ', x] : [x])) : '—');
  main.append(fields([
    ['grant id', grant.grantID], ['grantee', grant.granteeOrganisation],
    ['holder', link(`#/holder/${grant.holder}`, short(grant.holder, 24))],
    ['purpose (service item)', grant.purpose],
    ['licences', names(grant.scope.licenceIDs.map((l) => link(`#/licence/${l}`, l)))],
    ['licence types', names(grant.scope.licenceTypes)],
    ['data categories', names(grant.scope.dataCategories)],
    ['consent', `${grant.consent.mode} via ${grant.consent.channel}`],
    ['attested by', grant.attestedBy],
    ['valid from', time(grant.validFromMs)], ['valid until', time(grant.validUntilMs)],
    ['delegable', grant.delegable ? 'yes' : 'no'], ['revoked', grant.revoked ? 'yes' : 'no'],
    ['granted at height', String(grant.grantedAtHeight)],
    ['delegated from', grant.parentGrantID
      ? link(`#/grant/${grant.parentGrantID}`, grant.parentGrantID) : '—'],
    ['under mandate', grant.mandateID ?? '—'],
  ]));
}

// MARK: Holders and payers (by commitment)

export async function holderView(verifier, main, commitment) {
  main.append(h('h2', {}, 'Holder'), h('p', { class: 'mono' }, commitment));
  const grantsListed = await listed(`/v1/holders/${enc(commitment)}/grants?status=all`);
  const grantRows = grantsListed.items.map((g) => {
    const id = text(g?.grant_id);
    return provenRow(5, async () => {
      const proven = await provenRecord(verifier, `/v1/grants/${enc(id)}`, keys.grant(id),
        decodeGrant, `grant ${id}`);
      if (proven.record.holder !== commitment) throw new VerifyError('grant is of another holder');
      return proven;
    }, (cells, r) => {
      cells[0].append(link(`#/grant/${r.grantID}`, r.grantID));
      cells[1].textContent = r.granteeOrganisation;
      cells[2].textContent = r.purpose;
      cells[3].textContent = time(r.validUntilMs);
      cells[4].textContent = r.revoked ? 'yes' : 'no';
    });
  });
  main.append(h('h3', {}, `Grants (${grantRows.length}${more(grantsListed)})`),
    h('p', { class: 'muted' }, 'Live, revoked and expired alike; whether a grant is live ' +
      'also depends on the grant it was delegated from and on time.'),
    provenTable(['grant', 'grantee', 'purpose', 'valid until', 'revoked'], grantRows));
  const licencesListed = await listed(`/v1/holders/${enc(commitment)}/licences`);
  const licenceRows = licencesListed.items.map((l) => {
    const id = text(l?.id);
    return provenRow(3, async () => {
      const proven = await provenRecord(verifier, `/v1/licences/${enc(id)}`, keys.licence(id),
        decodeLicence, `licence ${id}`);
      if (proven.record.holder !== commitment) {
        throw new VerifyError('licence is of another holder');
      }
      return proven;
    }, (cells, r) => {
      cells[0].append(link(`#/licence/${r.id}`, r.id));
      cells[1].textContent = r.issuerOrganisation;
      cells[2].textContent = r.status;
    });
  });
  main.append(h('h3', {}, `Licences (${licenceRows.length}${more(licencesListed)})`),
    provenTable(['licence', 'issuer', 'status'], licenceRows),
  h('p', {}, link(`#/payer/${commitment}`, 'the same commitment as a payer (bill wallet) →')));
}

export async function payerView(verifier, main, commitment) {
  main.append(h('h2', {}, 'Payer\u2019s bill wallet'), h('p', { class: 'mono' }, commitment));
  const wallet = await listed(`/v1/payers/${enc(commitment)}/bills`);
  const rows = wallet.items.map((entry) => {
    const id = text(entry?.bill?.id);
    return provenRow(5, async () => {
      const proven = await provenRecord(verifier, `/v1/bills/${enc(id)}`, keys.bill(id),
        decodeBill, `bill ${id}`);
      if (proven.record.payer !== commitment) throw new VerifyError('bill is of another payer');
      return proven;
    }, (cells, r) => {
      cells[0].append(link(`#/bill/${r.id}`, r.id));
      cells[1].textContent = money(r.totalFen);
      cells[2].textContent = money(r.settledFen);
      cells[3].textContent = money(r.leftFen);
      cells[4].textContent = r.status;
    });
  });
  main.append(h('h3', {}, `Bills (${rows.length}${more(wallet)})`),
    provenTable(['bill', 'total', 'settled', 'left', 'status'], rows),
  h('p', {}, link(`#/holder/${commitment}`,
    'the same commitment as a holder (licences, grants) →')));
}
