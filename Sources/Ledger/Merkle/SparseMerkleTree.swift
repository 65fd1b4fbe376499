/// A node of the sparse Merkle tree, stored by its hash.
public enum SparseMerkleNode: Hashable, Sendable, CanonicalCodable {
    /// A key (hashed) and its value (hashed): the only node of its subtree.
    case leaf(keyHash: Hash256, valueHash: Hash256)
    /// Two children; never two empty children, never one empty child beside a leaf.
    case inner(left: Hash256, right: Hash256)

    public var hash: Hash256 {
        switch self {
        case let .leaf(keyHash, valueHash): SparseMerkleTree.leafHash(keyHash: keyHash, valueHash: valueHash)
        case let .inner(left, right): SparseMerkleTree.innerHash(left, right)
        }
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .leaf(keyHash, valueHash):
            encoder.encode(UInt8(0))
            encoder.encode(keyHash)
            encoder.encode(valueHash)
        case let .inner(left, right):
            encoder.encode(UInt8(1))
            encoder.encode(left)
            encoder.encode(right)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        switch try decoder.decode(UInt8.self) {
        case 0: self = .leaf(keyHash: try decoder.decode(Hash256.self), valueHash: try decoder.decode(Hash256.self))
        case 1: self = .inner(left: try decoder.decode(Hash256.self), right: try decoder.decode(Hash256.self))
        case let tag: throw .invalidValue(type: "SparseMerkleNode", reason: "unknown tag \(tag)")
        }
    }
}

/// A tree node that a path needs is not in the store: corruption or a failed read, never
/// input. Thrown instead of trapping, so a node halts cleanly and a query answers a 5xx.
public enum SparseMerkleError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingNode(Hash256)

    public var description: String {
        switch self {
        case let .missingNode(hash): "state tree node \(hash) missing from the store"
        }
    }
}

/// Where tree nodes live (RocksDB in a node, a dictionary in tests and audits).
public protocol SparseMerkleNodeStore {
    func loadNode(_ hash: Hash256) -> SparseMerkleNode?
}

/// An authenticated sparse Merkle tree over 256-bit key hashes.
///
/// Shape: a key's path is the bits of H(key), H the chain hash (SHA-256 or SM3). A subtree
/// holding one leaf is replaced by that leaf (so depth is about log2(n), not 256), and an
/// empty subtree hashes to zero. The
/// shape depends only on the set of keys, never on the order of updates, so every node that
/// holds the same state computes the same root.
///
/// Cost: an update batch touches only the paths of the keys it changes: O(k log n) node
/// loads and hashes, independent of the total state size. Nodes are content-addressed and
/// never overwritten, so every earlier root stays provable.
///
/// Domain separation: leaves hash as H(0x00 || keyHash || valueHash), inner nodes as
/// H(0x01 || left || right).
public enum SparseMerkleTree {
    public static let emptyRoot = Hash256.zero

    public static func keyHash(_ key: [UInt8]) -> Hash256 { ChainHash.hash(key) }
    public static func valueHash(_ value: [UInt8]) -> Hash256 { ChainHash.hash(value) }

    static func leafHash(keyHash: Hash256, valueHash: Hash256) -> Hash256 {
        var buffer: [UInt8] = [0x00]
        buffer.reserveCapacity(65)
        buffer.append(contentsOf: keyHash.bytes)
        buffer.append(contentsOf: valueHash.bytes)
        return ChainHash.hash(buffer)
    }

    static func innerHash(_ left: Hash256, _ right: Hash256) -> Hash256 {
        MerkleTree.nodeHash(left, right)
    }

    /// One change: set `key` to `value`, or delete it when `value` is nil.
    public struct Update: Sendable {
        public let keyHash: Hash256
        public let valueHash: Hash256?

        public init(key: [UInt8], value: [UInt8]?) {
            keyHash = SparseMerkleTree.keyHash(key)
            valueHash = value.map(SparseMerkleTree.valueHash)
        }

        public init(keyHash: Hash256, valueHash: Hash256?) {
            self.keyHash = keyHash
            self.valueHash = valueHash
        }
    }

