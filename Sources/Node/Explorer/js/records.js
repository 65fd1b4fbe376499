// Contract records in canonical bytes (Sources/Contracts: Bills/BillRecord.swift,
// Reimbursement/ClaimRecord.swift, Licences/LicenceRecord.swift, Runtime/History.swift) and
// their state keys. What the explorer shows as verified is read from proven bytes with these
// decoders, never from the node's JSON view of them.

import { Reader, concat, utf8, bytesToHex } from './bytes.js';

const NAME = 256; // RecordLimits.nameBytes is smaller; the proof already bounds the bytes
const hash = (r) => bytesToHex(r.fixed(32));

export const keys = {
  bill: (id) => `bill/${id}`,
  /** Claims are scoped by reimburser (ClaimKeys.claim): `claim/<reimburser>/<id>`. */
  claim: (reimburser, id) => `claim/${reimburser}/${id}`,
  licence: (id) => `licence/${id}`,
  grant: (id) => `grant/${id}`,
  alert: (billID, height, txIDHex) =>
    `alert/${billID}/${BigInt(height).toString(16).padStart(16, '0')}/${txIDHex}`,
  use: (licenceID, height, txIDHex) =>
    `use/${licenceID}/${BigInt(height).toString(16).padStart(16, '0')}/${txIDHex}`,
  /** `history/<key> 0x00 <height u64 BE> <tx index u32 BE>` (HistoryKeys.key). */
  history(key, height, txIndex) {
    const tail = new Uint8Array(12);
    let h = BigInt(height);
    for (let i = 7; i >= 0; i--) { tail[i] = Number(h & 0xffn); h >>= 8n; }
    let t = Number(txIndex);
    for (let i = 11; i >= 8; i--) { tail[i] = t & 0xff; t = Math.floor(t / 256); }
    return concat(utf8('history/'), utf8(key), [0], tail);
  },
};

const BILL_STATUS = ['issued', 'partially-reversed', 'reversed', 'red'];
const CLAIM_STATUS = ['locked', 'settled', 'released'];
const LICENCE_STATUS = ['issued', 'suspended', 'revoked', 'superseded'];
const CATEGORY = ['pooled-fund', 'personal-account', 'self-paid'];

function tag(r, names, type) {
  const t = r.u8();
  if (t >= names.length) throw new Error(`unknown ${type} ${t}`);
  return names[t];
}

const categories = (r) => ({ pooledFund: r.u64(), personalAccount: r.u64(), selfPaid: r.u64() });

export function decodeBill(bytes) {
  const r = new Reader(bytes);
  const kind = r.u8();
  let number;
  if (kind === 0) number = { kind: 'medical', code: r.string(NAME), number: r.string(NAME) };
  else if (kind === 1) number = { kind: 'tax-invoice', number: r.string(NAME) };
  else throw new Error(`unknown bill number kind ${kind}`);
  const bill = {
    number, issuerOrganisation: r.string(NAME), payer: hash(r), issuedAtMs: r.u64(),
    totalFen: r.u64(), categories: r.optional(categories), checkDigest: hash(r),
    status: tag(r, BILL_STATUS, 'bill status'), reversedFen: r.u64(),
    reversedCategories: categories(r), redBillIDs: r.array(64, (x) => x.string(NAME)),
    reversesBillID: r.optional((x) => x.string(NAME)), lockedFen: r.u64(), settledFen: r.u64(),
    lockedCategories: categories(r), settledCategories: categories(r),
  };
  r.finish();
  // BillIdentifiers: M<code><number> for a medical bill, T<number> for a tax e-invoice.
  bill.id = number.kind === 'medical' ? `M${number.code}${number.number}` : `T${number.number}`;
  // BillRecord.leftFen: (total - reversed, or 0 for a red bill) - (locked + settled), floor 0.
  const claimable = bill.status === 'red' ? 0n : bill.totalFen - bill.reversedFen;
  const committed = bill.lockedFen + bill.settledFen;
  bill.leftFen = claimable > committed ? claimable - committed : 0n;
  return bill;
}

export function decodeAlert(bytes) {
  const r = new Reader(bytes);
  const alert = {
    billID: r.string(NAME), redBillID: r.string(NAME), claimableFen: r.u64(), lockedFen: r.u64(),
    settledFen: r.u64(), height: r.u64(),
  };
  r.finish();
  return alert;
}

export function decodeClaim(bytes) {
  const r = new Reader(bytes);
  const claim = {
    claimID: r.string(NAME), billID: r.string(NAME),
    category: r.optional((x) => tag(x, CATEGORY, 'category')), amountFen: r.u64(),
    reimburserOrganisation: r.string(NAME), status: tag(r, CLAIM_STATUS, 'claim status'),
    claimedAtHeight: r.u64(),
  };
  r.finish();
  return claim;
}

export function decodeLicence(bytes) {
  const r = new Reader(bytes);
  const licence = {
    id: r.string(NAME), licenceType: r.string(NAME), issuerOrganisation: r.string(NAME),
    holder: hash(r), fileDigest: hash(r), validFromMs: r.u64(), validUntilMs: r.u64(),
    version: r.u32(), status: tag(r, LICENCE_STATUS, 'licence status'), statusReason: r.string(),
    previousID: r.optional((x) => x.string(NAME)), nextID: r.optional((x) => x.string(NAME)),
  };
  r.finish();
  return licence;
}

export function decodeUse(bytes) {
  const r = new Reader(bytes);
  const use = {
    useID: r.string(NAME), licenceID: r.string(NAME), userOrganisation: r.string(NAME), userKey: hash(r),
    purpose: r.string(NAME), itemCode: r.string(NAME), grantID: r.optional((x) => x.string(NAME)),
    txID: hash(r), height: r.u64(), blockTimeMs: r.u64(),
  };
  r.finish();
  return use;
}

const CONSENT_MODE = ['face-to-face', 'remote'];
const names = (r) => r.array(4096, (x) => x.string(NAME));

/** A GrantRecord (Authorisations/GrantRecord.swift): its terms (AuthorisationCall.swift's
 * GrantTerms, GrantScope; Consent.swift), then how it was attested and its state. */
export function decodeGrant(bytes) {
  const r = new Reader(bytes);
  const grant = {
    grantID: r.string(NAME), holder: hash(r), granteeOrganisation: r.string(NAME),
    scope: { licenceIDs: names(r), licenceTypes: names(r), dataCategories: names(r) },
    purpose: r.string(NAME),
    consent: { mode: tag(r, CONSENT_MODE, 'consent mode'), channel: r.string(NAME) },
    validFromMs: r.u64(), validUntilMs: r.u64(), delegable: r.bool(),
    attestedBy: r.string(NAME), parentGrantID: r.optional((x) => x.string(NAME)),
    revoked: r.bool(), grantedAtHeight: r.u64(), mandateID: r.optional((x) => x.string(NAME)),
  };
  r.finish();
  return grant;
}

export function decodeHistory(bytes) {
  const r = new Reader(bytes);
  r.version('HistoryRecord');
  const record = {
    height: r.u64(), txIndex: r.u32(), txID: hash(r),
    value: r.optional((x) => x.bytesField()),
  };
  r.finish();
  return record;
}

/** Fen as yuan with two decimals, exactly (BigInt, no floating point). */
export function yuan(fen) {
  const f = BigInt(fen);
  return `${f / 100n}.${(f % 100n).toString().padStart(2, '0')}`;
}
