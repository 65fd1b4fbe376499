public import Contracts
public import Execution
public import Ledger
internal import NIOConcurrencyHelpers

/// The contracts' and the state tree's view of committed state in RocksDB (the `state` and
/// `stateTree` column families), remembering the first failed read instead of trapping: a
/// failed read is neither "absent" nor a reason to crash, so the executor refuses to commit
/// anything computed from it and the API answers a 5xx (issue 17, finding 9).
///
/// `@unchecked Sendable`: the only mutable field is behind a lock.
public final class RocksStateStore: CommittedStateReader, @unchecked Sendable {
    public let database: RocksDatabase
    let cache: StateTreeCache?
    private let firstFailure = NIOLockedValueBox<StorageError?>(nil)

    public init(database: RocksDatabase, cache: StateTreeCache? = nil) {
        self.database = database
        self.cache = cache
    }

    public var failure: (any Error)? { firstFailure.withLockedValue { $0 } }

    /// Throws the first read failure, if any: call after a read-only use (queries).
    public func checkReads() throws(StorageError) {
        if let failure = firstFailure.withLockedValue({ $0 }) { throw failure }
    }

    private func record(_ error: StorageError) {
        firstFailure.withLockedValue { if $0 == nil { $0 = error } }
    }

    public func value(for key: StateKey) -> [UInt8]? {
        do { return try database.get(.state, key.bytes) } catch {
            record(error)
            return nil
        }
    }

    public func entries(withPrefix prefix: StateKey) -> [StateEntry] {
        do {
            return try database.scan(.state, prefix: prefix.bytes).map {
                StateEntry(key: StateKey(bytes: $0.key), value: $0.value)
            }
        } catch {
            record(error)
            return []
        }
    }

    /// A seek to just after `after` and one bounded read: the page costs what it returns.
    public func entries(withPrefix prefix: StateKey, after: StateKey?, limit: Int)
        -> [StateEntry]
    {
        guard limit > 0 else { return [] }
        let start = after.map { max($0.successor, prefix) } ?? prefix
        do {
            return try database.scan(.state, prefix: prefix.bytes, from: start.bytes, limit: limit)
                .map { StateEntry(key: StateKey(bytes: $0.key), value: $0.value) }
        } catch {
            record(error)
            return []
        }
    }

    public func loadNode(_ hash: Hash256) -> SparseMerkleNode? {
        if let node = cache?.node(hash) { return node }
        let bytes: [UInt8]?
        do { bytes = try database.get(.stateTree, hash.bytes) } catch {
            record(error)
            return nil
        }
        guard let bytes else { return nil }
        guard let node = try? SparseMerkleNode(canonicalBytes: bytes) else {
            record(StorageError("state-tree node \(hash) does not decode"))
            return nil
        }
        cache?.insert(hash, node)
        return node
    }
}

/// The executor's port to the node's RocksDB store. Tree nodes a block creates go to the
/// in-memory cache after their batch is durable.
public final class RocksChainStore: ChainStore, @unchecked Sendable {
    // `@unchecked Sendable`: both fields are Sendable classes and never reassigned.
    public let blocks: BlockStore
    let treeCache: StateTreeCache

    public init(blocks: BlockStore, treeCache: StateTreeCache = StateTreeCache()) {
        self.blocks = blocks
        self.treeCache = treeCache
    }

    public func storedGenesis() throws -> Genesis? { try blocks.genesis() }

    public func initialise(
        genesis: Genesis, writes: [StateWrite], results: ExecutionResults,
        treeNodes: [(hash: Hash256, node: SparseMerkleNode)]
    ) throws {
        try blocks.initialise(
            genesis: genesis,
            state: writes.compactMap { write in write.value.map { (write.key.bytes, $0) } },
            results: results, treeNodes: treeNodes.map { ($0.hash.bytes, $0.node.canonicalBytes) })
    }

    public var lastHeight: UInt64 { blocks.lastHeight }
    public func block(at height: UInt64) throws -> Block? { try blocks.block(at: height) }
    public func results(at height: UInt64) throws -> ExecutionResults? {
        try blocks.results(at: height)
    }

    public func isCommitted(_ id: Hash256) throws -> Bool {
        try blocks.location(ofTransaction: id) != nil
    }

    public func committedState() -> any CommittedStateReader {
        RocksStateStore(database: blocks.database, cache: treeCache)
    }

    public func commit(_ commit: BlockCommit) throws {
        let committed = CommittedBlock(
            block: commit.block, certificate: commit.certificate, receipts: commit.receipts,
            results: commit.results,
            stateChanges: commit.writes.map { StateChange(key: $0.key.bytes, value: $0.value) },
            treeNodes: commit.treeNodes.map { ($0.hash.bytes, $0.node.canonicalBytes) })
        try blocks.commit(committed)
        treeCache.insert(commit.treeNodes)
    }
}
