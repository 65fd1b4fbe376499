public import Ledger
internal import NIOConcurrencyHelpers

/// The sparse Merkle tree's nodes in the `stateTree` column family, keyed by node hash,
/// read through a bounded in-memory cache. Nodes are immutable and content-addressed, so a
/// cached node can never be stale, and reads need no snapshot.
///
/// Why the cache: every state write walks its key's path from the root, and the upper levels
/// are the same for every key. Reading them from RocksDB each time cost about a tenth of a
/// node's CPU under load (BENCHMARKS.md, "Where the time goes").
public struct RocksStateTreeStore: SparseMerkleNodeStore, Sendable {
    public let database: RocksDatabase
    let cache: StateTreeCache?

    public init(database: RocksDatabase, cache: StateTreeCache? = nil) {
        self.database = database
        self.cache = cache
    }

    public func loadNode(_ hash: Hash256) -> SparseMerkleNode? {
        if let node = cache?.node(hash) { return node }
        guard let bytes = try? database.get(.stateTree, hash.bytes),
              let node = try? SparseMerkleNode(canonicalBytes: bytes)
        else { return nil }
        cache?.insert(hash, node)
        return node
    }
}

/// A bounded map of recently used tree nodes. When full it forgets everything and refills:
/// crude, but O(1), and the hot upper levels come back within one block.
public final class StateTreeCache: Sendable {
    private let nodes = NIOLockedValueBox([Hash256: SparseMerkleNode]())
    public let capacity: Int

    public init(capacity: Int = 500_000) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    func node(_ hash: Hash256) -> SparseMerkleNode? { nodes.withLockedValue { $0[hash] } }

    func insert(_ hash: Hash256, _ node: SparseMerkleNode) {
        nodes.withLockedValue { nodes in
            if nodes.count >= capacity { nodes.removeAll(keepingCapacity: true) }
            nodes[hash] = node
        }
    }

    /// Nodes a block just created: the next block's paths start from them.
    func insert(_ created: [(hash: Hash256, node: SparseMerkleNode)]) {
        for (hash, node) in created { insert(hash, node) }
    }

    public var count: Int { nodes.withLockedValue { $0.count } }
}