    /// Applies `updates` (at most one per key) to the tree with `root`.
    /// - Returns: the new root and the nodes created, in hash order (for a deterministic write).
    /// - Throws: `.missingNode` when the store lacks a node on an updated path.
    public static func apply(
        _ updates: [Update], to root: Hash256, store: some SparseMerkleNodeStore
    ) throws(SparseMerkleError) -> (root: Hash256, newNodes: [(hash: Hash256, node: SparseMerkleNode)]) {
        var builder = Builder(store: store)
        let sorted = updates.sorted { $0.keyHash < $1.keyHash }
        precondition(zip(sorted, sorted.dropFirst()).allSatisfy { $0.keyHash != $1.keyHash }, "one update per key")
        let newRoot = try builder.update(root, depth: 0, sorted[...])
        let nodes = builder.created.sorted { $0.key < $1.key }.map { (hash: $0.key, node: $0.value) }
        return (newRoot, nodes)
    }

    /// The proof that `key` has its current value, or is absent, under `root`.
    /// - Throws: `.missingNode` when the store lacks a node on the key's path.
    public static func proof(
        key: [UInt8], root: Hash256, store: some SparseMerkleNodeStore
    ) throws(SparseMerkleError) -> SparseMerkleProof {
        let path = keyHash(key)
        var siblings: [Hash256] = []
        var current = root
        var depth = 0
        while current != emptyRoot {
            guard let node = store.loadNode(current) else { throw .missingNode(current) }
            switch node {
            case let .leaf(keyHash, valueHash):
                return SparseMerkleProof(siblings: siblings, leaf: .init(keyHash: keyHash, valueHash: valueHash))
            case let .inner(left, right):
                if path.bit(depth) {
                    siblings.append(left)
                    current = right
                } else {
                    siblings.append(right)
                    current = left
                }
                depth += 1
            }
        }
        return SparseMerkleProof(siblings: siblings, leaf: nil)
    }

    /// Builds new nodes in memory; reads through to the store for existing ones.
    struct Builder<Store: SparseMerkleNodeStore> {
        let store: Store
        var created: [Hash256: SparseMerkleNode] = [:]

        func load(_ hash: Hash256) throws(SparseMerkleError) -> SparseMerkleNode {
            if let node = created[hash] ?? store.loadNode(hash) { return node }
            throw .missingNode(hash)
        }

        mutating func remember(_ node: SparseMerkleNode) -> Hash256 {
            let hash = node.hash
            created[hash] = node
            return hash
        }

        mutating func update(
            _ hash: Hash256, depth: Int, _ updates: ArraySlice<Update>
        ) throws(SparseMerkleError) -> Hash256 {
            guard !updates.isEmpty else { return hash }
            if hash == SparseMerkleTree.emptyRoot { return try build(depth: depth, updates) }
            switch try load(hash) {
            case let .leaf(keyHash, valueHash):
                // Merge the existing leaf into the updates unless an update replaces it.
                var merged = Array(updates)
                if !merged.contains(where: { $0.keyHash == keyHash }) {
                    merged.append(Update(keyHash: keyHash, valueHash: valueHash))
                    merged.sort { $0.keyHash < $1.keyHash }
                }
                return try build(depth: depth, merged[...])
            case let .inner(left, right):
                let split = updates.partitioningIndex { $0.keyHash.bit(depth) }
                let newLeft = try update(left, depth: depth + 1, updates[..<split])
                let newRight = try update(right, depth: depth + 1, updates[split...])
                return try join(newLeft, newRight)
            }
        }

        /// A subtree holding exactly the non-deleting updates (sorted), at `depth`.
        mutating func build(depth: Int, _ updates: ArraySlice<Update>) throws(SparseMerkleError) -> Hash256 {
            let live = updates.filter { $0.valueHash != nil }
            if live.isEmpty { return SparseMerkleTree.emptyRoot }
            if live.count == 1 {
                return remember(.leaf(keyHash: live[0].keyHash, valueHash: live[0].valueHash!))
            }
            precondition(depth < 256, "two distinct keys share all 256 bits")
            let split = live.partitioningIndex { $0.keyHash.bit(depth) }
            let left = try build(depth: depth + 1, live[..<split])
            let right = try build(depth: depth + 1, live[split...])
            return try join(left, right)
        }

