import Foundation
import Execution
import Testing
@testable import Ledger
@testable import Node

@Suite("RocksDB storage")
struct StorageTests {
    let proposer = SigningKey.deterministic(label: "storage-test")

    @Test("1,000 blocks written, closed, reopened and read back identical")
    func thousandBlocks() throws {
        let path = temporaryDirectory("thousand")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var written: [CommittedBlock] = []
        do {
            let store = try BlockStore(path: path)
            var previous = Hash256.zero
            for height in 1...1_000 as ClosedRange<UInt64> {
                let committed = SyntheticBlocks.make(height: height, previousHash: previous, proposer: proposer, keys: 4)
                try store.commit(committed)
                previous = committed.block.hash
                written.append(committed)
            }
        }
        let reopened = try BlockStore(path: path)
        #expect(reopened.lastHeight == 1_000)
        #expect(reopened.lastHash == written.last!.block.hash)
        for committed in written {
            let height = committed.block.height
            #expect(try reopened.block(at: height) == committed.block)
            #expect(try reopened.certificate(at: height) == committed.certificate)
            #expect(try reopened.receipts(at: height) == committed.receipts)
            #expect(try reopened.results(at: height) == committed.results)
            #expect(try reopened.height(ofBlock: committed.block.hash) == height)
            let tx = committed.block.transactions[0]
            #expect(try reopened.location(ofTransaction: tx.id) == TransactionLocation(height: height, index: 0))
        }
        #expect(try reopened.stateValue(SyntheticBlocks.key(0)) == StorageKey.height(1_000))
        #expect(
            try reopened.stateValue(SyntheticBlocks.key(0), asOf: 500) == StorageKey.height(500))
        #expect(try reopened.history(of: SyntheticBlocks.key(1)).count == 1_000)
        #expect(try reopened.block(at: 1_001) == nil)
    }

    @Test("the consensus safety state survives close and reopen")
    func safetyStateRoundTrip() throws {
        let path = temporaryDirectory("safety")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let store = try BlockStore(path: path)
            try store.saveSafetyState([1, 2, 3])
        }
        #expect(try BlockStore(path: path).loadSafetyState() == [1, 2, 3])
    }

    @Test("a second open of the same directory fails with a clear error, not a crash")
    func secondOpenFails() throws {
        let path = temporaryDirectory("lock")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try BlockStore(path: path)
        #expect(throws: StorageError.self) { try BlockStore(path: path) }
        _ = first
    }

    @Test("close is explicit and idempotent; every use after it refuses with an error")
    func closeOnce() throws {
        let path = temporaryDirectory("close-once")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try BlockStore(path: path)
        let committed = SyntheticBlocks.make(
            height: 1, previousHash: .zero, proposer: proposer, keys: 2)
        try store.commit(committed)
        let database = store.database
        let batch = WriteBatch(for: database)
        database.close()
        database.close()
        #expect(database.isClosed)
        #expect(throws: StorageError.self) { try store.block(at: 1) }
        #expect(throws: StorageError.self) { try store.receipts(at: 1) }
        #expect(throws: StorageError.self) { try store.history(of: SyntheticBlocks.key(0)) }
        #expect(throws: StorageError.self) { try store.stateValue(SyntheticBlocks.key(0), asOf: 1) }
        // A batch built after the close is dropped, and never written.
        batch.put(.state, [1], [2])
        #expect(throws: StorageError.self) { try database.write(batch) }
        // The lock is released: the directory opens again (and the deinit of the closed
        // handle, when `store` goes, frees nothing twice).
        let reopened = try BlockStore(path: path)
        #expect(reopened.lastHeight == 1)
    }

    @Test("genesis is recorded once and a different genesis is refused")
    func genesisOnce() throws {
        let path = temporaryDirectory("genesis")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try BlockStore(path: path)
        let results = ExecutionResults(receiptsRoot: .zero, stateRoot: .zero)
        let genesis = Solo.genesis(chainID: "a", consensus: proposer)
        try store.initialise(genesis: genesis, state: [(Array("k".utf8), [1])], results: results)
        try store.initialise(genesis: genesis, state: [], results: results)
        #expect(try store.genesis() == genesis)
        let other = Solo.genesis(chainID: "b", consensus: proposer)
        #expect(throws: StorageError.self) { try store.initialise(genesis: other, state: [], results: results) }
    }

    @Test("a process killed with SIGKILL mid-commit-loop reopens at a block boundary", arguments: [1, 2, 3])
    func sigkillDuringCommits(attempt: Int) throws {
        let path = temporaryDirectory("sigkill-\(attempt)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtExecutable("govchain-node"))
        process.arguments = ["storage-torture", "--path", path, "--blocks", "100000", "--keys-per-block", "200"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // Wait until some blocks are in, then kill at a moment that varies per attempt.
        var seen = Data()
        while !(String(decoding: seen, as: UTF8.self).contains("committed \(20 * attempt)\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen.append(chunk)
        }
        usleep(UInt32(attempt) * 7_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let store = try BlockStore(path: path)
        let height = store.lastHeight
        #expect(height >= UInt64(20 * attempt))
        // Every key holds the tip's height: the last block is whole, nothing of the next.
        for index in 0..<200 {
            #expect(try store.stateValue(SyntheticBlocks.key(index)) == StorageKey.height(height))
        }
        #expect(try store.block(at: height + 1) == nil)
        #expect(try store.certificate(at: height) != nil)
    }
}

// Setup: databases as earlier versions left them (the retired `indexes` family, history
// keys with a tx index), reopened by this version's store.
@Suite("RocksDB storage: databases of earlier versions")
struct StorageUpgradeTests {
    let proposer = SigningKey.deterministic(label: "storage-upgrade")

    @Test("a database with the retired, empty indexes family opens, and the family is dropped")
    func retiredIndexesFamilyIsDropped() throws {
        let path = temporaryDirectory("retired-cf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            // What every earlier node created, then committed blocks without ever writing it.
            let old = try RocksDatabase(path: path, alsoCreating: ["indexes"])
            #expect(old.droppedFamilies.isEmpty)
        }
        #expect(Self.families(path).contains("indexes"))
        do {
            let store = try BlockStore(path: path)
            #expect(store.database.droppedFamilies == ["indexes"])
            try store.commit(
                SyntheticBlocks.make(height: 1, previousHash: .zero, proposer: proposer, keys: 2))
        }
        #expect(!Self.families(path).contains("indexes"))
        let reopened = try BlockStore(path: path)
        #expect(reopened.lastHeight == 1 && reopened.database.droppedFamilies.isEmpty)
        #expect(Set(Self.families(path)) == Set(ColumnFamily.allCases.map(\.name)))
    }

    @Test("history keys written with the retired tx index still answer reads as of a height")
    func legacyHistoryKeysStillRead() throws {
        let path = temporaryDirectory("legacy-history")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try BlockStore(path: path)
        let key = SyntheticBlocks.key(0)
        // Heights 1 and 2 in the old layout (key | height | index 0), 3 in the new one.
        let batch = WriteBatch(for: store.database)
        batch.put(.history, StorageKey.history(key, height: 1) + [0, 0, 0, 0], [1, 0x11])
        batch.put(.history, StorageKey.history(key, height: 2) + [0, 0, 0, 0], [0])
        try store.database.write(batch)
        var previous = Hash256.zero
        for height in 1...3 as ClosedRange<UInt64> {
            let committed = SyntheticBlocks.make(
                height: height, previousHash: previous, proposer: proposer, keys: 0)
            try store.commit(committed)
            previous = committed.block.hash
        }
        let third = WriteBatch(for: store.database)
        third.put(.history, StorageKey.history(key, height: 3), [1, 0x33])
        try store.database.write(third)
        #expect(try store.stateValue(key, asOf: 1) == [0x11])
        #expect(try store.stateValue(key, asOf: 2) == nil)
        #expect(try store.stateValue(key, asOf: 3) == [0x33])
        #expect(try store.history(of: key).map(\.height) == [1, 2, 3])
    }

    static func families(_ path: String) -> [String] {
        RocksDatabase.listFamilies(path: path)
    }
}
