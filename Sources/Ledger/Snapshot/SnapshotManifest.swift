/// Why a snapshot (its manifest or one of its chunks) is refused. Every byte of a snapshot
/// comes from a file or a peer, so each refusal is a value, never a trap.
public enum SnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case wrongChain(expected: String, found: String)
    case wrongGenesis(expected: Hash256, found: Hash256)
    case uncertified(height: UInt64, reason: String)
    case inconsistent(String)
    case rootMismatch(certified: Hash256, computed: Hash256)
    case chunkMismatch(index: Int, reason: String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case let .malformed(reason): "malformed snapshot: \(reason)"
        case let .wrongChain(expected, found): "snapshot is of chain \(found), not \(expected)"
        case let .wrongGenesis(expected, found): "snapshot is of genesis \(found), not \(expected)"
        case let .uncertified(height, reason): "header \(height) is not certified: \(reason)"
        case let .inconsistent(reason): "snapshot is inconsistent: \(reason)"
        case let .rootMismatch(certified, computed):
            "chunks give state root \(computed), the certified header carries \(certified)"
        case let .chunkMismatch(index, reason): "chunk \(index) refused: \(reason)"
        case let .tooLarge(reason): "snapshot exceeds a limit: \(reason)"
        }
    }
}

/// Bounds on every part of a snapshot, checked by the decoder before anything is allocated
/// and by the writer before anything is written, so a snapshot one node can make, every
/// node can read.
public enum SnapshotLimits {
    /// The largest encoded chunk (a peer message carries one whole chunk: well below the
    /// transport's 16 MiB frame).
    public static let maxChunkBytes = 4 << 20
    /// What the writer aims for: a chunk is split until it is at most this big (or holds
    /// one entry).
    public static let targetChunkBytes = 1 << 20
    public static let maxChunkEntries = 16_384
    /// At ~1 MiB each, 100,000 chunks is a state of ~100 GB.
    public static let maxChunks = 100_000
    public static let maxKeyBytes = 4_096
    public static let maxValueBytes = maxChunkBytes - maxKeyBytes - 64
    /// The manifest: two blocks (each under 16 MiB by their own decoders) plus the table.
    public static let maxManifestBytes = 48 << 20
    /// Validator-set changes proven in one manifest (each needs an approved governance
    /// proposal; a few kilobytes each).
    public static let maxSetProofs = 1_024
}

/// One chunk as the manifest lists it: every state key whose key hash starts with the
/// `depth` bits of `prefix`, and the root of the sparse-Merkle subtree they form there.
///
/// The chunks of a manifest, in order, cover the key space exactly once (a depth-first walk
/// of a prefix tree), so the subtree roots alone recompute the state root: the manifest is
/// checked against the certified header before any chunk arrives, and then each chunk is
/// checked on its own against its subtree root (a bad chunk names its sender).
public struct SnapshotChunkInfo: Hashable, Sendable, CanonicalCodable {
    /// Number of leading key-hash bits the chunk's keys share (0...256).
    public var depth: UInt16
    /// The shared bits; every bit at or past `depth` is zero.
    public var prefix: Hash256
    /// Root of the subtree of exactly these keys at `depth` (zero when there are none; the
    /// leaf's hash when there is one).
    public var root: Hash256
    public var entryCount: UInt32
    /// Size of the chunk's canonical encoding.
    public var byteCount: UInt32

    public init(depth: UInt16, prefix: Hash256, root: Hash256, entryCount: UInt32, byteCount: UInt32) {
        self.depth = depth
        self.prefix = prefix
        self.root = root
        self.entryCount = entryCount
        self.byteCount = byteCount
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(depth)
        encoder.encode(prefix)
        encoder.encode(root)
        encoder.encode(entryCount)
        encoder.encode(byteCount)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        depth = try decoder.decode(UInt16.self)
        prefix = try decoder.decode(Hash256.self)
        root = try decoder.decode(Hash256.self)
        entryCount = try decoder.decode(UInt32.self)
        byteCount = try decoder.decode(UInt32.self)
    }
}

