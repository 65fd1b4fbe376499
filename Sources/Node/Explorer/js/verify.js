// Verification from genesis, mirroring the Swift client's VerifiedReader
// (Sources/Client/VerifiedReads.swift): a block is final when a quorum of the validator set
// of its own height signed its precommit (sets followed from genesis through the certified
// headers that name them: validator-sets.js); a transaction and its receipt are in a final block by
// Merkle proofs to that block's tx root and the NEXT block's receipts root; a state value is
// proven by a sparse-Merkle proof to the state root that block h+1's certified header carries
// (header roots lag one block). Nothing the node says is shown as verified unless it passed.

import { APIError, getJSON } from './api.js';
import { CodecError, hexToBytes, bytesToHex, equalBytes, utf8 } from './bytes.js';
import { cryptoAvailable, ed25519Available, ed25519Verify, sha256, sha256Hex } from './crypto.js';
import {
  ED25519_SHA256, decodeCertifiedBlock, decodeGenesis, decodeMerkleProof, decodeReceipt,
  decodeSparseProof, decodeTransaction, merkleRoot, precommitSigningBytes, quorum,
  statementSigningBytes, transactionID, verifyMerkleProof, verifySparseProof,
} from './ledger.js';
import { ValidatorSets } from './validator-sets.js';

export class VerifyError extends Error {}

const PIN_KEY = 'govchain-explorer-genesis';
const BLOCK_CACHE_LIMIT = 512;

function field(json, name) {
  const value = json[name];
  if (typeof value !== 'string') throw new VerifyError(`the answer has no ${name}`);
  try { return hexToBytes(value); } catch (_) { throw new VerifyError(`${name} is not hex`); }
}

function decoded(what, decode) {
  try { return decode(); } catch (e) {
    if (e instanceof CodecError) throw new VerifyError(`${what} does not decode: ${e.message}`);
    throw e;
  }
}

export class Verifier {
  constructor() {
    this.blocks = new Map();
    this.failure = null; // why nothing can be verified (shown on every badge)
    this.genesis = null;
    this.genesisHash = null;
    this.pinnedOnFirstUse = false;
  }

  /** Loads the genesis once, checks it against the pinned hash (the page's `genesis=` query
   * parameter, else the one this browser pinned on first use), and checks the browser can
   * verify this chain's crypto suite at all. */
  async init() {
    const json = await getJSON('/v1/genesis');
    const bytes = field(json, 'genesis_hex');
    const unavailable = cryptoAvailable();
    if (unavailable) { this.failure = unavailable; return; }
    try { this.genesis = decodeGenesis(bytes); } catch (e) {
      this.failure = `genesis does not decode: ${e.message}`;
      return;
    }
    // The suite first: another suite hashes genesis with its own function (SM3), so its
    // hash cannot even be checked here, and nothing of that chain can be verified.
    if (this.genesis.cryptoSuite !== ED25519_SHA256) {
      const reported = json.genesis_hash;
      this.genesisHash = typeof reported === 'string' ? reported.slice(0, 128) : '?';
      this.failure = `crypto suite ${this.genesis.cryptoSuite} is not supported in the browser`;
      return;
    }
    this.genesisHash = await sha256Hex(bytes);
    const wanted = new URLSearchParams(location.search).get('genesis');
    const pinned = wanted || localStorage.getItem(PIN_KEY);
    if (pinned && pinned.toLowerCase() !== this.genesisHash) {
      this.failure = `the node's genesis ${this.genesisHash.slice(0, 16)}… is not the trusted ` +
        `genesis ${pinned.slice(0, 16)}…`;
      return;
    }
    if (!pinned) { localStorage.setItem(PIN_KEY, this.genesisHash); this.pinnedOnFirstUse = true; }
    this.validatorSets = new ValidatorSets(
      this.genesis.validators, (height, validators) => this.certifiedBlock(height, validators),
      (message) => { throw new VerifyError(message); });
    if (!(await ed25519Available())) {
      this.failure = 'this browser has no Ed25519 in WebCrypto';
    }
  }

  static forgetPin() { localStorage.removeItem(PIN_KEY); }

  check() { if (this.failure) throw new VerifyError(this.failure); }

  /** The validator set that certifies block `height` (its members, in index order). */
  async validatorsFor(height) {
    this.check();
    return this.validatorSets.forHeight(height);
  }

  /** Block `height` with its certificate checked against its height's validator set and its
   * tx root against its transactions. Cached: a verified block never changes. */
  async block(height) {
    this.check();
    const h = BigInt(height);
    if (this.blocks.has(h)) return this.blocks.get(h);
    return this.certifiedBlock(h, await this.validatorSets.forHeight(h));
  }

