// The validator sets the page has verified, from genesis on, mirroring the Swift client's
// VerifiedValidatorSets (Sources/Client/ValidatorSets.swift). The node lists every set with
// the first height it certifies (GET /v1/validator-sets); a set from height a is believed
// only when block a-1, certified by a quorum of the set before it, names it in its
// nextValidatorsHash. A node that leaves a change out makes later blocks fail to verify; one
// that invents a change needs a quorum of an earlier set to sign a false header.

import { getJSON } from './api.js';
import { bytesToHex, equalBytes, hexToBytes } from './bytes.js';
import { validatorSetHash } from './ledger.js';

const MAX_SETS = 4096;
const MAX_VALIDATORS = 31;

export class ValidatorSets {
  /** `fail(message)` throws the verifier's error; `certifiedBlock(height, validators)`
   * fetches a block and checks its certificate against the given set. */
  constructor(genesisValidators, certifiedBlock, fail) {
    this.sets = [{ from: 1n, validators: genesisValidators }];
    this.knownThrough = 0n;
    this.certifiedBlock = certifiedBlock;
    this.fail = fail;
    this.refreshing = null;
  }

  /** The set that certifies block `height`, asking the node for newer sets when needed. */
  async forHeight(height) {
    const h = BigInt(height);
    if (h < 1n) this.fail(`no validator set certifies height ${h}`);
    if (h > this.knownThrough) {
      // One refresh at a time: two would verify and append the same sets twice.
      this.refreshing ??= this.refresh().finally(() => { this.refreshing = null; });
      await this.refreshing;
    }
    if (h > this.knownThrough) this.fail(`the validator set of block ${h} is not determined yet`);
    let chosen = this.sets[0];
    for (const set of this.sets) if (set.from <= h) chosen = set;
    return chosen.validators;
  }

  async refresh() {
    const listed = [];
    let asOf = null;
    let cursor = null;
    do {
      const query = new URLSearchParams({ limit: '500' });
      if (asOf !== null) query.set('height', String(asOf));
      if (cursor !== null) query.set('cursor', cursor);
      const page = await getJSON(`/v1/validator-sets?${query}`);
      if (!Number.isSafeInteger(page.as_of_height) || !Array.isArray(page.items)) {
        this.fail('the validator-set list is malformed');
      }
      if (asOf !== null && BigInt(page.as_of_height) !== asOf) this.fail('validator-set pages answer different heights');
      asOf = BigInt(page.as_of_height);
      listed.push(...page.items);
      if (listed.length > MAX_SETS) this.fail(`the node lists more than ${MAX_SETS} validator sets`);
      const next = page.next_cursor ?? null;
      if (next !== null && (typeof next !== 'string' || next === cursor)) this.fail('validator-set pages do not advance');
      cursor = next;
    } while (cursor !== null);
    await this.extend(listed, asOf);
  }

  async extend(listed, asOf) {
    for (const [position, item] of listed.entries()) {
      const { from, validators, hash } = await this.decode(item);
      if (position < this.sets.length) {
        const known = this.sets[position];
        if (known.from !== from || !equalBytes(await validatorSetHash(known.validators), hash)) {
          this.fail(`validator set ${position} differs from the one verified before`);
        }
        continue;
      }
      const previous = this.sets[this.sets.length - 1];
      if (from <= previous.from || from < 2n) this.fail('validator sets are not listed in height order');
      if (from <= this.knownThrough) this.fail(`a validator set from height ${from} contradicts blocks verified before`);
      const naming = from - 1n;
      if (naming > asOf) break; // named by a block not committed yet: certifies none either
      const block = await this.certifiedBlock(naming, previous.validators);
      if (!equalBytes(block.header.nextValidatorsHash, hash)) {
        this.fail(`block ${naming} names another validator set than the one listed from height ${from}`);
      }
      this.sets.push({ from, validators });
    }
    if (asOf + 1n > this.knownThrough) this.knownThrough = asOf + 1n;
  }

  async decode(item) {
    const fromNumber = item?.from_height;
    if (!Number.isSafeInteger(fromNumber) || fromNumber < 1) this.fail('a validator set has no from_height');
    const from = BigInt(fromNumber);
    const members = item.validators;
    if (!Array.isArray(members) || members.length < 1 || members.length > MAX_VALIDATORS) {
      this.fail(`validator set from height ${from}: not 1...${MAX_VALIDATORS} validators`);
    }
    const validators = members.map((m) => {
      if (typeof m?.name !== 'string' || typeof m.address !== 'string' || typeof m.public_key !== 'string'
          || typeof m.network_key !== 'string' || m.public_key.length !== 64 || m.network_key.length !== 64
          || m.name.length > 256 || m.address.length > 256) {
        this.fail(`validator set from height ${from}: a member is malformed`);
      }
      let publicKey, networkKey;
      try {
        publicKey = hexToBytes(m.public_key);
        networkKey = hexToBytes(m.network_key);
      } catch (_) { this.fail('a validator key is not hex'); }
      return { name: m.name, publicKey, address: m.address, networkKey };
    });
    // Every consensus and network key distinct, as the node's set requires.
    const allKeys = validators.flatMap((v) => [bytesToHex(v.publicKey), bytesToHex(v.networkKey)]);
    if (new Set(allKeys).size !== allKeys.length) {
      this.fail(`validator set from height ${from} repeats a key`);
    }
    const hash = await validatorSetHash(validators);
    if (typeof item.hash !== 'string' || bytesToHex(hash) !== item.hash) {
      this.fail(`validator set from height ${from}: its hash does not match its members`);
    }
    return { from, validators, hash };
  }
}
