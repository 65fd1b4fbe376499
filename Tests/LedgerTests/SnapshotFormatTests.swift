import Testing
@testable import Ledger

// Setup: a state of random keys and values; a one-validator chain's blocks h and h+1, the
// latter carrying the state's root, each certified by that validator. The chunk table the
// planner cuts must recompute the root the tree itself computes, at every chunk size.
@Suite("State snapshot format")
struct SnapshotFormatTests {
    static let validator = SigningKey.deterministic(label: "snapshot-validator")
    static let chainID = "snapshot-format"
    static let genesisHash = Hash256(bytes: [UInt8](repeating: 7, count: 32))
    static var validators: ValidatorSet {
        ValidatorSet([Validator(name: "v0", publicKey: validator.publicKey, address: "127.0.0.1:1", networkKey: SigningKey.deterministic(label: "network:" + (validator.publicKey).hex).publicKey)])
    }

    static func entries(count: Int, seed: UInt64) -> [SnapshotEntry] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { index in
            let size = Int(rng.next() % 300)
            return SnapshotEntry(
                key: Array("key/\(index)".utf8), value: (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
    }

    static func root(_ entries: [SnapshotEntry]) throws -> Hash256 {
        try SparseMerkleTree.apply(
            entries.map { SparseMerkleTree.Update(key: $0.key, value: $0.value) },
            to: SparseMerkleTree.emptyRoot, store: InMemorySparseMerkleNodeStore()
        ).root
    }

    static func certify(_ header: BlockHeader, by key: SigningKey = validator) -> CommitCertificate {
        let bytes = ConsensusStatement.voteSigningBytes(
            chainID: chainID, kind: .precommit, height: header.height, round: 0, blockID: header.hash)
        return CommitCertificate(
            height: header.height, round: 0, blockID: header.hash,
            signatures: [ValidatorSignature(validatorIndex: 0, signature: key.sign(bytes))])
    }

    /// A manifest of `entries` at height 5, and the chunks' encodings.
    static func manifest(
        _ entries: [SnapshotEntry], targetBytes: Int = 2_048, signer: SigningKey = validator
    ) throws -> (SnapshotManifest, [[UInt8]]) {
        let planned = try SnapshotPlanner.plan(entries, targetBytes: targetBytes)
        let base = Block(
            header: BlockHeader(
                chainID: chainID, height: 5, round: 0, previousHash: .zero, txRoot: Block.transactionRoot([]),
                receiptsRoot: .zero, stateRoot: .zero, proposer: validator.publicKey, timeMs: 5_000, nextValidatorsHash: .zero),
            transactions: [])
        let next = BlockHeader(
            chainID: chainID, height: 6, round: 0, previousHash: base.hash, txRoot: Block.transactionRoot([]),
            receiptsRoot: .zero, stateRoot: try root(entries), proposer: validator.publicKey, timeMs: 6_000,
            nextValidatorsHash: .zero)
        let manifest = SnapshotManifest(
            chainID: chainID, genesisHash: genesisHash, base: base, baseCertificate: certify(base.header, by: signer),
            next: next, nextCertificate: certify(next, by: signer), chunks: planned.map(\.info))
        return (manifest, planned.map(\.bytes))
    }

    static func verify(_ manifest: SnapshotManifest) throws(SnapshotError) {
        _ = try manifest.verify(chainID: chainID, genesisHash: genesisHash, validators: { _ in validators })
    }

    @Test("the chunk table recomputes the tree's root at every chunk size (seeded)",
          arguments: [(0, 1), (1, 1), (2, 1), (50, 1), (500, 64), (500, 2_048), (500, 1 << 20), (3_000, 4_096)])
    func tableRecomputesRoot(count: Int, targetBytes: Int) throws {
        let entries = Self.entries(count: count, seed: UInt64(count))
        guard count > 0 else {
            // An empty state is one empty chunk whose root is the empty root.
            let planned = try SnapshotPlanner.plan([])
            #expect(planned.count == 1 && planned[0].info.root == .zero)
            return
        }
        let (manifest, chunks) = try Self.manifest(entries, targetBytes: targetBytes)
        let top = try manifest.verify(
            chainID: Self.chainID, genesisHash: Self.genesisHash, validators: { _ in Self.validators })
        var restored = InMemorySparseMerkleNodeStore()
        restored.insert(top)
        var seen = 0
        for (index, bytes) in chunks.enumerated() {
            let verified = try SnapshotChunk.verified(bytes, index: index, of: manifest)
            #expect(bytes.count <= max(targetBytes, 400) || verified.chunk.entries.count == 1)
            restored.insert(verified.nodes)
            seen += verified.chunk.entries.count
        }
        #expect(seen == count)
        // The chunks' nodes and those above them prove every key under the certified root.
        for entry in entries {
            let proof = try SparseMerkleTree.proof(key: entry.key, root: manifest.stateRoot, store: restored)
            #expect(proof.verify(key: entry.key, value: entry.value, root: manifest.stateRoot))
        }
    }

    @Test("manifest round-trips through its encoding")
    func manifestRoundTrip() throws {
        let (manifest, _) = try Self.manifest(Self.entries(count: 200, seed: 9))
        let decoded = try SnapshotManifest(canonicalBytes: manifest.canonicalBytes, lengthLimit: SnapshotLimits.maxManifestBytes)
        #expect(decoded == manifest)
        try Self.verify(decoded)
    }

    @Test("a chunk with an altered value, a dropped entry, a foreign key or a flipped bit is refused")
    func alteredChunksAreRefused() throws {
        let (manifest, chunks) = try Self.manifest(Self.entries(count: 300, seed: 3))
        let index = chunks.indices.first { manifest.chunks[$0].entryCount >= 2 }!
        var chunk = try SnapshotChunk(canonicalBytes: chunks[index])
        // Altered value, same length: the subtree root differs.
        var altered = chunk
        altered.entries[0].value = altered.entries[0].value.map { $0 ^ 1 } + [1]
        altered.entries[0].value.removeLast()
        if altered.entries[0].value.isEmpty { altered.entries[0].value = [1] }
        var forged = manifest
        forged.chunks[index].byteCount = UInt32(altered.canonicalBytes.count)
        #expect(throws: SnapshotError.self) { try SnapshotChunk.verified(altered.canonicalBytes, index: index, of: forged) }
        // A dropped entry: the count disagrees.
        chunk.entries.removeLast()
        forged.chunks[index].byteCount = UInt32(chunk.canonicalBytes.count)
        #expect(throws: SnapshotError.self) { try SnapshotChunk.verified(chunk.canonicalBytes, index: index, of: forged) }
        // Another chunk's bytes in this place: wrong size or keys outside the prefix.
        let other = index == 0 ? 1 : 0
        #expect(throws: SnapshotError.self) { try SnapshotChunk.verified(chunks[other], index: index, of: manifest) }
        // Every single flipped bit of the original chunk is caught.
        for position in stride(from: 0, to: chunks[index].count, by: 7) {
            var bytes = chunks[index]
            bytes[position] ^= 0x10
            #expect(throws: SnapshotError.self) { try SnapshotChunk.verified(bytes, index: index, of: manifest) }
        }
        #expect(throws: SnapshotError.self) { try SnapshotChunk.verified(chunks[index], index: chunks.count, of: manifest) }
    }

    @Test("a manifest with a wrong root, a forged certificate, another chain or a broken table is refused")
    func forgedManifestsAreRefused() throws {
        let entries = Self.entries(count: 300, seed: 4)
        let (manifest, _) = try Self.manifest(entries)
        // A subtree root changed: the table no longer recomputes the certified root.
        var wrongRoot = manifest
        wrongRoot.chunks[0].root = Hash256(bytes: [UInt8](repeating: 1, count: 32))
        #expect(throws: SnapshotError.self) { try Self.verify(wrongRoot) }
        // A header claiming another root is not what the validator certified.
        var wrongHeader = manifest
        wrongHeader.next.stateRoot = Hash256(bytes: [UInt8](repeating: 2, count: 32))
        #expect(throws: SnapshotError.self) { try Self.verify(wrongHeader) }
        // Certified by a key that is not the validator.
        let (foreign, _) = try Self.manifest(entries, signer: SigningKey.deterministic(label: "intruder"))
        #expect(throws: SnapshotError.uncertified(height: 5, reason: "signature of validator 0 is invalid")) {
            try Self.verify(foreign)
        }
        var otherChain = manifest
        otherChain.chainID = "other"
        #expect(throws: SnapshotError.self) { try Self.verify(otherChain) }
        var missing = manifest
        missing.chunks.removeLast()
        #expect(throws: SnapshotError.self) { try Self.verify(missing) }
        var extra = manifest
        extra.chunks.append(manifest.chunks[0])
        #expect(throws: SnapshotError.self) { try Self.verify(extra) }
        var deep = manifest
        deep.chunks[0].depth = 300
        #expect(throws: SnapshotError.self) { try Self.verify(deep) }
        var oversized = manifest
        oversized.chunks[0].byteCount = UInt32(SnapshotLimits.maxChunkBytes + 1)
        #expect(throws: SnapshotError.self) { try Self.verify(oversized) }
    }

    @Test("an entry over the format's limits is refused when planning")
    func oversizedEntryIsRefused() {
        let big = SnapshotEntry(key: [1], value: [UInt8](repeating: 0, count: SnapshotLimits.maxValueBytes + 1))
        #expect(throws: SnapshotError.self) { try SnapshotPlanner.plan([big]) }
        let longKey = SnapshotEntry(key: [UInt8](repeating: 0, count: SnapshotLimits.maxKeyBytes + 1), value: [1])
        #expect(throws: SnapshotError.self) { try SnapshotPlanner.plan([longKey]) }
    }
}
