import Testing
@testable import Ledger

@Suite("Sparse Merkle tree")
struct SparseMerkleTreeTests {
    static func key(_ index: Int) -> [UInt8] { Array("bill/\(index)".utf8) }

    /// The root of a state built in one batch from nothing: the reference for incremental roots.
    static func freshRoot(_ state: [Int: [UInt8]]) throws -> Hash256 {
        let updates = state.map { SparseMerkleTree.Update(key: key($0.key), value: $0.value) }
        return try SparseMerkleTree.apply(updates, to: SparseMerkleTree.emptyRoot, store: InMemorySparseMerkleNodeStore()).root
    }

    @Test("incremental updates give the same root as building the final state at once (seeded)",
          arguments: [1, 2, 3, 4, 5] as [UInt64])
    func historyIndependent(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var store = InMemorySparseMerkleNodeStore()
        var root = SparseMerkleTree.emptyRoot
        var model: [Int: [UInt8]] = [:]
        for _ in 0..<40 {
            var batch: [Int: [UInt8]?] = [:]
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let index = Int.random(in: 0..<60, using: &rng)
                batch[index] = Bool.random(using: &rng) ? nil : [UInt8.random(in: 0...255, using: &rng)]
            }
            let updates = batch.map { SparseMerkleTree.Update(key: Self.key($0.key), value: $0.value) }
            let result = try SparseMerkleTree.apply(updates, to: root, store: store)
            store.insert(result.newNodes)
            root = result.root
            for (index, value) in batch { model[index] = value }
            #expect(try root == Self.freshRoot(model), "seed \(seed)")
        }
        // Every key, present or absent, has a proof that verifies, and only for its true value.
        for index in 0..<70 {
            let proof = try SparseMerkleTree.proof(key: Self.key(index), root: root, store: store)
            #expect(proof.verify(key: Self.key(index), value: model[index], root: root), "seed \(seed) key \(index)")
            #expect(!proof.verify(key: Self.key(index), value: [0xEE, 0xEE], root: root))
            if model[index] != nil {
                #expect(!proof.verify(key: Self.key(index), value: nil, root: root), "absence forged for a present key")
            }
        }
    }

    @Test("an empty tree proves every key absent; deleting everything returns to the empty root")
    func emptyTree() throws {
        var store = InMemorySparseMerkleNodeStore()
        let empty = try SparseMerkleTree.proof(key: Self.key(1), root: SparseMerkleTree.emptyRoot, store: store)
        #expect(empty.verify(key: Self.key(1), value: nil, root: SparseMerkleTree.emptyRoot))
        let inserted = try SparseMerkleTree.apply(
            (0..<10).map { SparseMerkleTree.Update(key: Self.key($0), value: [1]) }, to: SparseMerkleTree.emptyRoot, store: store)
        store.insert(inserted.newNodes)
        let deleted = try SparseMerkleTree.apply(
            (0..<10).map { SparseMerkleTree.Update(key: Self.key($0), value: nil) }, to: inserted.root, store: store)
        #expect(deleted.root == SparseMerkleTree.emptyRoot)
    }

    @Test("a tampered sibling, leaf or root makes a proof fail; old roots stay provable")
    func tampering() throws {
        var store = InMemorySparseMerkleNodeStore()
        let first = try SparseMerkleTree.apply(
            (0..<20).map { SparseMerkleTree.Update(key: Self.key($0), value: [UInt8($0)]) },
            to: SparseMerkleTree.emptyRoot, store: store)
        store.insert(first.newNodes)
        let second = try SparseMerkleTree.apply([SparseMerkleTree.Update(key: Self.key(3), value: [99])], to: first.root, store: store)
        store.insert(second.newNodes)
        let proof = try SparseMerkleTree.proof(key: Self.key(3), root: second.root, store: store)
        #expect(proof.verify(key: Self.key(3), value: [99], root: second.root))
        let old = try SparseMerkleTree.proof(key: Self.key(3), root: first.root, store: store)
        #expect(old.verify(key: Self.key(3), value: [3], root: first.root))
        #expect(!old.verify(key: Self.key(3), value: [3], root: second.root))
        var badSibling = proof
        try #require(!badSibling.siblings.isEmpty)
        badSibling.siblings[0] = SHA256.hash([1])
        #expect(!badSibling.verify(key: Self.key(3), value: [99], root: second.root))
        var badLeaf = proof
        badLeaf.leaf = nil
        #expect(!badLeaf.verify(key: Self.key(3), value: nil, root: second.root))
        #expect(try SparseMerkleProof(canonicalBytes: proof.canonicalBytes) == proof)
    }
}

