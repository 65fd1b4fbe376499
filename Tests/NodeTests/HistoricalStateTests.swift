import Contracts
import Execution
import Foundation
import Testing
@testable import Ledger
@testable import Node

// Setup: a RocksDB store on disk gets blocks 1...8 whose write sets put and delete keys of
// several lengths inside and outside the prefix `p/` (so the history family holds them in
// several length runs). A sorted in-memory model applies the same write sets; at every
// height the store's answers as of that height must be the model's at that height.
@Suite("State as of a height (history column family)")
struct HistoricalStateTests {
    let proposer = SigningKey.deterministic(label: "history-test")
    static let heights: UInt64 = 8

    /// A seeded generator so the write sets are the same on every run.
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

    static let pool: [StateKey] =
        ["p/a", "p/b", "p/aa", "p/ab", "p/b0", "p/zz", "p/abc", "p/b\u{0}x", "p/", "p",
         "q/a", "p/aaaa", "o/zz", "p/b/c/d", "p0"].map { StateKey($0) }

    /// Block `height`'s write set: a few keys of the pool put or deleted.
    static func writes(_ height: UInt64, _ random: inout SplitMix) -> [StateWrite] {
        var chosen: Set<StateKey> = []
        for _ in 0..<6 { chosen.insert(pool[Int(random.next() % UInt64(pool.count))]) }
        return chosen.sorted().map { key in
            random.next() % 4 == 0
                ? StateWrite(key: key, value: nil)
                : StateWrite(key: key, value: Array("\(key)@\(height)".utf8))
        }
    }

    /// Commits the blocks with their state-tree nodes and roots; returns the model per height.
    func commitBlocks(_ store: BlockStore) throws -> [InMemoryState] {
        var random = SplitMix(state: 18)
        var models = [InMemoryState()]
        var previous = Hash256.zero
        var root = SparseMerkleTree.emptyRoot
        for height in 1...Self.heights {
            let writes = Self.writes(height, &random)
            var model = models.last!
            model.apply(writes)
            models.append(model)
            let tree = try SparseMerkleTree.apply(
                writes.map { SparseMerkleTree.Update(key: $0.key.bytes, value: $0.value) },
                to: root, store: RocksStateTreeStore(database: store.database))
            root = tree.root
            var committed = SyntheticBlocks.make(
                height: height, previousHash: previous, proposer: proposer, keys: 0)
            committed.stateChanges = writes.map { StateChange(key: $0.key.bytes, value: $0.value) }
            committed.treeNodes = tree.newNodes.map { ($0.hash.bytes, $0.node.canonicalBytes) }
            committed.results = ExecutionResults(
                receiptsRoot: committed.results.receiptsRoot, stateRoot: root)
            try store.commit(committed)
            previous = committed.block.hash
        }
        return models
    }

    @Test("every prefix scan, from every position and at every height, is the model's")
    func scansAsOfEveryHeight() throws {
        let path = temporaryDirectory("history-scan")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try BlockStore(path: path)
        let models = try commitBlocks(store)
        let prefixes = ["p/", "p", "p/a", "p/b", "q/", "", "x"].map { StateKey($0) }
        for height in 0...Self.heights {
            let model = models[Int(height)]
            let history = try #require(HistoricalStateStore(blocks: store, height: height))
            for key in Self.pool { #expect(history.value(for: key) == model.value(for: key)) }
            for prefix in prefixes {
                #expect(history.entries(withPrefix: prefix) == model.entries(withPrefix: prefix))
                var positions: [StateKey?] = [nil, StateKey("p/b\u{0}")]
                positions += Self.pool.map { Optional($0) }
                for after in positions {
                    for limit in [1, 2, 3, 50] {
                        #expect(
                            history.entries(withPrefix: prefix, after: after, limit: limit)
                                == model.entries(withPrefix: prefix, after: after, limit: limit),
                            "height \(height), prefix \(prefix), after \(String(describing: after)), limit \(limit)"
                        )
                    }
                }
            }
            try history.checkReads()
        }
        #expect(HistoricalStateStore(blocks: store, height: Self.heights + 1) == nil)
    }

    @Test("queries answer as of a height: records changed and deleted later read as they were")
    func queriesAsOfHeight() throws {
        let path = temporaryDirectory("history-queries")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try BlockStore(path: path)
        let key = SigningKey.deterministic(label: "org-key").publicKey
        let first = OrganisationRecord(id: "a", name: "First", creditCode: "X", keys: [])
        let renamed = OrganisationRecord(id: "a", name: "Renamed", creditCode: "X", keys: [key])
        let second = OrganisationRecord(id: "b", name: "Second", creditCode: "Y", keys: [])
        let changes: [[StateChange]] = [
            [change("org/a", first.canonicalBytes)],
            [change("org/a", renamed.canonicalBytes), change("org/b", second.canonicalBytes)],
            [change("org/a", nil)],
        ]
        var previous = Hash256.zero
        for (index, writes) in changes.enumerated() {
            var committed = SyntheticBlocks.make(
                height: UInt64(index + 1), previousHash: previous, proposer: proposer, keys: 0)
            committed.stateChanges = writes
            try store.commit(committed)
            previous = committed.block.hash
        }
        func names(at height: UInt64) throws -> [String] {
            let history = try #require(HistoricalStateStore(blocks: store, height: height))
            let queries = ContractQueries(state: history)
            let names = try pages(limit: 1) { try queries.organisations(page: $0) }.map(\.name)
            try history.checkReads()
            return names
        }
        #expect(try names(at: 0) == [])
        #expect(try names(at: 1) == ["First"])
        #expect(try names(at: 2) == ["Renamed", "Second"])
        #expect(try names(at: 3) == ["Second"])
        let atTwo = ContractQueries(state: try #require(HistoricalStateStore(blocks: store, height: 2)))
        #expect(try atTwo.organisation("a")?.keys == [key])
        #expect(try store.blockTimeMs(at: 2) == 2_000)
    }

    @Test("a record is provable at every committed height, not only the tip")
    func proofsAtOldHeights() throws {
        let path = temporaryDirectory("history-proofs")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try BlockStore(path: path)
        let models = try commitBlocks(store)
        for height in 1...Self.heights {
            let root = try #require(try store.results(at: height)).stateRoot
            for key in Self.pool {
                let answer = try #require(try store.stateProof(key: key.bytes, asOf: height))
                #expect(answer.stateRoot == root)
                #expect(answer.value == models[Int(height)].value(for: key))
                #expect(answer.proof.verify(key: key.bytes, value: answer.value, root: root))
                // The same proof does not pass for another value.
                #expect(!answer.proof.verify(key: key.bytes, value: [0xEE], root: root))
            }
        }
        #expect(try store.stateProof(key: Self.pool[0].bytes, asOf: Self.heights + 1) == nil)
    }

    /// Every page of a paged query, concatenated.
    func pages<Item>(limit: Int, _ fetch: (PageRequest) throws -> QueryPage<Item>) throws
        -> [Item]
    {
        var items: [Item] = []
        var cursor: String?
        for _ in 0..<1_000 {
            let page = try fetch(PageRequest(cursor: cursor, limit: limit))
            items += page.items
            guard let next = page.nextCursor else { return items }
            cursor = next
        }
        Issue.record("the walk did not end")
        return items
    }

    func change(_ key: String, _ value: [UInt8]?) -> StateChange {
        StateChange(key: Array(key.utf8), value: value)
    }
}
