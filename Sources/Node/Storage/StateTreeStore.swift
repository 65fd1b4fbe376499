public import Ledger
internal import NIOConcurrencyHelpers

/// The sparse Merkle tree's nodes in the `stateTree` column family, keyed by node hash (or
/// by the hash of their page's root: `StateTreePages`),
/// read through a bounded in-memory cache. Nodes are immutable and content-addressed, so a
/// cached node can never be stale, and reads need no snapshot.
///
/// Why the cache: every state write walks its key's path from the root, and the upper levels
/// are the same for every key. Reading them from RocksDB each time cost about a tenth of a
/// node's CPU under load (BENCHMARKS.md, "Where the time goes").
public struct RocksStateTreeStore: SparseMerkleNodeStore, Sendable {
    public let database: RocksDatabase
    let cache: StateTreeCache?
    let reader: StateTreeNodeReader

    public init(database: RocksDatabase, cache: StateTreeCache? = nil) {
        self.database = database
        self.cache = cache
        self.reader = StateTreeNodeReader(database: database, cache: cache, remembersParents: true)
    }

    /// Nodes are stored in pages (`StateTreePages`): read them from a root down.
    public func loadNode(_ hash: Hash256) -> SparseMerkleNode? {
        try? reader.node(hash)
    }
}

/// A bounded map of recently used tree nodes. When full it forgets everything and refills:
/// crude, but O(1), and the hot upper levels come back within one block.
///
/// Pages (`StateTreePages`) are inserted whole, in one locked step, and only a block's commit
/// empties the cache (readers that find it full do not add to it): so a page root in the
/// cache has its page's nodes beside it until the next commit, and the executor, the only
/// one that commits, can walk from any cached node to its in-page children in memory.
public final class StateTreeCache: Sendable {
    private let nodes = NIOLockedValueBox([Hash256: SparseMerkleNode]())
    public let capacity: Int

    public init(capacity: Int = 500_000) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    func node(_ hash: Hash256) -> SparseMerkleNode? { nodes.withLockedValue { $0[hash] } }

    /// Nodes a block's commit wrote (new leaves and its new pages whole): the next block's
    /// paths start from them. Empties the cache first when they would not fit.
    func insert(_ created: [(hash: Hash256, node: SparseMerkleNode)]) {
        insert(created, mayEmpty: true)
    }

    /// Nodes of one record a reader read: all or none, and never emptying the cache.
    func insertRead(_ read: [(hash: Hash256, node: SparseMerkleNode)]) {
        insert(read, mayEmpty: false)
    }

    private func insert(_ batch: [(hash: Hash256, node: SparseMerkleNode)], mayEmpty: Bool) {
        nodes.withLockedValue { nodes in
            if nodes.count + batch.count > capacity {
                guard mayEmpty else { return }
                nodes.removeAll(keepingCapacity: true)
            }
            for (hash, node) in batch { nodes[hash] = node }
        }
    }

    public var count: Int { nodes.withLockedValue { $0.count } }
}
