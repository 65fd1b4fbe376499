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
            nextCertificate: next.certificate, chunks: planned.map(\.info))
        _ = try manifest.verify(
            chainID: genesis.chainID, genesisHash: genesis.hash, validators: { _ in genesis.validatorSet })
        return Made(manifest: manifest, chunks: planned.map(\.bytes))
    }

    /// Verifies a snapshot and writes the store it describes at `databasePath`, which must
    /// not exist: everything is written in `databasePath + ".restoring"` (removed on any
    /// failure) and renamed into place only once the last chunk checked out.
    ///
    /// - Parameters:
    ///   - manifest: decoded, not yet trusted.
    ///   - nextChunk: the chunks' bytes in table order (nil after the last); a throw aborts.
    ///   - validators: the set that certifies a height (genesis's until sets change).
    public static func restore(
        manifest: SnapshotManifest, genesis: Genesis, databasePath: String,
        validators: (UInt64) -> ValidatorSet?,
        nextChunk: () throws -> (index: Int, bytes: [UInt8])?
    ) throws {
        let top = try manifest.verify(
            chainID: genesis.chainID, genesisHash: genesis.hash, validators: validators)
        let files = FileManager.default
        guard !files.fileExists(atPath: databasePath) else {
            throw SnapshotFileError("\(databasePath) exists: restore writes a new store only")
        }
        let scratch = databasePath + ".restoring"
        try? files.removeItem(atPath: scratch)
        do {
            let store = try BlockStore(path: scratch)
            defer { store.database.close() }
            var expected = 0
            while let (index, bytes) = try nextChunk() {
                guard index == expected else { throw SnapshotError.chunkMismatch(index: index, reason: "out of order") }
                let verified = try SnapshotChunk.verified(bytes, index: index, of: manifest)
                try store.restoreChunk(verified.chunk, nodes: verified.nodes, height: manifest.height)
                expected += 1
            }
            guard expected == manifest.chunks.count else {
                throw SnapshotError.inconsistent("\(expected) of \(manifest.chunks.count) chunks arrived")
            }
            try store.finishRestore(genesis: genesis, manifest: manifest, topNodes: top)
        } catch {
            try? files.removeItem(atPath: scratch)
            throw error
        }
        do { try files.moveItem(atPath: scratch, toPath: databasePath) } catch {
            try? files.removeItem(atPath: scratch)
            throw SnapshotFileError("could not move the restored store into place: \(error)")
        }
    }
}
