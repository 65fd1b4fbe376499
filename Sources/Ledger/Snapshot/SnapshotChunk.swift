/// One state entry of a snapshot.
public struct SnapshotEntry: Hashable, Sendable, CanonicalCodable {
    public var key: [UInt8]
    public var value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }

    /// Encoded size: two 4-byte lengths and the bytes.
    var encodedByteCount: Int { 8 + key.count + value.count }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(bytes: key)
        encoder.encode(bytes: value)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        key = try decoder.decodeBytes(limit: SnapshotLimits.maxKeyBytes)
        value = try decoder.decodeBytes(limit: SnapshotLimits.maxValueBytes)
    }
}

/// The state entries under one key-hash prefix, in key-hash order.
public struct SnapshotChunk: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var entries: [SnapshotEntry]

    public init(entries: [SnapshotEntry]) { self.entries = entries }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(SnapshotChunk.version)
        encoder.encode(entries)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "SnapshotChunk", supported: 1...1)
        entries = try decoder.decodeArray(of: SnapshotEntry.self, limit: SnapshotLimits.maxChunkEntries)
    }

    /// Decodes chunk `index` of `manifest` from `bytes` and checks it against its table
    /// entry: size, count, every key under the prefix, strictly in key-hash order, and the
    /// subtree they form equal to the listed root (which the manifest's check tied to the
    /// certified state root).
    /// - Returns: the chunk and the tree nodes of its subtree.
    public static func verified(
        _ bytes: [UInt8], index: Int, of manifest: SnapshotManifest
    ) throws(SnapshotError) -> (chunk: SnapshotChunk, nodes: [(hash: Hash256, node: SparseMerkleNode)]) {
        guard index >= 0, index < manifest.chunks.count else {
            throw .chunkMismatch(index: index, reason: "no such chunk")
        }
        let info = manifest.chunks[index]
        guard info.depth <= 256 else { throw .chunkMismatch(index: index, reason: "depth \(info.depth)") }
        guard bytes.count == Int(info.byteCount) else {
            throw .chunkMismatch(index: index, reason: "\(bytes.count) bytes, the manifest says \(info.byteCount)")
        }
        let chunk: SnapshotChunk
        do { chunk = try SnapshotChunk(canonicalBytes: bytes, lengthLimit: SnapshotLimits.maxChunkBytes) } catch {
            throw .chunkMismatch(index: index, reason: "does not decode: \(error)")
        }
        guard chunk.entries.count == Int(info.entryCount) else {
            throw .chunkMismatch(index: index, reason: "\(chunk.entries.count) entries, the manifest says \(info.entryCount)")
        }
        var updates: [SparseMerkleTree.Update] = []
        updates.reserveCapacity(chunk.entries.count)
        for entry in chunk.entries {
            let update = SparseMerkleTree.Update(key: entry.key, value: entry.value)
            guard update.keyHash.hasPrefix(info.prefix, bits: Int(info.depth)) else {
                throw .chunkMismatch(index: index, reason: "a key lies outside the chunk's prefix")
            }
            if let last = updates.last {
                guard last.keyHash < update.keyHash else {
                    throw .chunkMismatch(index: index, reason: "keys out of order or repeated")
                }
            }
            updates.append(update)
        }
        let subtree: (root: Hash256, newNodes: [(hash: Hash256, node: SparseMerkleNode)])
        do { subtree = try SparseMerkleTree.subtree(depth: Int(info.depth), sortedDistinct: updates) } catch {
            throw .chunkMismatch(index: index, reason: "its entries do not form a subtree: \(error)")
        }
        guard subtree.root == info.root else {
            throw .chunkMismatch(index: index, reason: "its entries do not form the listed subtree root")
        }
        return (chunk, subtree.newNodes)
    }
}

/// Cuts a state into chunks: the writer's half of the format.
public enum SnapshotPlanner {
    /// One planned chunk: its table entry and its encoding.
    public struct Planned: Sendable {
        public var info: SnapshotChunkInfo
        public var bytes: [UInt8]
    }

