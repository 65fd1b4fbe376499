internal import Contracts
internal import Execution
internal import Foundation
public import Ledger

/// Making a snapshot from a store, and restoring a store from a verified snapshot.
public enum StateSnapshots {
    /// A snapshot in memory: its manifest and each chunk's encoding, in table order.
    public struct Made: Sendable {
        public var manifest: SnapshotManifest
        public var chunks: [[UInt8]]
    }

    /// The snapshot of the state after block `height` (default: the block before the tip,
    /// the latest whose state root a stored certified header carries).
    ///
    /// Checks its own output the way a restorer will (certificates, links, root) before
    /// returning it, so a damaged store yields an error, not a snapshot nobody can use.
    public static func make(
        from store: BlockStore, height requested: UInt64? = nil,
        targetChunkBytes: Int = SnapshotLimits.targetChunkBytes
    ) throws -> Made {
        guard let genesis = try store.genesis() else { throw SnapshotFileError("the store holds no genesis") }
        let tip = store.lastHeight
        guard tip >= 2 else {
            throw SnapshotFileError("a snapshot needs blocks h and h+1 with h >= 1; the tip is \(tip)")
        }
        let height = requested ?? tip - 1
        guard height >= 1, height < tip else {
            throw SnapshotFileError(
                "no snapshot at \(height): it needs block \(height) and the certified header of the next "
                    + "(the tip is \(tip))")
        }
        if let base = try store.snapshotBase(), height < base {
            throw SnapshotFileError("this store was restored at \(base) and has no state before it")
        }
        guard let base = try store.certifiedBlock(at: height)?.block,
              let next = try store.certifiedBlock(at: height + 1)?.block
        else { throw SnapshotFileError("block \(height) or \(height + 1) is missing with its certificate") }
        let entries = try store.stateEntries(asOf: height)
        let planned = try SnapshotPlanner.plan(entries, targetBytes: targetChunkBytes)
        let manifest = SnapshotManifest(
            chainID: genesis.chainID, genesisHash: genesis.hash, base: base.block,
            baseCertificate: base.certificate, next: next.block.header,
            nextCertificate: next.certificate, chunks: planned.map(\.info),
            setProofs: try setProofs(from: store, through: height + 1))
        _ = try manifest.verify(
            chainID: genesis.chainID, genesisHash: genesis.hash, validators: { _ in genesis.validatorSet })
        return Made(manifest: manifest, chunks: planned.map(\.bytes))
    }

    /// The proofs of every validator-set change that certifies a block up to `height`: the
    /// changes from the governance history in the store's state (append-only, so the latest
    /// state lists the earlier ones), each with the certified block before its first height.
    /// A store restored from a snapshot lacks the blocks before its base: if a change was
    /// named there, it cannot prove it and serves no snapshot (joiners ask other peers).
    static func setProofs(from store: BlockStore, through height: UInt64) throws -> [ValidatorSetProof] {
        let state = RocksChainStore(blocks: store).committedState()
        guard let changes = ValidatorSchedule.changes(in: state), state.failure == nil else {
            throw SnapshotFileError("the validator-set history in state does not decode")
        }
        var proofs: [ValidatorSetProof] = []
        for change in changes.dropFirst() where change.fromHeight <= height {
            guard let naming = try store.certifiedBlock(at: change.fromHeight - 1)?.block else {
                throw SnapshotFileError(
                    "block \(change.fromHeight - 1), which names the validator set from \(change.fromHeight), is not held")
            }
            proofs.append(ValidatorSetProof(
                validators: change.validators, naming: naming.block.header, namingCertificate: naming.certificate))
        }
        guard proofs.count <= SnapshotLimits.maxSetProofs else {
            throw SnapshotFileError("\(proofs.count) validator-set changes: over the snapshot's limit")
        }
        return proofs
    }

    /// Verifies a snapshot and writes the store it describes at `databasePath` (see
    /// `SnapshotRestorer`), taking the chunks' bytes in table order from `nextChunk` (nil
    /// after the last); any refusal removes everything written.
    public static func restore(
        manifest: SnapshotManifest, genesis: Genesis, databasePath: String,
        validators: (UInt64) -> ValidatorSet?,
        nextChunk: () throws -> (index: Int, bytes: [UInt8])?
    ) throws {
        let restorer = try SnapshotRestorer(
            manifest: manifest, genesis: genesis, databasePath: databasePath, validators: validators)
        do {
            while let (index, bytes) = try nextChunk() {
                guard index == restorer.nextIndex else {
                    throw SnapshotError.chunkMismatch(index: index, reason: "out of order")
                }
                try restorer.add(bytes)
            }
            try restorer.finish()
        } catch {
            restorer.abandon()
            throw error
        }
    }
}

/// A restore in progress: the manifest verified up front, then chunks checked and written
/// one by one in table order into `databasePath + ".restoring"`, which `finish` renames to
/// `databasePath` once the last chunk is in. Nothing is ever written at `databasePath`
/// itself before that, and `abandon` removes the scratch store.
///
/// A chunk that fails its check is refused without harm to what is written: the caller
/// (the state-sync client) asks another peer for the same chunk.
public final class SnapshotRestorer {
    public let manifest: SnapshotManifest
    let genesis: Genesis
    let databasePath: String
    let scratch: String
    let store: BlockStore
    let top: [(hash: Hash256, node: SparseMerkleNode)]
    public private(set) var nextIndex = 0
    private var closed = false

    /// - Throws: the manifest's refusal (`SnapshotError`), an existing `databasePath`, or
    ///   a storage error opening the scratch store.
    public init(
        manifest: SnapshotManifest, genesis: Genesis, databasePath: String,
        validators: (UInt64) -> ValidatorSet?
    ) throws {
        top = try manifest.verify(
            chainID: genesis.chainID, genesisHash: genesis.hash, validators: validators)
        guard !FileManager.default.fileExists(atPath: databasePath) else {
            throw SnapshotFileError("\(databasePath) exists: restore writes a new store only")
        }
        self.manifest = manifest
        self.genesis = genesis
        self.databasePath = databasePath
        scratch = databasePath + ".restoring"
        try? FileManager.default.removeItem(atPath: scratch)
        store = try BlockStore(path: scratch)
    }

    public var isComplete: Bool { nextIndex == manifest.chunks.count }

    /// Checks chunk `nextIndex` and writes it.
    /// - Throws: `SnapshotError` when the bytes are not that chunk (nothing is written), or
    ///   a storage error.
    public func add(_ bytes: [UInt8]) throws {
        precondition(!closed && !isComplete, "a chunk added to a finished restore")
        let verified = try SnapshotChunk.verified(bytes, index: nextIndex, of: manifest)
        try store.restoreChunk(verified.chunk, nodes: verified.nodes, height: manifest.height)
        nextIndex += 1
    }

    /// Writes the tip and moves the store into place.
    public func finish() throws {
        guard isComplete else {
            throw SnapshotError.inconsistent("\(nextIndex) of \(manifest.chunks.count) chunks arrived")
        }
        try store.finishRestore(genesis: genesis, manifest: manifest, topNodes: top)
        store.database.close()
        closed = true
        do { try FileManager.default.moveItem(atPath: scratch, toPath: databasePath) } catch {
            try? FileManager.default.removeItem(atPath: scratch)
            throw SnapshotFileError("could not move the restored store into place: \(error)")
        }
    }

    /// Closes and removes the scratch store.
    public func abandon() {
        store.database.close()
        closed = true
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