/// What a snapshot of the state after block `height` is, and the proof that it is the
/// chain's: block `height` with its certificate (the restored node's tip), the header of
/// block `height + 1` with its certificate (that header carries the state root and receipts
/// root of executing block `height`: roots lag one block, docs/consensus.md), and the chunk
/// table whose subtree roots recompute that state root.
public struct SnapshotManifest: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var chainID: String
    public var genesisHash: Hash256
    /// The snapshot's block (its state is the state after it) and its certificate.
    public var base: Block
    public var baseCertificate: CommitCertificate
    /// The next block's header: its `stateRoot` is the root of this snapshot.
    public var next: BlockHeader
    public var nextCertificate: CommitCertificate
    public var chunks: [SnapshotChunkInfo]
    /// Every validator-set change certifying blocks up to `height + 1`, each with the
    /// certified header that names it, so a node that trusts only genesis can check the two
    /// certificates above (`ValidatorSetProof`).
    public var setProofs: [ValidatorSetProof]

    public init(
        chainID: String, genesisHash: Hash256, base: Block, baseCertificate: CommitCertificate,
        next: BlockHeader, nextCertificate: CommitCertificate, chunks: [SnapshotChunkInfo],
        setProofs: [ValidatorSetProof] = []
    ) {
        self.setProofs = setProofs
        self.chainID = chainID
        self.genesisHash = genesisHash
        self.base = base
        self.baseCertificate = baseCertificate
        self.next = next
        self.nextCertificate = nextCertificate
        self.chunks = chunks
    }

    /// The height whose state the snapshot holds.
    public var height: UInt64 { base.height }
    public var stateRoot: Hash256 { next.stateRoot }
    public var receiptsRoot: Hash256 { next.receiptsRoot }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(SnapshotManifest.version)
        encoder.encode(chainID)
        encoder.encode(genesisHash)
        encoder.encode(base)
        encoder.encode(baseCertificate)
        encoder.encode(next)
        encoder.encode(nextCertificate)
        encoder.encode(chunks)
        encoder.encode(setProofs)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "SnapshotManifest", supported: 1...1)
        chainID = try decoder.decode(String.self, limit: 64)
        genesisHash = try decoder.decode(Hash256.self)
        base = try decoder.decode(Block.self)
        baseCertificate = try decoder.decode(CommitCertificate.self)
        next = try decoder.decode(BlockHeader.self)
        nextCertificate = try decoder.decode(CommitCertificate.self)
        chunks = try decoder.decodeArray(of: SnapshotChunkInfo.self, limit: SnapshotLimits.maxChunks)
        setProofs = try decoder.decodeArray(of: ValidatorSetProof.self, limit: SnapshotLimits.maxSetProofs)
    }
}

extension SnapshotManifest {
    /// Checks the manifest against the chain: right chain and genesis, block `height` and
    /// header `height + 1` linked and each certified by a quorum, the chunk table within
    /// bounds and recomputing the certified state root.
    ///
    /// - Parameters:
    ///   - validators: the sets the caller trusts without proof, by height (genesis's for
    ///     every height, for a node that knows only genesis). From the first change the
    ///     manifest's `setProofs` prove, their sets take over, each checked against the set
    ///     before it.
    /// - Returns: the tree nodes above the chunks (the restored store needs them to prove
    ///   keys and to apply the next block).
    public func verify(
        chainID expectedChain: String, genesisHash expectedGenesis: Hash256,
        validators: (UInt64) -> ValidatorSet?
    ) throws(SnapshotError) -> [(hash: Hash256, node: SparseMerkleNode)] {
        guard chainID == expectedChain else { throw .wrongChain(expected: expectedChain, found: chainID) }
        guard genesisHash == expectedGenesis else {
            throw .wrongGenesis(expected: expectedGenesis, found: genesisHash)
        }
        try verifyLinks()
        let sets = try ProvenValidatorSets(trusted: validators, proofs: setProofs, chainID: chainID)
        let proven = { (height: UInt64) in sets.set(forHeight: height, trusted: validators) }
        try verifyCertificate(baseCertificate, header: base.header, validators: proven)
        try verifyCertificate(nextCertificate, header: next, validators: proven)
        try verifyTable()
        var walker = SnapshotCoverWalker(chunks: chunks)
        let top = try walker.subtree(depth: 0, prefix: .zero)
        guard walker.index == chunks.count else {
            throw .inconsistent("\(chunks.count - walker.index) chunks lie outside the key space")
        }
        guard top.hash == stateRoot else { throw .rootMismatch(certified: stateRoot, computed: top.hash) }
        return walker.created
    }