  async certifiedBlock(h, validators) {
    if (this.blocks.has(h)) return this.blocks.get(h);
    const json = await getJSON(`/v1/blocks/${h}`);
    const block = decoded(`block ${h}`,
      () => decodeCertifiedBlock(field(json, 'certified_block_hex')));
    const { header, transactions, certificate } = block;
    if (header.height !== h) throw new VerifyError(`asked for block ${h}, got ${header.height}`);
    if (header.chainID !== this.genesis.chainID) {
      throw new VerifyError(`block ${h} is for chain ${header.chainID}`);
    }
    block.hash = await sha256(header.bytes);
    await this.checkCertificate(h, block.hash, certificate, validators);
    const txRoot = await merkleRoot(transactions.map((tx) => tx.bytes));
    if (!equalBytes(txRoot, header.txRoot)) {
      throw new VerifyError(`block ${h}: tx root does not match its transactions`);
    }
    for (const tx of transactions) tx.id = await transactionID(tx);
    if (this.blocks.size >= BLOCK_CACHE_LIMIT) this.blocks.delete(this.blocks.keys().next().value);
    this.blocks.set(h, block);
    return block;
  }

  /** CommitCertificate.verify: right block and height, signers sorted and distinct, every
   * listed signature valid (a certificate padded with junk is refused), a quorum of them. */
  async checkCertificate(height, blockID, certificate, validators) {
    if (!equalBytes(certificate.blockID, blockID)) {
      throw new VerifyError(`certificate of block ${height} is for another block`);
    }
    if (certificate.height !== height) {
      throw new VerifyError(`certificate is for height ${certificate.height}, not ${height}`);
    }
    const message = precommitSigningBytes(
      this.genesis.chainID, certificate.height, certificate.round, certificate.blockID);
    let previous = -1;
    for (const { index, signature } of certificate.signatures) {
      if (index >= validators.length) throw new VerifyError(`signer ${index} is not a validator`);
      if (index <= previous) {
        throw new VerifyError('certificate signers are not in validator order');
      }
      previous = index;
      if (!(await ed25519Verify(validators[index].publicKey, signature, message))) {
        throw new VerifyError(`block ${height}: signature of validator ${index} is invalid`);
      }
    }
    const needed = quorum(validators.length);
    if (certificate.signatures.length < needed) {
      const count = certificate.signatures.length;
      throw new VerifyError(`block ${height}: ${count} signatures, ${needed} needed`);
    }
  }

  /** EquivocationEvidence.verify against the validator set of the evidence's height (as the
   * evidence contract judges it): the accused is a validator, the two statements differ, and
   * it signed both. */
  async checkEvidence(evidence) {
    this.check();
    if (evidence.chainID !== this.genesis.chainID) {
      throw new VerifyError('evidence of another chain');
    }
    const accused = bytesToHex(evidence.validator);
    const validators = await this.validatorsFor(evidence.height);
    if (!validators.some((v) => bytesToHex(v.publicKey) === accused)) {
      throw new VerifyError(`the accused key is not a validator at height ${evidence.height}`);
    }
    if (equalBytes(evidence.firstBody, evidence.secondBody)) {
      throw new VerifyError('the two statements are the same, not conflicting');
    }
    for (const [body, signature] of [[evidence.firstBody, evidence.firstSignature],
      [evidence.secondBody, evidence.secondSignature]]) {
      const message = statementSigningBytes(
        evidence.chainID, evidence.kind, evidence.height, evidence.round, body);
      if (!(await ed25519Verify(evidence.validator, signature, message))) {
        throw new VerifyError('a signature in the evidence is invalid');
      }
    }
  }

  async tip() {
    const status = await getJSON('/v1/status');
    if (!Number.isSafeInteger(status.height)) throw new VerifyError('status has no height');
    this.knownTip = BigInt(status.height); // only ever a hint for awaitHeight
    return this.knownTip;
  }

