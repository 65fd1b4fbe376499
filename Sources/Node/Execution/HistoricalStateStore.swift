public import Contracts
internal import Execution
public import Ledger
internal import NIOConcurrencyHelpers

/// Committed state as it was at the end of block `height`, read from the `history` column
/// family (`BlockStore.stateValue(_:asOf:)`, `BlockStore.stateEntries(withPrefix:...)`), so
/// every `ContractQueries` query answers as of that height:
///
///     guard let store = HistoricalStateStore(blocks: blocks, height: h) else { /* 404 */ }
///     let page = try ContractQueries(state: store).uses(ofHolder: holder, page: request)
///     try store.checkReads()
///
/// Like `RocksStateStore`, a failed read is remembered rather than trapping or passing for
/// "absent": call `checkReads()` after the queries and answer a 5xx if it throws.
///
/// `@unchecked Sendable`: the only mutable field is behind a lock; `BlockStore` is Sendable.
public final class HistoricalStateStore: StateStore, @unchecked Sendable {
    public let blocks: BlockStore
    public let height: UInt64
    /// Entries one step of an unpaged scan reads (the unpaged queries' lists are bounded by
    /// the contracts that write them; this only sizes the reads).
    static let scanStep = 500
    private let firstFailure = NIOLockedValueBox<StorageError?>(nil)

    /// nil when `height` is beyond the last committed block (its state does not exist yet).
    public init?(blocks: BlockStore, height: UInt64) {
        guard height <= blocks.lastHeight else { return nil }
        self.blocks = blocks
        self.height = height
    }

    /// Throws the first read failure, if any: call after the queries.
    public func checkReads() throws(StorageError) {
        if let failure = firstFailure.withLockedValue({ $0 }) { throw failure }
    }

    private func record(_ error: StorageError) {
        firstFailure.withLockedValue { if $0 == nil { $0 = error } }
    }

    public func value(for key: StateKey) -> [UInt8]? {
        do { return try blocks.stateValue(key.bytes, asOf: height) } catch {
            record(error)
            return nil
        }
    }

    public func entries(withPrefix prefix: StateKey, after: StateKey?, limit: Int)
        -> [StateEntry]
    {
        do {
            return try blocks.stateEntries(
                withPrefix: prefix.bytes, after: after?.bytes, limit: limit, asOf: height
            ).map { StateEntry(key: StateKey(bytes: $0.key), value: $0.value) }
        } catch {
            record(error)
            return []
        }
    }

    public func entries(withPrefix prefix: StateKey) -> [StateEntry] {
        var all: [StateEntry] = []
        var after: StateKey?
        while true {
            let page = entries(withPrefix: prefix, after: after, limit: Self.scanStep)
            all += page
            guard page.count == Self.scanStep, let last = page.last else { return all }
            after = last.key
        }
    }
}

/// What a route needs to prove one record at a height: the value, the state root of that
/// height (certified by the next block's certificate) and the sparse-Merkle proof.
public struct StateProofAnswer: Sendable {
    public let key: [UInt8]
    public let height: UInt64
    public let stateRoot: Hash256
    /// nil: the proof shows the key absent at `height`.
    public let value: [UInt8]?
    public let proof: SparseMerkleProof
}

extension BlockStore {
    /// The proof that `key` held `value` (or nothing) at the end of block `height`, for
    /// `RecordKeys.*` keys and any other state key.
    ///
    /// Possible at every committed height, not only the tip: tree nodes are content-addressed
    /// and `commit` only adds them (nothing deletes from the `stateTree` family), so the nodes
    /// under every earlier root stay readable. A pruned or corrupt store fails with an error.
    /// - Returns: nil when `height` has no execution results (beyond the tip).
    public func stateProof(
        key: [UInt8], asOf height: UInt64, cache: StateTreeCache? = nil
    ) throws(StorageError) -> StateProofAnswer? {
        guard let results = try results(at: height) else { return nil }
        let value = try stateValue(key, asOf: height)
        let nodes = RocksStateStore(database: database, cache: cache)
        let proof: SparseMerkleProof
        do {
            proof = try SparseMerkleTree.proof(key: key, root: results.stateRoot, store: nodes)
        } catch {
            try nodes.checkReads()
            throw StorageError("no proof at height \(height): \(error)")
        }
        try nodes.checkReads()
        // Pair assertion: the history family and the tree agree, or the store is corrupt.
        guard proof.verify(key: key, value: value, root: results.stateRoot) else {
            throw StorageError("state at height \(height) disagrees with its state root")
        }
        return StateProofAnswer(
            key: key, height: height, stateRoot: results.stateRoot, value: value, proof: proof)
    }
}
