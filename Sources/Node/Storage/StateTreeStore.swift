public import Ledger

/// The sparse Merkle tree's nodes in the `stateTree` column family, keyed by node hash.
/// Nodes are immutable and content-addressed, so reads need no snapshot.
public struct RocksStateTreeStore: SparseMerkleNodeStore, Sendable {
    public let database: RocksDatabase

    public init(database: RocksDatabase) { self.database = database }

    public func loadNode(_ hash: Hash256) -> SparseMerkleNode? {
        guard let bytes = try? database.get(.stateTree, hash.bytes) else { return nil }
        return try? SparseMerkleNode(canonicalBytes: bytes)
    }
}
