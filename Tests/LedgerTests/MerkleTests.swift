import Testing
@testable import Ledger

@Suite("Merkle tree")
struct MerkleTests {
    static func leaves(_ count: Int) -> [[UInt8]] { (0..<count).map { Array("leaf-\($0)".utf8) } }

    @Test("every leaf's proof verifies in trees of 1 to 65 leaves")
    func allProofsVerify() {
        for count in 1...65 {
            let leaves = Self.leaves(count)
            let root = MerkleTree.root(leaves: leaves)
            for index in 0..<count {
                let proof = MerkleTree.proof(leaves: leaves, index: index)
                #expect(proof.verify(leaf: leaves[index], root: root), "count \(count) index \(index)")
            }
        }
    }

    @Test("a tampered proof, leaf, index or root fails")
    func tamperingFails() {
        for count in 2...33 {
            let leaves = Self.leaves(count)
            let root = MerkleTree.root(leaves: leaves)
            for index in 0..<count {
                let proof = MerkleTree.proof(leaves: leaves, index: index)
                #expect(!proof.verify(leaf: Array("forged".utf8), root: root))
                #expect(!proof.verify(leaf: leaves[index], root: SHA256.hash(Array("other".utf8))))
                var sibling = proof
                sibling.siblings[0] = SHA256.hash(sibling.siblings[0].bytes)
                #expect(!sibling.verify(leaf: leaves[index], root: root))
                var moved = proof
                moved.leafIndex = UInt64((index + 1) % count)
                #expect(!moved.verify(leaf: leaves[index], root: root))
                var shorter = proof
                shorter.siblings.removeLast()
                #expect(!shorter.verify(leaf: leaves[index], root: root))
            }
        }
    }

    @Test("an inner node cannot pass for a leaf (second preimage)")
    func secondPreimage() {
        let leaves = Self.leaves(4)
        let root = MerkleTree.root(leaves: leaves)
        let left = MerkleTree.nodeHash(MerkleTree.leafHash(leaves[0]), MerkleTree.leafHash(leaves[1]))
        let right = MerkleTree.nodeHash(MerkleTree.leafHash(leaves[2]), MerkleTree.leafHash(leaves[3]))
        // A two-leaf tree whose "leaves" are the inner nodes' bytes has a different root.
        #expect(MerkleTree.root(leaves: [left.bytes, right.bytes]) != root)
        #expect(MerkleTree.root(leaves: []) == MerkleTree.emptyRoot)
    }
}
