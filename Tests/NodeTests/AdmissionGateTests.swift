import AsyncHTTPClient
import Client
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import Testing
@testable import Ledger
@testable import Node

// Setup: the gate alone with rates fed by hand (no clock is read), then the real API over a
// one-validator runtime whose consensus is not running, so admitted transactions stay
// pending and the bound is reached by submitting.

@Suite("Admission gate: overload is shed early with 429 busy")
struct AdmissionGateTests {
    @Test("the pending bound follows the measured commit rate, never below its floor")
    func boundFollowsRate() throws {
        let gate = AdmissionGate(limits: .init(minPending: 100, pendingSeconds: 2, maxAdmitting: 10))
        #expect(gate.pendingBound == 100)
        gate.noteCommitted(0, nowMs: 10_000)
        gate.noteCommitted(500, nowMs: 11_000)  // 500 committed over one second
        #expect(gate.ratePerSecond == 500)
        #expect(gate.pendingBound == 1_000)
        #expect(gate.enter(pending: 999) == nil)
        gate.leave()
        let refusal = try #require(gate.enter(pending: 1_000))
        #expect(refusal.retryAfterSeconds >= 1 && refusal.retryAfterSeconds <= 10)
        // Quiet blocks bring the rate, and so the bound, back down to the floor.
        for second in 12...40 { gate.noteCommitted(0, nowMs: UInt64(second) * 1_000) }
        #expect(gate.pendingBound == 100)
    }

    @Test("submissions being admitted at once are bounded, and every slot comes back")
    func admittingBound() {
        let gate = AdmissionGate(limits: .init(minPending: 1_000, pendingSeconds: 0, maxAdmitting: 2))
        #expect(gate.enter(pending: 0) == nil)
        #expect(gate.enter(pending: 0) == nil)
        #expect(gate.enter(pending: 0) != nil)
        gate.leave()
        #expect(gate.enter(pending: 0) == nil)
        gate.leave()
        gate.leave()
        #expect(gate.admitting == 0)
    }

    @Test("attack: hostile rates and counts neither trap nor overflow")
    func hostileValues() {
        let gate = AdmissionGate(limits: .init(minPending: 1, pendingSeconds: 1e300, maxAdmitting: 1))
        gate.noteCommitted(0, nowMs: UInt64.max - 5_000)
        gate.noteCommitted(Int.max, nowMs: UInt64.max - 4_000)  // a rate of ~9e18/s
        gate.noteCommitted(Int.max, nowMs: UInt64.max - 3_999)
        gate.noteCommitted(Int.max, nowMs: UInt64.max)  // the window's count saturates
        gate.noteCommitted(1, nowMs: 0)  // time going backwards starts a new window
        #expect(gate.pendingBound == 1_000_000_000_000)
        #expect(gate.enter(pending: Int.max) != nil)
        #expect(gate.enter(pending: 0) == nil)
        #expect(gate.enter(pending: 0) != nil)  // one slot only
        gate.leave()
        #expect(gate.admitting == 0)
    }

    /// A single node with no consensus running (what is admitted stays pending) and an
    /// admission bound of 2 pending transactions, its API on a free port.
    static func withBusyNode(
        _ label: String, _ body: @Sendable (NodeRuntime, SigningKey, Int) async throws -> Void
    ) async throws {
        let path = temporaryDirectory(label)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = SigningKey.deterministic(label: "solo")
        let soloConsensus = SigningKey.deterministic(label: "solo-consensus")
        let genesis = Solo.genesis(chainID: "solo", consensus: soloConsensus, organisation: key)
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        let runtime = try NodeRuntime(
            genesis: genesis, keys: try Solo.keys(consensus: soloConsensus, organisation: key), databasePath: path + "/db", mempoolLimits: .init(),
            admissionLimits: .init(minPending: 2, pendingSeconds: 0, maxAdmitting: 8),
            transport: nil, threadPool: pool, logger: Logger(label: label))
        try await APIErrorTests.withAPI(runtime: runtime) { port in try await body(runtime, key, port) }
        try await pool.shutdownGracefully()
    }

    /// POSTs a transaction's canonical bytes, as a department's tool would.
    static func post(_ tx: Transaction, port: Int) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/transactions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .bytes(ByteBuffer(bytes: tx.canonicalBytes))
        return try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    }

    @Test("a node at its bound answers 429 busy with Retry-After and admits nothing more")
    func apiAnswersBusy() async throws {
        try await Self.withBusyNode("admission") { runtime, key, port in
            var answers: [(status: UInt, retryAfter: String?, code: String?)] = []
            for index in 1...3 {
                let tx = RuntimeTests.billIssue(index, signer: key, chainID: "solo")
                let response = try await Self.post(tx, port: port)
                let body = try await response.body.collect(upTo: 1 << 20)
                struct Envelope: Decodable {
                    struct Inner: Decodable { let code: String }
                    let error: Inner?
                }
                let code = (try? JSONDecoder().decode(Envelope.self, from: Data(buffer: body)))?.error?.code
                answers.append((response.status.code, response.headers.first(name: "Retry-After"), code))
            }
            #expect(answers[0].status == 202 && answers[1].status == 202, "\(answers)")
            #expect(answers[2].status == 429 && answers[2].code == "busy", "\(answers)")
            let retryAfter = try #require(answers[2].retryAfter.flatMap { Int($0) })
            #expect(retryAfter >= 1)
            #expect(runtime.mempool.count == 2)
            #expect(runtime.admission.admitting == 0)
        }
    }

    @Test("the client waits out 429 busy (Retry-After) and submits again once the node has room")
    func clientRetriesBusy() async throws {
        try await Self.withBusyNode("admission-client") { runtime, key, port in
            let client = try GovChainClient(
                endpoints: ["http://127.0.0.1:\(port)"], chainID: "solo", signer: key, http: HTTPClient.shared)
            let waiting = (1...2).map { RuntimeTests.billIssue($0, signer: key, chainID: "solo") }
            for tx in waiting { #expect(try await Self.post(tx, port: port).status.code == 202) }
            let third = RuntimeTests.billIssue(3, signer: key, chainID: "solo")
            let submission = Task { () async -> ClientError? in
                do {
                    _ = try await client.submit(third, deadline: .seconds(5))
                    return nil
                } catch { return error as? ClientError }
            }
            // The first attempt meets 429 busy; room is made while the client waits.
            try await Task.sleep(for: .milliseconds(400))
            #expect(!runtime.mempool.contains(third.id))
            runtime.mempool.removeCommitted(waiting.map(\.id), height: 1)
            let outcome = await submission.value
            // Admitted on the retry; with no consensus it is never committed, so the wait ends.
            #expect(runtime.mempool.contains(third.id), "\(String(describing: outcome))")
            guard case .timeout = outcome else {
                Issue.record("expected the accepted transaction to time out uncommitted, got \(String(describing: outcome))")
                return
            }
        }
    }
}
