// GovChain's chain types in canonical bytes, mirrored from Sources/Ledger (Chain/Block.swift,
// CommitCertificate.swift, ConsensusStatement.swift, Genesis.swift, Merkle/MerkleTree.swift,
// Merkle/SparseMerkleTree.swift). Decoders return the byte slices that get hashed, so a hash
// is always of the exact bytes the node sent, never of a re-encoding.

import {
  CodecError, Reader, Writer, concat, equalBytes, hexToBytes, utf8, bytesToHex,
} from './bytes.js';
import { sha256 } from './crypto.js';

export const ED25519_SHA256 = 'ed25519-sha256';
const MAX_VALIDATORS = 31;
const hash32 = (r) => r.fixed(32);

/** Reads genesis as far as a verifier needs: chain id, crypto suite, validators and the
 * organisations with their keys' roles. The suite is read before any key, so a chain of
 * another suite is named, not mis-decoded. */
export function decodeGenesis(bytes) {
  const r = new Reader(bytes);
  r.version('Genesis');
  const chainID = r.string(64);
  const genesisTimeMs = r.u64();
  const cryptoSuite = r.string(64);
  if (cryptoSuite !== ED25519_SHA256) {
    return { chainID, genesisTimeMs, cryptoSuite, validators: [], organisations: [] };
  }
  const validators = r.array(MAX_VALIDATORS, (v) => ({
    name: v.string(256), publicKey: v.fixed(32), address: v.string(256), networkKey: v.fixed(32),
  }));
  if (validators.length < 1) throw new CodecError('genesis has no validators');
  const organisations = r.array(4096, (o) => ({
    id: o.string(64), name: o.string(256), creditCode: o.string(18),
    keys: o.array(256, (k) => ({
      publicKey: k.fixed(32), roles: k.array(16, (x) => x.string(64)),
      licenceTypes: k.array(256, (x) => x.string(256)),
    })),
  }));
  return { chainID, genesisTimeMs, cryptoSuite, validators, organisations };
}

/** n = 3f + 1 (+ up to 2 spare): quorum = n - f, as ValidatorSet.quorum. */
export function quorum(count) { return count - Math.floor((count - 1) / 3); }

function decodeHeader(r) {
  const start = r.at;
  // Version 2 names the set that certifies the next block (docs/consensus.md).
  r.version('BlockHeader', 2);
  const header = {
    chainID: r.string(64), height: r.u64(), round: r.u64(), previousHash: hash32(r),
    txRoot: hash32(r), receiptsRoot: hash32(r), stateRoot: hash32(r), proposer: r.fixed(32),
    timeMs: r.u64(), nextValidatorsHash: hash32(r),
  };
  header.bytes = r.bytes.slice(start, r.at);
  return header;
}

function decodeTransactionAt(r) {
  const start = r.at;
  r.version('Transaction');
  const tx = {
    chainID: r.string(64), sender: r.fixed(32), uniqueID: r.fixed(16), validUntilHeight: r.u64(),
    contract: r.string(64), method: r.string(64), arguments: r.bytesField(64 * 1024),
  };
  tx.signingBody = r.bytes.slice(start, r.at);
  tx.signature = r.fixed(64);
  tx.bytes = r.bytes.slice(start, r.at);
  return tx;
}

export function decodeTransaction(bytes) {
  const r = new Reader(bytes);
  const tx = decodeTransactionAt(r);
  r.finish();
  return tx;
}

/** The transaction id: SHA-256 of "govchain/tx/v1" and every field but the signature. */
export async function transactionID(tx) {
  return sha256(concat(utf8('govchain/tx/v1'), tx.signingBody));
}

function decodeCertificate(r) {
  r.version('CommitCertificate');
  return {
    height: r.u64(), round: r.u64(), blockID: hash32(r),
    signatures: r.array(MAX_VALIDATORS, (s) => ({ index: s.u16(), signature: s.fixed(64) })),
  };
}