    private func verifyLinks() throws(SnapshotError) {
        guard base.header.chainID == chainID, next.chainID == chainID else {
            throw .inconsistent("a header names another chain")
        }
        guard base.height >= 1 else { throw .inconsistent("the snapshot block must be block 1 or later") }
        guard base.height < UInt64.max, next.height == base.height + 1 else {
            throw .inconsistent("header \(next.height) does not follow block \(base.height)")
        }
        guard next.previousHash == base.hash else {
            throw .inconsistent("header \(next.height) does not link to block \(base.height)")
        }
        guard base.hasConsistentTxRoot else { throw .inconsistent("block \(base.height): tx root mismatch") }
    }

    private func verifyCertificate(
        _ certificate: CommitCertificate, header: BlockHeader, validators: (UInt64) -> ValidatorSet?
    ) throws(SnapshotError) {
        guard let set = validators(header.height) else {
            throw .uncertified(height: header.height, reason: "no validator set known for it")
        }
        do {
            try certificate.verify(
                chainID: chainID, validators: set, blockID: header.hash, height: header.height)
        } catch {
            throw .uncertified(height: header.height, reason: error.description)
        }
    }

    private func verifyTable() throws(SnapshotError) {
        guard !chunks.isEmpty else { throw .inconsistent("no chunks") }
        guard chunks.count <= SnapshotLimits.maxChunks else {
            throw .tooLarge("\(chunks.count) chunks, at most \(SnapshotLimits.maxChunks)")
        }
        for (index, chunk) in chunks.enumerated() {
            guard chunk.depth <= 256 else { throw .chunkMismatch(index: index, reason: "depth \(chunk.depth)") }
            guard chunk.byteCount <= SnapshotLimits.maxChunkBytes else {
                throw .tooLarge("chunk \(index) of \(chunk.byteCount) bytes")
            }
            guard chunk.entryCount <= SnapshotLimits.maxChunkEntries else {
                throw .tooLarge("chunk \(index) of \(chunk.entryCount) entries")
            }
            guard (chunk.entryCount == 0) == (chunk.root == .zero) else {
                throw .chunkMismatch(index: index, reason: "root and entry count disagree")
            }
        }
    }
}

/// Recomputes the tree above the chunks: a depth-first walk of the prefix tree, taking the
/// chunks in order, joining subtrees exactly as `SparseMerkleTree` does (an empty side next
/// to a lone leaf lifts the leaf).
struct SnapshotCoverWalker {
    let chunks: [SnapshotChunkInfo]
    var index = 0
    var created: [(hash: Hash256, node: SparseMerkleNode)] = []

    init(chunks: [SnapshotChunkInfo]) { self.chunks = chunks }

    mutating func subtree(depth: Int, prefix: Hash256) throws(SnapshotError) -> (hash: Hash256, isLeaf: Bool) {
        guard index < chunks.count else { throw .inconsistent("chunks do not cover the key space") }
        let chunk = chunks[index]
        if Int(chunk.depth) == depth {
            guard chunk.prefix == prefix else {
                throw .chunkMismatch(index: index, reason: "prefix out of order")
            }
            index += 1
            return (chunk.root, chunk.entryCount == 1)
        }
        guard Int(chunk.depth) > depth, depth < 256 else {
            throw .chunkMismatch(index: index, reason: "depth out of order")
        }
        let left = try subtree(depth: depth + 1, prefix: prefix)
        let right = try subtree(depth: depth + 1, prefix: prefix.settingBit(depth))
        if left.hash == .zero && right.hash == .zero { return (.zero, false) }
        if left.hash == .zero && right.isLeaf { return right }
        if right.hash == .zero && left.isLeaf { return left }
        let node = SparseMerkleNode.inner(left: left.hash, right: right.hash)
        let hash = node.hash
        created.append((hash, node))
        return (hash, false)
    }
}

extension Hash256 {
    /// This hash with bit `index` (0 = most significant bit of byte 0) set.
    func settingBit(_ index: Int) -> Hash256 {
        precondition(index >= 0 && index < 256, "bit index out of range")
        let mask = UInt64(1) << UInt64(63 - (index & 63))
        var copy = self
        switch index >> 6 {
        case 0: copy.word0 |= mask
        case 1: copy.word1 |= mask
        case 2: copy.word2 |= mask
        default: copy.word3 |= mask
        }
        return copy
    }

    /// True when the first `count` bits equal `prefix`'s.
    func hasPrefix(_ prefix: Hash256, bits count: Int) -> Bool {
        for bit in 0..<min(max(count, 0), 256) where self.bit(bit) != prefix.bit(bit) { return false }
        return true
    }
}