  /** A committed transaction and its receipt, both proven. */
  async transaction(idHex) {
    this.check();
    const json = await getJSON(`/v1/transactions/${encodeURIComponent(idHex)}`);
    if (json.status !== 'committed') throw new VerifyError('transaction is not committed');
    if (!Number.isSafeInteger(json.height) || !Number.isSafeInteger(json.index)) {
      throw new VerifyError('answer has no height or index');
    }
    const tx = decoded('transaction', () => decodeTransaction(field(json, 'transaction_hex')));
    const receipt = decoded('receipt', () => decodeReceipt(field(json, 'receipt_hex')));
    const txProof = decoded('tx proof', () => decodeMerkleProof(field(json, 'tx_proof_hex')));
    const receiptProof = decoded('receipt proof',
      () => decodeMerkleProof(field(json, 'receipt_proof_hex')));
    tx.id = await transactionID(tx);
    const index = BigInt(json.index);
    if (bytesToHex(tx.id) !== idHex || bytesToHex(receipt.txID) !== idHex) {
      throw new VerifyError('the answer is about another transaction');
    }
    if (txProof.leafIndex !== index || receiptProof.leafIndex !== index) {
      throw new VerifyError('proofs are for another position in the block');
    }
    const height = BigInt(json.height);
    const including = await this.block(height);
    if (!(await verifyMerkleProof(txProof, tx.bytes, including.header.txRoot))) {
      throw new VerifyError(`inclusion proof does not match block ${height}`);
    }
    const next = await this.block(height + 1n);
    const receiptBytes = field(json, 'receipt_hex');
    if (!(await verifyMerkleProof(receiptProof, receiptBytes, next.header.receiptsRoot))) {
      throw new VerifyError(`receipt proof does not match block ${height + 1n}'s receipts root`);
    }
    return { tx, receipt, height, index, json };
  }

  /** The newest height whose state a certificate covers (header roots lag one block). */
  async certifiedHeight() {
    const tip = await this.tip();
    if (tip < 1n) throw new VerifyError('no block certifies any state yet');
    return tip - 1n;
  }

  /** The value of a state key (a string or bytes) after block `height` (default: the newest
   * height a certificate covers), proven present or absent by `/v1/state/proof`. */
  async state(key, height = null) {
    this.check();
    const keyBytes = typeof key === 'string' ? utf8(key) : key;
    const h = height === null ? await this.certifiedHeight() : BigInt(height);
    const json = await getJSON(
      `/v1/state/proof?key=${bytesToHex(keyBytes)}&encoding=hex&height=${h}`);
    return this.checkStateProof(json, key, h);
  }

  /** A single record the node serves at `path` (`/v1/bills/<id>` ...), with the state proof
   * it attaches on `?prove=true`: its canonical bytes proven at `key` as of the height the
   * answer is of (record routes answer as of the latest block only, so that height's
   * certifying block h+1 may have to be waited for). Returns the proven value, its height
   * and the node's JSON view of it (`view`, unproven). A record the node says it does not
   * have (404) is proven absent by `/v1/state/proof` at the newest certified height. */
  async record(path, key) {
    this.check();
    let json;
    try {
      json = await getJSON(`${path}?prove=true`);
    } catch (e) {
      if (!(e instanceof APIError && e.status === 404)) throw e;
      return { ...(await this.state(key)), view: null };
    }
    if (!Number.isSafeInteger(json.as_of_height)) throw new VerifyError('the answer has no height');
    if (json.proof === null || typeof json.proof !== 'object') {
      throw new VerifyError('the answer carries no state proof');
    }
    if (json.proof.height !== json.as_of_height) {
      throw new VerifyError('the proof is of another height than the record');
    }
    const proven = await this.checkStateProof(json.proof, key, BigInt(json.as_of_height));
    return { ...proven, view: json.record ?? null };
  }

  /** Waits (a bounded while) until the chain has reached `height`. */
  async awaitHeight(height, timeoutMs = 15000) {
    if (this.knownTip !== undefined && this.knownTip >= height) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.tip()) >= height) return;
      if (Date.now() > deadline) {
        throw new VerifyError(`block ${height} is not committed yet`);
      }
      await new Promise((resolve) => { setTimeout(resolve, 300); });
    }
  }

  /** A StateProof answer (`proof_hex`, `value_hex`) checked for `key` against the state
   * root that block h+1's certified header carries. */
  async checkStateProof(json, key, h) {
    const keyBytes = typeof key === 'string' ? utf8(key) : key;
    const proof = decoded('state proof', () => decodeSparseProof(field(json, 'proof_hex')));
    let value = null;
    if (json.value_hex !== null && json.value_hex !== undefined) value = field(json, 'value_hex');
    const next = BigInt(h) + 1n;
    if (!this.blocks.has(next)) await this.awaitHeight(next);
    const certifying = await this.block(next);
    if (!(await verifySparseProof(proof, keyBytes, value, certifying.header.stateRoot))) {
      const name = typeof key === 'string' ? key : 'the key';
      throw new VerifyError(`proof of ${name} does not match ` +
        `the certified state root of height ${h}`);
    }
    return { value, height: BigInt(h) };
  }
}
