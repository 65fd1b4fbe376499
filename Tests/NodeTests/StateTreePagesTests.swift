import Foundation
import Testing
@testable import Ledger
@testable import Node

// Setup: 40 blocks of seeded updates (new keys, overwrites, deletions, so leaves move up and
// down) over a pool of 600 keys, applied to an in-memory reference tree and to a RocksDB
// `stateTree` family. Blocks 1...6 are stored one record per node (as genesis, snapshot
// restores and earlier versions write them), the later ones in pages. Every block's tree is
// built by reading the stored one through a tiny shared cache that empties itself all the
// time, so pages are found through remembered parents as well as top-down.
@Suite("State-tree pages (StateTreePages)")
struct StateTreePagesTests {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let keys: [[UInt8]] = (0..<600).map { Array("key-\($0)".utf8) }
    static let blocks = 40
    static let singleRecordBlocks = 6

    struct Stored {
        var roots: [Hash256] = [SparseMerkleTree.emptyRoot]
        var reference = InMemorySparseMerkleNodeStore()
        var values: [[[UInt8]: [UInt8]]] = [[:]]
        var nodes = 0
        var records = 0
    }

    func updates(_ block: Int, _ live: [[UInt8]: [UInt8]], _ random: inout SplitMix) -> [(key: [UInt8], value: [UInt8]?)] {
        var chosen: Set<[UInt8]> = []
        let count = block <= Self.singleRecordBlocks ? 60 : 25
        for _ in 0..<count { chosen.insert(Self.keys[Int(random.next() % UInt64(Self.keys.count))]) }
        return chosen.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            if live[key] != nil, random.next() % 3 == 0 { return (key, nil) }
            return (key, Array("\(block)".utf8) + key)
        }
    }

    func build(_ database: RocksDatabase, cache: StateTreeCache) throws -> Stored {
        var random = SplitMix(state: 11)
        var stored = Stored()
        for block in 1...Self.blocks {
            var live = stored.values.last ?? [:]
            let changes = updates(block, live, &random)
            for (key, value) in changes { live[key] = value }
            let batch = changes.map { SparseMerkleTree.Update(key: $0.key, value: $0.value) }
            let previous = stored.roots[stored.roots.count - 1]
            let expected = try SparseMerkleTree.apply(batch, to: previous, store: stored.reference)
            stored.reference.insert(expected.newNodes)
            // Read as the executor reads (no remembered parents: pages sit whole in the
            // cache, which only the commit below empties), or as any other reader.
            let reader: any SparseMerkleNodeStore = block % 2 == 0
                ? RocksStateStore(database: database, cache: cache, executor: true)
                : RocksStateTreeStore(database: database, cache: cache)
            let tree = try SparseMerkleTree.apply(batch, to: previous, store: reader)
            #expect(tree.root == expected.root, "block \(block): the root read from RocksDB differs")
            #expect(tree.newNodes.map(\.hash) == expected.newNodes.map(\.hash))
            let records: [(key: [UInt8], value: [UInt8])]
            let cached: [(hash: Hash256, node: SparseMerkleNode)]
            if block <= Self.singleRecordBlocks {
                records = tree.newNodes.map { ($0.hash.bytes, $0.node.canonicalBytes) }
                cached = tree.newNodes
            } else {
                let pages = StateTreeNodeReader(database: database, cache: cache, remembersParents: false)
                let written = try StateTreePages.records(root: tree.root, created: tree.newNodes) {
                    (hash, path) throws(StorageError) in
                    try pages.node(hash, under: previous, path: path)
                }
                records = written.records
                cached = written.nodes
                stored.nodes += tree.newNodes.count
                stored.records += records.count
            }
            let write = WriteBatch(for: database)
            for (key, value) in records { write.put(.stateTree, key, value) }
            try database.write(write)
            cache.insert(cached)
            stored.roots.append(tree.root)
            stored.values.append(live)
        }
        return stored
    }

    @Test("roots and every proof at every height equal the in-memory tree's; pages cut the records")
    func proofsAtEveryHeight() throws {
        let path = temporaryDirectory("tree-pages")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try RocksDatabase(path: path)
        let stored = try build(database, cache: StateTreeCache(capacity: 7))
        for (height, root) in stored.roots.enumerated() {
            // A fresh reader without a cache reads every page from disk, top-down.
            let cold = RocksStateStore(database: database)
            let tiny = RocksStateStore(database: database, cache: StateTreeCache(capacity: 3))
            for key in Self.keys {
                let expected = try SparseMerkleTree.proof(key: key, root: root, store: stored.reference)
                #expect(try SparseMerkleTree.proof(key: key, root: root, store: cold) == expected)
                #expect(try SparseMerkleTree.proof(key: key, root: root, store: tiny) == expected)
                #expect(expected.verify(key: key, value: stored.values[height][key], root: root))
            }
            try cold.checkReads()
            try tiny.checkReads()
        }
        // Depth here is about log2(600) + 1: pages hold up to four levels of each path.
        #expect(stored.records * 2 < stored.nodes, "\(stored.records) records for \(stored.nodes) nodes")
    }

    @Test("malformed records decode to nil, never trap")
    func malformedRecords() {
        let key = Hash256(word0: 1, word1: 2, word2: 3, word3: 4)
        let child = Hash256(word0: 5, word1: 6, word2: 7, word3: 8)
        let entry = { (flags: UInt8, left: Hash256, right: Hash256) in [flags] + left.bytes + right.bytes }
        #expect(StateTreePages.decode([], key: key) == nil)
        #expect(StateTreePages.decode([2], key: key) == nil)
        #expect(StateTreePages.decode([2] + entry(0, child, .zero).dropLast(), key: key) == nil)
        #expect(StateTreePages.decode([2] + entry(4, child, .zero), key: key) == nil)
        // A child marked in the page but empty, or marked and missing.
        #expect(StateTreePages.decode([2] + entry(2, child, .zero) + entry(0, child, child), key: key) == nil)
        #expect(StateTreePages.decode([2] + entry(1, child, .zero), key: key) == nil)
        // Bytes after the last entry.
        #expect(StateTreePages.decode([2] + entry(0, child, .zero) + [0], key: key) == nil)
        // Deeper than a page: a chain of five inner nodes.
        var chain: [UInt8] = [2]
        for _ in 0..<5 { chain += entry(1, child, .zero) }
        #expect(StateTreePages.decode(chain, key: key) == nil)
        // Well formed: a root and its left child.
        let page = StateTreePages.decode([2] + entry(1, child, .zero) + entry(0, key, key), key: key)
        #expect(page?.map(\.hash) == [key, child])
        #expect(page?.last?.node == .inner(left: key, right: key))
    }
}