/** `certified_block_hex`: a Block then its CommitCertificate. */
export function decodeCertifiedBlock(bytes) {
  const r = new Reader(bytes);
  r.version('Block');
  const header = decodeHeader(r);
  const transactions = r.array(10000, decodeTransactionAt);
  const certificate = decodeCertificate(r);
  r.finish();
  return { header, transactions, certificate };
}

export function decodeReceipt(bytes) {
  const r = new Reader(bytes);
  r.version('Receipt');
  const receipt = {
    txID: hash32(r), code: r.u32(), message: r.string(4096),
    events: r.array(256, (e) => ({
      contract: e.string(64), type: e.string(64),
      attributes: e.array(64, (a) => ({ key: a.string(256), value: a.string(4096) })),
    })),
  };
  r.finish();
  return receipt;
}

/** The bytes validators sign for a precommit (ConsensusStatement.voteSigningBytes). */
export function precommitSigningBytes(chainID, height, round, blockID) {
  const body = concat([1], blockID); // Optional<Hash256>: presence byte, then the hash
  return new Writer().fixed(utf8('govchain/consensus/v1')).string(chainID).u8(2)
    .u64(height).u64(round).bytesField(body).done();
}

const STATEMENT_KINDS = { proposal: 0, prevote: 1, precommit: 2 };

/** The bytes a validator signs for any consensus statement (ConsensusStatement.signingBytes). */
export function statementSigningBytes(chainID, kind, height, round, body) {
  return new Writer().fixed(utf8('govchain/consensus/v1')).string(chainID).u8(kind)
    .u64(height).u64(round).bytesField(body).done();
}

/** EquivocationEvidence from its fields (hex strings, as a tool or test builds one), encoded
 * canonically (its hash names the record's state key). Throws on a field that is missing or
 * malformed. */
export function encodeEvidence(view) {
  const kind = STATEMENT_KINDS[view.kind];
  const hex = (name, length) => {
    const bytes = hexToBytes(String(view[name] ?? ''));
    if (length !== undefined && bytes.length !== length) throw new CodecError(`${name} length`);
    return bytes;
  };
  if (kind === undefined) throw new CodecError(`unknown statement kind ${view.kind}`);
  if (!Number.isSafeInteger(view.height) || !Number.isSafeInteger(view.round)) {
    throw new CodecError('height or round is not a number');
  }
  const evidence = {
    chainID: String(view.chainID), validator: hex('validator', 32), kind,
    height: BigInt(view.height), round: BigInt(view.round),
    firstBody: hex('firstBody'), firstSignature: hex('firstSignature', 64),
    secondBody: hex('secondBody'), secondSignature: hex('secondSignature', 64),
  };
  evidence.bytes = new Writer().u8(1).string(evidence.chainID).fixed(evidence.validator).u8(kind)
    .u64(evidence.height).u64(evidence.round).bytesField(evidence.firstBody)
    .fixed(evidence.firstSignature).bytesField(evidence.secondBody)
    .fixed(evidence.secondSignature).done();
  return evidence;
}

const KIND_NAMES = ['proposal', 'prevote', 'precommit'];

/** EquivocationEvidence from its canonical bytes (the node's `evidence_hex`); `bytes` is
 * exactly what was decoded, so its hash is the hash of what the node sent. */
export function decodeEvidence(bytes) {
  const r = new Reader(bytes);
  r.version('EquivocationEvidence');
  const evidence = { chainID: r.string(64), validator: r.fixed(32), kind: r.u8() };
  if (evidence.kind >= KIND_NAMES.length) {
    throw new CodecError(`unknown statement kind ${evidence.kind}`);
  }
  evidence.kindName = KIND_NAMES[evidence.kind];
  evidence.height = r.u64();
  evidence.round = r.u64();
  evidence.firstBody = r.bytesField(1024);
  evidence.firstSignature = r.fixed(64);
  evidence.secondBody = r.bytesField(1024);
  evidence.secondSignature = r.fixed(64);
  r.finish();
  evidence.bytes = bytes;
  return evidence;
}

