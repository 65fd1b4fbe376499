import Foundation
import Logging
import NIOPosix
import Testing
@testable import Contracts
@testable import Ledger
@testable import Node

// Setup: one validator, no peers: the node proposes and commits on its own, through the
// real RocksDB store, executor and consensus driver.

@Suite("Node runtime (one validator, in process)")
struct RuntimeTests {
    static func billIssue(_ index: Int, signer: SigningKey, chainID: String, validUntil: UInt64 = 1_000) -> Transaction {
        let issue = BillIssue(
            // A stand-in check digest: never verified here (Argon2id per bill is the issuer's cost).
            number: .medical(code: "36012023", number: String(format: "%010d", index)),
            checkDigest: SHA256.hash(Array("check \(index)".utf8)),
            issuedAtMs: 1_700_000_000_000, totalFen: 12_345, categories: nil,
            payer: HolderCommitment.make(
                pepper: Array("pepper".utf8), idNumber: "36010219900101\(index)", context: .bills))
        return ContractCall.bill(.issue(issue)).transaction(
            chainID: chainID, signer: signer, uniqueID: StorageKey.height(UInt64(index)) + StorageKey.height(7),
            validUntilHeight: validUntil)
    }

    @Test("a submitted transaction is committed, its receipt is stored, and a replay is refused")
    func submitAndCommit() async throws {
        let path = temporaryDirectory("runtime")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = SigningKey.deterministic(label: "solo")
        let soloConsensus = SigningKey.deterministic(label: "solo-consensus")
        let genesis = Solo.genesis(chainID: "solo", consensus: soloConsensus, organisation: key)
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        let runtime = try NodeRuntime(
            genesis: genesis, keys: try Solo.keys(consensus: soloConsensus, organisation: key), databasePath: path + "/db", mempoolLimits: .init(),
            transport: nil, threadPool: pool, logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runtime.run() }
            let tx = Self.billIssue(1, signer: key, chainID: "solo")
            let admitted = await runtime.submit(bytes: tx.canonicalBytes)
            #expect((try? admitted.get())?.id == tx.id)
            let done = await runtime.notifier.wait(for: tx.id, timeoutMs: 10_000) { runtime.committedTransaction(tx.id) }
            let receipt = try #require(done).receipt
            #expect(receipt.isSuccess, "\(receipt.message)")
            let replay = await runtime.submit(bytes: tx.canonicalBytes)
            #expect(replay.isFailure { $0 == .alreadyCommitted })
            group.cancelAll()
        }
        try await pool.shutdownGracefully()
    }
}
