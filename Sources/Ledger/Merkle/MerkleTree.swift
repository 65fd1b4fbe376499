/// A binary Merkle tree in the shape of RFC 9162 (Certificate Transparency v2), section 2.1.
///
/// Second-preimage safety: leaves are hashed as H(0x00 || data) and inner nodes as
/// H(0x01 || left || right), so no inner node can be passed off as a leaf or vice versa.
/// An unbalanced tree splits at the largest power of two below the leaf count, so the
/// shape depends on the count alone and proofs carry no direction bits.
public enum MerkleTree {
    static let leafPrefix: [UInt8] = [0x00]
    static let nodePrefix: [UInt8] = [0x01]

    /// The root of no leaves: the chain hash of the empty string (computed each time: it
    /// depends on the suite, and a cached value could predate the suite's activation).
    public static var emptyRoot: Hash256 { ChainHash.hash([UInt8]()) }

    public static func leafHash(_ data: [UInt8]) -> Hash256 {
        ChainHash.hash(parts: [leafPrefix, data])
    }

    public static func nodeHash(_ left: Hash256, _ right: Hash256) -> Hash256 {
        var buffer = [UInt8]()
        buffer.reserveCapacity(65)
        buffer.append(0x01)
        buffer.append(contentsOf: left.bytes)
        buffer.append(contentsOf: right.bytes)
        return ChainHash.hash(buffer)
    }

    public static func root(leaves: [[UInt8]]) -> Hash256 {
        root(leafHashes: leaves.map(leafHash))
    }

    public static func root(leafHashes: [Hash256]) -> Hash256 {
        guard !leafHashes.isEmpty else { return emptyRoot }
        return subtreeRoot(leafHashes[...])
    }

    /// The audit path of leaf `index`: sibling subtree roots from the leaf up.
    public static func proof(leaves: [[UInt8]], index: Int) -> MerkleProof {
        proof(leafHashes: leaves.map(leafHash), index: index)
    }

    public static func proof(leafHashes: [Hash256], index: Int) -> MerkleProof {
        precondition(index >= 0 && index < leafHashes.count, "leaf index out of range")
        var siblings: [Hash256] = []
        collectPath(index: index, hashes: leafHashes[...], into: &siblings)
        return MerkleProof(leafIndex: UInt64(index), leafCount: UInt64(leafHashes.count), siblings: siblings)
    }

    private static func subtreeRoot(_ hashes: ArraySlice<Hash256>) -> Hash256 {
        if hashes.count == 1 { return hashes[hashes.startIndex] }
        let split = largestPowerOfTwo(below: hashes.count)
        let middle = hashes.startIndex + split
        return nodeHash(subtreeRoot(hashes[..<middle]), subtreeRoot(hashes[middle...]))
    }

    private static func collectPath(index: Int, hashes: ArraySlice<Hash256>, into path: inout [Hash256]) {
        guard hashes.count > 1 else { return }
        let split = largestPowerOfTwo(below: hashes.count)
        let middle = hashes.startIndex + split
        if index < split {
            collectPath(index: index, hashes: hashes[..<middle], into: &path)
            path.append(subtreeRoot(hashes[middle...]))
        } else {
            collectPath(index: index - split, hashes: hashes[middle...], into: &path)
            path.append(subtreeRoot(hashes[..<middle]))
        }
    }

    /// The largest power of two strictly below `count` (count >= 2).
    static func largestPowerOfTwo(below count: Int) -> Int {
        precondition(count >= 2)
        var power = 1
        while power << 1 < count { power <<= 1 }
        return power
    }
}

/// An inclusion proof: leaf position, tree size, and the sibling hashes from leaf to root.
public struct MerkleProof: Hashable, Sendable, Codable, CanonicalCodable {
    public var leafIndex: UInt64
    public var leafCount: UInt64
    public var siblings: [Hash256]

    public init(leafIndex: UInt64, leafCount: UInt64, siblings: [Hash256]) {
        self.leafIndex = leafIndex
        self.leafCount = leafCount
        self.siblings = siblings
    }

    /// True when `leaf` (the leaf's data, not its hash) is at `leafIndex` of a tree with
    /// `root`. Follows RFC 9162 section 2.1.3.2.
    public func verify(leaf: [UInt8], root: Hash256) -> Bool {
        verify(leafHash: MerkleTree.leafHash(leaf), root: root)
    }

    public func verify(leafHash: Hash256, root: Hash256) -> Bool {
        guard leafIndex < leafCount else { return false }
        var index = leafIndex
        var last = leafCount - 1
        var hash = leafHash
        for sibling in siblings {
            guard last != 0 else { return false }
            if index & 1 == 1 || index == last {
                hash = MerkleTree.nodeHash(sibling, hash)
                while index & 1 == 0 && index != 0 {
                    index >>= 1
                    last >>= 1
                }
            } else {
                hash = MerkleTree.nodeHash(hash, sibling)
            }
            index >>= 1
            last >>= 1
        }
        return last == 0 && hash == root
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(leafIndex)
        encoder.encode(leafCount)
        encoder.encode(siblings)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        leafIndex = try decoder.decode(UInt64.self)
        leafCount = try decoder.decode(UInt64.self)
        siblings = try decoder.decodeArray(of: Hash256.self, limit: 64)
    }
}
