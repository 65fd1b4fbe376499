import AsyncHTTPClient
import Client
import GovChainAPI
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import ServiceLifecycle
import Logging
import Testing
@testable import Contracts
@testable import Ledger
@testable import Node

// Setup: a real 4-node cluster, and a fake node in this process that relays to a real one
// but tampers with what it relays. The client trusts only genesis.

/// A node that lies: it relays every GET to `upstream`, then corrupts the answer.
struct LyingNode {
    enum Lie: Sendable {
        case certificateSignature, stateProof, stateValue, txProof, receiptProof
        /// A record as a query route renders it (a bill's `total_fen` plus one): no proof covers it.
        case recordView
    }

    static func start(upstream: String, port: Int, lie: Lie) async throws -> @Sendable () async -> Void {
        let router = Router()
        router.get("**") { request, _ -> Response in
            var relay = HTTPClientRequest(url: upstream + request.uri.description)
            relay.method = .GET
            let response = try await HTTPClient.shared.execute(relay, timeout: .seconds(10))
            var body = Data(buffer: try await response.body.collect(upTo: 16 << 20))
            if var json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
                tamper(&json, lie: lie)
                body = try JSONSerialization.data(withJSONObject: json)
            }
            return Response(status: .init(code: Int(response.status.code)), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        // Stopped gracefully: cancelling the server can drop a child channel it accepted but
        // had not yet served, which NIO treats as a fatal error in this test process.
        let services = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "lying-node")))
        let task = Task { try await services.run() }
        try await Task.sleep(for: .milliseconds(500))
        return {
            await services.triggerGracefulShutdown()
            _ = await task.result
        }
    }

    static func tamper(_ json: inout [String: Any], lie: Lie) {
        // A record route's `?prove=true` answer nests its state proof under "proof".
        if var proof = json["proof"] as? [String: Any] {
            tamper(&proof, lie: lie)
            json["proof"] = proof
        }
        switch lie {
        case .certificateSignature:
            guard let hex = json["certified_block_hex"] as? String, var bytes = Hex.decode(hex) else { return }
            bytes[bytes.count - 5] ^= 0x01  // inside the last signature of the certificate
            json["certified_block_hex"] = Hex.encode(bytes)
        case .stateProof:
            guard let hex = json["proof_hex"] as? String, var bytes = Hex.decode(hex), bytes.count > 10 else { return }
            bytes[6] ^= 0x01  // inside the first sibling hash
            json["proof_hex"] = Hex.encode(bytes)
        case .stateValue:
            guard let hex = json["value_hex"] as? String, var bytes = Hex.decode(hex), !bytes.isEmpty else { return }
            bytes[bytes.count - 1] ^= 0x01
            json["value_hex"] = Hex.encode(bytes)
        case .txProof, .receiptProof:
            // The last byte: inside the last sibling hash, or the sibling count of a
            // one-transaction block.
            let field = lie == .txProof ? "tx_proof_hex" : "receipt_proof_hex"
            guard let hex = json[field] as? String, var bytes = Hex.decode(hex), !bytes.isEmpty else { return }
            bytes[bytes.count - 1] ^= 0x01
            json[field] = Hex.encode(bytes)
        case .recordView:
            guard var record = json["record"] as? [String: Any],
                let total = (record["total_fen"] as? NSNumber)?.uint64Value
            else { return }
            record["total_fen"] = total + 1
            json["record"] = record
        }
    }
}

extension EndToEnd {
@Suite("Client verification against a real cluster and a lying node", .serialized)
struct VerifiedClientTests {
    @Test("receipts, bills (present and absent) and the whole chain verify from genesis; events stream in")
    func verifiedReads() async throws {
        let cluster = try LocalCluster(slot: 7)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let trust = try TrustRoot(genesisFile: cluster.directory + "/genesis.json")
        let hospital = try cluster.client("peoples-hospital")
        let events = hospital.events(contract: "bill", type: "issued")
        // Subscribe before the bill exists: read the stream in a child task from now on.
        let firstEvent = Task { () -> CommittedEventInfo? in
            for try await event in events { return event }
            return nil
        }
        try await Task.sleep(for: .seconds(1))
        let receipt = try await hospital.submit(Workload.billIssue(42, run: "verified"))
        let reader = try VerifiedReader(client: try cluster.readClient(2), trust: trust)
        // The receipt's proof needs the next block's header: wait for it.
        let next = await cluster.eventually(seconds: 10) { (await cluster.height(2) ?? 0) > receipt.height + 1 }
        #expect(next)
        let proven = try await reader.receipt(receipt.txID)
        #expect(proven.receipt.isSuccess && proven.height == receipt.height)
        let billID = "M36012026" + String(format: "%010d", 42)
        let (bill, height) = try await reader.bill(billID)
        #expect(bill?.totalFen == 1_042 && bill?.leftFen == 1_042 && height >= receipt.height)
        let (absent, _) = try await reader.bill("M360120269999999999")
        #expect(absent == nil, "absence must be proven, not assumed")
        let audit = try await ChainAuditor(reader: reader).verifyChain(reexecute: true)
        #expect(audit.blocksVerified >= receipt.height + 1 && audit.transactions >= 1)
        let received = try await withTimeout(seconds: 10) { try await firstEvent.value }
        #expect(received?.event["bill"] == billID)
        // The same audit from the command line, as an auditor runs it.
        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: builtExecutable("govchain"))
        cli.arguments = ["--node", cluster.url(1), "audit", "verify-chain", "--genesis",
                         cluster.directory + "/genesis.json", "--reexecute", "--json"]
        let pipe = Pipe()
        cli.standardOutput = pipe
        try cli.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 0)
        #expect(String(decoding: output, as: UTF8.self).contains("\"verified\":true"))
        // A node with an open event stream still stops gracefully on SIGTERM.
        let events2 = hospital.events()
        let reader2 = Task { for try await _ in events2 {} }
        try await Task.sleep(for: .milliseconds(500))
        #expect(cluster.shutdown(), "a node did not exit on SIGTERM")
        reader2.cancel()
    }

    @Test("a forged certificate, a tampered proof or a tampered value from a lying node is rejected")
    func lyingNode() async throws {
        let cluster = try LocalCluster(slot: 8)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let trust = try TrustRoot(genesisFile: cluster.directory + "/genesis.json")
        let receipt = try await cluster.client("peoples-hospital").submit(Workload.billIssue(7, run: "lying"))
        let ready = await cluster.eventually(seconds: 10) { (await cluster.height(0) ?? 0) > receipt.height + 1 }
        #expect(ready)
        let billID = "M36012026" + String(format: "%010d", 7)
        for (offset, lie) in [LyingNode.Lie.certificateSignature, .stateProof, .stateValue].enumerated() {
            let port = cluster.apiBase + 10 + offset
            let stop = try await LyingNode.start(upstream: cluster.url(0), port: port, lie: lie)
            defer { Task { await stop() } }
            let liar = try GovChainClient(endpoints: ["http://127.0.0.1:\(port)"], chainID: trust.chainID, signer: nil)
            let reader = try VerifiedReader(client: liar, trust: trust)
            await #expect(throws: ClientError.self, "lie \(lie) was believed") {
                _ = try await reader.bill(billID, height: receipt.height)
            }
            await stop()
        }
        // The honest node passes the same checks.
        let honest = try VerifiedReader(client: try cluster.readClient(0), trust: trust)
        let (bill, _) = try await honest.bill(billID, height: receipt.height)
        #expect(bill != nil)
    }
}
}