    /// Splits `entries` (any order, distinct keys) by key-hash prefix until each part is at
    /// most `targetBytes` and `maxEntries` (or holds one entry).
    /// - Throws: `.tooLarge` for a key or value over the format's limits, or too many chunks.
    public static func plan(
        _ entries: [SnapshotEntry], targetBytes: Int = SnapshotLimits.targetChunkBytes,
        maxEntries: Int = SnapshotLimits.maxChunkEntries
    ) throws(SnapshotError) -> [Planned] {
        var hashed: [(hash: Hash256, entry: SnapshotEntry)] = []
        hashed.reserveCapacity(entries.count)
        for entry in entries {
            guard entry.key.count <= SnapshotLimits.maxKeyBytes, entry.value.count <= SnapshotLimits.maxValueBytes else {
                throw .tooLarge("state entry of \(entry.key.count)-byte key and \(entry.value.count)-byte value")
            }
            hashed.append((SparseMerkleTree.keyHash(entry.key), entry))
        }
        hashed.sort { $0.hash < $1.hash }
        for (left, right) in zip(hashed, hashed.dropFirst()) where left.hash == right.hash {
            throw .inconsistent("a key appears twice")
        }
        var planned: [Planned] = []
        try split(
            hashed[...], depth: 0, prefix: .zero, targetBytes: max(targetBytes, 1),
            maxEntries: max(maxEntries, 1), into: &planned)
        return planned
    }

    private static func split(
        _ part: ArraySlice<(hash: Hash256, entry: SnapshotEntry)>, depth: Int, prefix: Hash256,
        targetBytes: Int, maxEntries: Int, into planned: inout [Planned]
    ) throws(SnapshotError) {
        let bytes = part.reduce(5) { $0 + $1.entry.encodedByteCount }
        if part.count <= 1 || depth >= 256 || (bytes <= targetBytes && part.count <= maxEntries) {
            guard planned.count < SnapshotLimits.maxChunks else {
                throw .tooLarge("more than \(SnapshotLimits.maxChunks) chunks")
            }
            let chunk = SnapshotChunk(entries: part.map(\.entry))
            let encoded = chunk.canonicalBytes
            let updates = part.map { SparseMerkleTree.Update(keyHash: $0.hash, valueHash: SparseMerkleTree.valueHash($0.entry.value)) }
            let root: Hash256
            do { root = try SparseMerkleTree.subtree(depth: depth, sortedDistinct: updates).root } catch {
                throw .inconsistent("state entries do not form a subtree: \(error)")
            }
            let info = SnapshotChunkInfo(
                depth: UInt16(depth), prefix: prefix, root: root, entryCount: UInt32(part.count),
                byteCount: UInt32(encoded.count))
            planned.append(Planned(info: info, bytes: encoded))
            return
        }
        let middle = part.firstIndex { $0.hash.bit(depth) } ?? part.endIndex
        try split(part[..<middle], depth: depth + 1, prefix: prefix, targetBytes: targetBytes,
                  maxEntries: maxEntries, into: &planned)
        try split(part[middle...], depth: depth + 1, prefix: prefix.settingBit(depth),
                  targetBytes: targetBytes, maxEntries: maxEntries, into: &planned)
    }
}

extension SparseMerkleTree {
    /// The subtree that exactly `updates` (sorted by key hash, distinct, none deleting) form
    /// at `depth`, as it appears inside any tree whose keys under that prefix are these:
    /// the shape depends only on the key set. Nothing is read from a store, so the builder
    /// should never fail; if it does (say, on entries a caller failed to check), the chunk
    /// is refused rather than the process stopped.
    public static func subtree(
        depth: Int, sortedDistinct updates: [Update]
    ) throws(SparseMerkleError) -> (root: Hash256, newNodes: [(hash: Hash256, node: SparseMerkleNode)]) {
        var builder = Builder(store: InMemorySparseMerkleNodeStore())
        let root = try builder.build(depth: depth, updates[...])
        let nodes = builder.created.sorted { $0.key < $1.key }.map { (hash: $0.key, node: $0.value) }
        return (root, nodes)
    }
}