        /// An inner node, collapsing a lone leaf (or nothing) upward to keep the shape canonical.
        mutating func join(_ left: Hash256, _ right: Hash256) throws(SparseMerkleError) -> Hash256 {
            let empty = SparseMerkleTree.emptyRoot
            if left == empty && right == empty { return empty }
            if left == empty, case .leaf = try load(right) { return right }
            if right == empty, case .leaf = try load(left) { return left }
            return remember(.inner(left: left, right: right))
        }
    }
}

extension Collection {
    /// The index of the first element for which `predicate` holds, given that it holds for a
    /// suffix (keys sorted by hash: the 1-bit keys come after the 0-bit keys at any depth).
    func partitioningIndex(where predicate: (Element) -> Bool) -> Index {
        firstIndex(where: predicate) ?? endIndex
    }
}

/// Proof of a key's value, or of its absence, under a sparse Merkle root.
public struct SparseMerkleProof: Hashable, Sendable, Codable, CanonicalCodable {
    public struct Leaf: Hashable, Sendable, Codable {
        public var keyHash: Hash256
        public var valueHash: Hash256
    }

    /// Sibling hashes from the root (depth 0) down to the terminal.
    public var siblings: [Hash256]
    /// Where the key's path ends: a leaf (the key's own, or another key's proving absence),
    /// or nil for an empty subtree.
    public var leaf: Leaf?

    public init(siblings: [Hash256], leaf: Leaf?) {
        self.siblings = siblings
        self.leaf = leaf
    }

    /// True when, under `root`, `key` holds `value` (or is absent when `value` is nil).
    public func verify(key: [UInt8], value: [UInt8]?, root: Hash256) -> Bool {
        let path = SparseMerkleTree.keyHash(key)
        guard siblings.count <= 256 else { return false }
        var hash: Hash256
        if let value {
            guard let leaf, leaf.keyHash == path, leaf.valueHash == SparseMerkleTree.valueHash(value) else { return false }
            hash = SparseMerkleTree.leafHash(keyHash: leaf.keyHash, valueHash: leaf.valueHash)
        } else if let leaf {
            guard leaf.keyHash != path else { return false }
            // The other key's leaf must lie on this key's path, or it proves nothing about it.
            for depth in 0..<siblings.count where leaf.keyHash.bit(depth) != path.bit(depth) { return false }
            hash = SparseMerkleTree.leafHash(keyHash: leaf.keyHash, valueHash: leaf.valueHash)
        } else {
            hash = SparseMerkleTree.emptyRoot
        }
        for depth in stride(from: siblings.count - 1, through: 0, by: -1) {
            let sibling = siblings[depth]
            hash = path.bit(depth) ? SparseMerkleTree.innerHash(sibling, hash) : SparseMerkleTree.innerHash(hash, sibling)
        }
        return hash == root
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(siblings)
        encoder.encode(leaf != nil)
        if let leaf {
            encoder.encode(leaf.keyHash)
            encoder.encode(leaf.valueHash)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        siblings = try decoder.decodeArray(of: Hash256.self, limit: 256)
        leaf = try decoder.decode(Bool.self)
            ? Leaf(keyHash: try decoder.decode(Hash256.self), valueHash: try decoder.decode(Hash256.self))
            : nil
    }
}

/// An in-memory node store: for tests, audits and re-execution.
public struct InMemorySparseMerkleNodeStore: SparseMerkleNodeStore, Sendable {
    public private(set) var nodes: [Hash256: SparseMerkleNode] = [:]

    public init() {}

    public func loadNode(_ hash: Hash256) -> SparseMerkleNode? { nodes[hash] }

    public mutating func insert(_ created: [(hash: Hash256, node: SparseMerkleNode)]) {
        for (hash, node) in created { nodes[hash] = node }
    }
}
