import Client
import GovChainAPI
import Foundation
import Testing

// Setup: a 4-validator sm2-sm3 devnet (LocalCluster slot 17, real processes on loopback),
// driven only through the built `govchain` binary and HTTP, so it runs in a test process of
// either suite (one process holds one suite: Ledger's CryptoSuite). The domain flow runs as
// `govchain demo` (licence issue, authorisation, use, a medical e-bill, two insurers racing
// at two nodes), the auditor's walk as `govchain audit verify-chain --reexecute` from the
// genesis file. `make test` also runs the library's domain-flow suites (ClientCLITests,
// VerifiedClientTests) once more in a process of suite sm2-sm3 (GOVCHAIN_TEST_SUITE).

extension EndToEnd {
@Suite("An sm2-sm3 chain end to end (real processes)", .serialized)
struct NationalCryptoEndToEndTests {
    typealias CLI = ClientCLITests

    @Test("sm2-sm3 devnet: SM2 keys, the demo's domain flow, verify-chain --reexecute, one chain")
    func sm2Devnet() async throws {
        let cluster = try LocalCluster(slot: 17, suite: "sm2-sm3")
        try await cluster.startAll()
        defer { _ = cluster.shutdown() }

        // Every key file is SM2, mode 0600; every node key is a compressed SM2 point.
        let keys = try FileManager.default.contentsOfDirectory(atPath: cluster.directory + "/keys")
        #expect(keys.count >= 8)
        let paths =
            keys.map { cluster.directory + "/keys/" + $0 }
            + ["consensus", "network", "evidence"].map { cluster.dataDirectory(0) + "/\($0).key" }
        for path in paths {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix("govchain-sm2-secret:"), "\(path)")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect(attributes[.posixPermissions] as? Int == 0o600, "\(path)")
        }
        let status = try await cluster.readClient(0).status()
        #expect(status.cryptoSuite == "sm2-sm3")
        #expect(status.sm2UserID == "1234567812345678")
        #expect(status.nodeID.count == 66)
        #expect(status.nodeID.hasPrefix("02") || status.nodeID.hasPrefix("03"))

        let nodes = cluster.urls.flatMap { ["--node", $0] }
        let demo = try CLI.govchain(["demo", "--localnet", cluster.directory] + nodes)
        let output = String(decoding: demo.stdout, as: UTF8.self)
        #expect(demo.status == 0, "demo failed: \(output)\n\(demo.stderr)")
        #expect(output.contains("(sm2-sm3)"))
        #expect(output.contains("3. housing-fund used the licence under that grant"))
        // The race: exactly one insurer's claim of the whole amount succeeds; nothing is left.
        #expect(output.contains(": 0 fen left, 1 claim(s) on chain"), "\(output)")

        guard let tip = await cluster.height(0) else {
            Issue.record("node 0 stopped answering")
            return
        }
        let audit = try CLI.govchain([
            "--node", cluster.url(1), "--json", "audit", "verify-chain",
            "--genesis", cluster.directory + "/genesis.json", "--reexecute",
        ])
        #expect(audit.status == 0, "verify-chain failed: \(audit.stderr)")
        struct Summary: Decodable {
            let verified: Bool
            let blocks: UInt64
            let transactions: Int
            let reexecutedThrough: UInt64?
        }
        let summary = try audit.decode(Summary.self)
        #expect(summary.verified)
        #expect(summary.blocks >= tip)
        #expect(summary.transactions >= 6)
        #expect((summary.reexecutedThrough ?? 0) >= tip - 1)

        // Agreement: every node reports the same block hash at every height up to the tip.
        #expect(await cluster.eventually(seconds: 20) {
            for index in 0..<4 {
                guard let height = await cluster.height(index), height >= tip else { return false }
            }
            return true
        })
        for height in 1...tip {
            let hashes = await (0..<4).asyncMap { await cluster.blockHash($0, height: height) }
            #expect(!hashes.contains(nil), "height \(height): \(hashes)")
            #expect(Set(hashes.compactMap { $0 }).count == 1, "height \(height): \(hashes)")
        }

        // A key of the other suite is refused before anything is sent.
        let edKey = cluster.directory + "/ed25519.key"
        _ = try CLI.govchain(["keygen", "--out", edKey])
        let refused = try CLI.govchain([
            "--node", cluster.url(0), "--key", edKey, "claim", "settle", "--claim-id", "x",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cannot sign for a sm2-sm3 chain"), "\(refused.stderr)")

        // No secret reaches a log.
        let node = cluster.dataDirectory(0)
        let secret = try String(contentsOfFile: node + "/consensus.key", encoding: .utf8)
            .dropFirst("govchain-sm2-secret:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        let log = try String(contentsOfFile: node + "/node.log", encoding: .utf8)
        #expect(!log.contains(secret))

        // A stopped node's store reads back offline: the stored genesis fixes the suite first.
        #expect(cluster.stop(3))
        for command in ["status", "verify-db"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: builtExecutable("govchain-node"))
            process.arguments = [command, "--data-dir", cluster.dataDirectory(3)]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(command): \(text)")
        }
    }

    @Test("the simulator runs an sm2-sm3 chain over the real executor, one Byzantine validator")
    func sm2Simulation() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtExecutable("govchain-node"))
        process.arguments = [
            "simulate", "--suite", "sm2-sm3", "--seeds", "2", "--byzantine", "1",
            "--adversary", "all",
        ]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("seeds=2 safety_violations=0 liveness_failures=0"), "\(output)")
        let blocks = output.split(separator: " ").first { $0.hasPrefix("blocks=") }
            .flatMap { Int($0.dropFirst("blocks=".count)) } ?? 0
        #expect(blocks > 0, "\(output)")
    }
}
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        for element in self { results.append(await transform(element)) }
        return results
    }
}