// MARK: Merkle trees (RFC 9162 shape, 0x00 leaf / 0x01 node prefixes)

export const merkleLeafHash = (data) => sha256(concat([0], data));
const nodeHash = (left, right) => sha256(concat([1], left, right));

export function decodeMerkleProof(bytes) {
  const r = new Reader(bytes);
  const proof = { leafIndex: r.u64(), leafCount: r.u64(), siblings: r.array(64, hash32) };
  r.finish();
  return proof;
}

/** MerkleProof.verify: the leaf's data is at leafIndex of a tree with `root`. */
export async function verifyMerkleProof(proof, leaf, root) {
  if (proof.leafIndex >= proof.leafCount) return false;
  let index = proof.leafIndex;
  let last = proof.leafCount - 1n;
  let hash = await merkleLeafHash(leaf);
  for (const sibling of proof.siblings) {
    if (last === 0n) return false;
    if ((index & 1n) === 1n || index === last) {
      hash = await nodeHash(sibling, hash);
      while ((index & 1n) === 0n && index !== 0n) { index >>= 1n; last >>= 1n; }
    } else {
      hash = await nodeHash(hash, sibling);
    }
    index >>= 1n;
    last >>= 1n;
  }
  return last === 0n && equalBytes(hash, root);
}

/** The root over leaves' data (MerkleTree.root): split at the largest power of two below n. */
export async function merkleRoot(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  const hashes = await Promise.all(leaves.map(merkleLeafHash));
  const subtree = async (lo, hi) => {
    if (hi - lo === 1) return hashes[lo];
    let split = 1;
    while (split * 2 < hi - lo) split *= 2;
    return nodeHash(await subtree(lo, lo + split), await subtree(lo + split, hi));
  };
  return subtree(0, hashes.length);
}

// MARK: Sparse Merkle tree (keys' paths are the bits of SHA-256(key); empty subtree = zero)

export function decodeSparseProof(bytes) {
  const r = new Reader(bytes);
  const siblings = r.array(256, hash32);
  const leaf = r.optional((x) => ({ keyHash: hash32(x), valueHash: hash32(x) }));
  r.finish();
  return { siblings, leaf };
}

const bit = (hash, depth) => ((hash[depth >> 3] >> (7 - (depth & 7))) & 1) === 1;

/** SparseMerkleProof.verify: under `root`, `key` holds `value` (absent when value is null). */
export async function verifySparseProof(proof, key, value, root) {
  const path = await sha256(key);
  const { siblings, leaf } = proof;
  if (siblings.length > 256) return false;
  let hash;
  if (value !== null) {
    if (!leaf || !equalBytes(leaf.keyHash, path)) return false;
    if (!equalBytes(leaf.valueHash, await sha256(value))) return false;
    hash = await sha256(concat([0], leaf.keyHash, leaf.valueHash));
  } else if (leaf) {
    if (equalBytes(leaf.keyHash, path)) return false;
    for (let d = 0; d < siblings.length; d++) {
      if (bit(leaf.keyHash, d) !== bit(path, d)) return false;
    }
    hash = await sha256(concat([0], leaf.keyHash, leaf.valueHash));
  } else {
    hash = new Uint8Array(32);
  }
  for (let d = siblings.length - 1; d >= 0; d--) {
    hash = bit(path, d) ? await nodeHash(siblings[d], hash) : await nodeHash(hash, siblings[d]);
  }
  return equalBytes(hash, root);
}

export { bytesToHex };

/** ValidatorSet.hash: the chain hash (SHA-256 here) of the domain tag and the canonical list
 * (count, then each validator's name, key and address), as headers carry it in
 * nextValidatorsHash. */
export async function validatorSetHash(validators) {
  const w = new Writer().fixed(utf8('govchain/validator-set/v2')).u32(validators.length);
  for (const v of validators) w.string(v.name).fixed(v.publicKey).string(v.address).fixed(v.networkKey);
  return sha256(w.done());
}
