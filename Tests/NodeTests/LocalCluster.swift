import AsyncHTTPClient
import Client
import GovChainAPI
import Contracts
import Foundation
import KeyFiles
import Ledger
import Node

/// Real node processes on loopback, for end-to-end tests: a devnet made by
/// `govchain-node genesis devnet`, nodes started with `govchain-node start`, killed with
/// SIGKILL or stopped with SIGTERM, wiped and restarted.
final class LocalCluster: @unchecked Sendable {
    let directory: String
    let count: Int
    let p2pBase: Int
    let apiBase: Int
    private var processes: [Int: Process] = [:]
    private let lock = NSLock()
    /// Set by `serveTLS()`: the CA of the nodes' API certificates, and an HTTP client that
    /// trusts it alone (shut down by `shutdown()`).
    private var tls: (caFile: String, http: HTTPClient)?

    /// - Parameters:
    ///   - slot: distinct per test, so clusters never share ports.
    ///   - suite: the chain's crypto suite; by default `LocalCluster.processSuite`.
    init(nodes count: Int = 4, slot: Int, suite: String? = nil) throws {
        let suite = suite ?? Self.processSuite
        if suite == Self.processSuite {
            // This process talks to the cluster with the Client library: it hashes and
            // signs under the cluster's suite (a no-op for the default ed25519-sha256).
            try CryptoSuite.activate(CryptoSuite(genesisName: suite))
        }
        self.count = count
        directory = temporaryDirectory("cluster\(slot)")
        p2pBase = 27_000 + slot * 20
        apiBase = 29_000 + slot * 20
        try Self.run(builtExecutable("govchain-node"), [
            "genesis", "devnet", "--validators", "\(count)", "--out", directory,
            "--template", Self.repositoryRoot + "/genesis/devnet.template.json",
            "--p2p-base-port", "\(p2pBase)", "--api-base-port", "\(apiBase)", "--suite", suite,
        ])
    }

    /// The suite this test process serves: ed25519-sha256, or GOVCHAIN_TEST_SUITE (`make
    /// test` runs the domain-flow suites once more with sm2-sm3). One process holds one suite
    /// (Ledger's CryptoSuite), so a cluster of another suite is driven through the built
    /// binaries and HTTP only.
    static let processSuite =
        ProcessInfo.processInfo.environment["GOVCHAIN_TEST_SUITE"]
        ?? CryptoSuite.ed25519SHA256.rawValue

    /// The signature algorithm of `processSuite` (`govchain keygen --suite`).
    static var processAlgorithm: String {
        let suite = (try? CryptoSuite(genesisName: processSuite)) ?? .ed25519SHA256
        return suite.signatureAlgorithm.rawValue
    }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    var chainID: String { (try? GenesisFile.read(from: directory + "/genesis.json").chainID) ?? "" }
    func url(_ index: Int) -> String {
        "\(lock.withLock { tls } == nil ? "http" : "https")://127.0.0.1:\(apiBase + index)"
    }
    var caFile: String? { lock.withLock { tls?.caFile } }
    var http: HTTPClient { lock.withLock { tls?.http } ?? GovChainClient.failFastHTTPClient }

    /// Makes every node's API HTTPS-only with certificates of a fresh CA, made by
    /// deploy/tls-certs.sh as `make run` does; call before starting the nodes. The cluster's
    /// clients then check the nodes against that CA alone.
    func serveTLS() throws {
        let directory = self.directory + "/tls"
        try Self.run("/bin/bash", [Self.repositoryRoot + "/deploy/tls-certs.sh", directory] + (0..<count).map { "node\($0)" })
        for index in 0..<count {
            try editConfiguration(index) {
                $0.replacingOccurrences(
                    of: "[api]\n",
                    with: "[api]\ntls_certificate = '\(directory)/node\(index).pem'\ntls_key = '\(directory)/node\(index).key'\n")
            }
        }
        let http = try GovChainClient.makeHTTPClient(caFile: directory + "/ca.pem")
        lock.withLock { tls = (directory + "/ca.pem", http) }
    }

    /// Rewrites node `index`'s config.toml with `edit`.
    func editConfiguration(_ index: Int, _ edit: (String) -> String) throws {
        let path = dataDirectory(index) + "/config.toml"
        try edit(String(contentsOfFile: path, encoding: .utf8)).write(toFile: path, atomically: true, encoding: .utf8)
    }
    var urls: [String] { (0..<count).map(url) }
    func dataDirectory(_ index: Int) -> String { "\(directory)/node\(index)" }

    /// - Parameter extra: more `start` arguments (e.g. `--state-sync`).
    func start(_ index: Int, extra: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtExecutable("govchain-node"))
        process.arguments = ["start", "--data-dir", dataDirectory(index)] + extra
        let log = dataDirectory(index) + "/node.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)!
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock { processes[index] = process }
    }

    /// Starts every node and returns once each one's API answers (clients fail fast on a node
    /// that is not listening yet, so tests must not race the start-up).
    func startAll() async throws {
        for index in 0..<count { try start(index) }
        for index in 0..<count {
            let ready = await eventually(seconds: 30) { await self.height(index) != nil }
            guard ready else { throw StorageError("node \(index) did not start; see \(dataDirectory(index))/node.log") }
        }
    }

    func kill(_ index: Int) {
        guard let process = lock.withLock({ processes.removeValue(forKey: index) }) else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// How a node stopped with SIGTERM ended.
    enum StopOutcome: Equatable, CustomStringConvertible {
        /// It exited by itself with this status.
        case exited(Int32)
        /// A signal ended it (a crash: SIGSEGV, SIGABRT...).
        case signalled(Int32)
        /// It was still running after the grace period and was killed with SIGKILL.
        case timedOut
        /// It was not running.
        case notRunning

        var description: String {
            switch self {
            case let .exited(status): "exit status \(status)"
            case let .signalled(signal): "killed by signal \(signal)"
            case .timedOut: "no exit within the grace period (SIGKILL)"
            case .notRunning: "not running"
            }
        }
    }

    /// SIGTERM, then up to 15 s for a graceful exit (SIGKILL after that).
    /// - Returns: whether the node exited by itself in time.
    @discardableResult
    func stop(_ index: Int) -> Bool {
        switch terminate(index) {
        case .exited, .signalled, .notRunning: true
        case .timedOut: false
        }
    }

    /// SIGTERM, then up to `graceSeconds` for the node to exit (SIGKILL after that).
    /// - Returns: how it ended (a graceful stop is `.exited(0)`).
    func terminate(_ index: Int, graceSeconds: Double = 15) -> StopOutcome {
        guard let process = lock.withLock({ processes.removeValue(forKey: index) }) else {
            return .notRunning
        }
        process.terminate()
        let deadline = Date().addingTimeInterval(graceSeconds)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        guard !process.isRunning else {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return .timedOut
        }
        return process.terminationReason == .exit
            ? .exited(process.terminationStatus) : .signalled(process.terminationStatus)
    }

    func isRunning(_ index: Int) -> Bool { lock.withLock { processes[index]?.isRunning ?? false } }

    func wipe(_ index: Int) throws {
        try FileManager.default.removeItem(atPath: dataDirectory(index) + "/db")
    }

    /// Stops every node gracefully and removes the cluster's files.
    /// - Returns: whether every node exited by itself on SIGTERM.
    @discardableResult
    func shutdown() -> Bool {
        var graceful = true
        for index in 0..<count where !stop(index) { graceful = false }
        try? lock.withLock { tls }?.http.syncShutdown()
        try? FileManager.default.removeItem(atPath: directory)
        return graceful
    }

    func client(_ keyName: String, nodes: [Int]? = nil) throws -> GovChainClient {
        try GovChainClient(
            endpoints: (nodes ?? Array(0..<count)).map(url), chainID: chainID,
            signer: KeyFile.read(from: "\(directory)/keys/\(keyName).key"), http: http)
    }

    func readClient(_ index: Int) throws -> GovChainClient {
        try GovChainClient(endpoints: [url(index)], chainID: chainID, signer: nil, http: http)
    }

    /// Height of a node, or nil when its API does not answer.
    func height(_ index: Int) async -> UInt64? {
        try? await readClient(index).status().height
    }

    /// Polls until `condition` holds or `seconds` pass; true when it held.
    func eventually(seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return await condition()
    }

    /// Block hash at `height` as node `index` reports it.
    func blockHash(_ index: Int, height: UInt64) async -> String? {
        try? await readClient(index).block(height: height)?.hash
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StorageError("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}

/// Bill-issue calls, each for a fresh bill: a realistic write that always succeeds.
enum Workload {
    static func billIssue(_ index: Int, run: String) -> ContractCall {
        let serial = String(format: "%010d", index)
        return .bill(.issue(BillIssue(
            // A stand-in check digest: these bills are never verified, and an Argon2id
            // per bill (0.1 s) would slow every end-to-end test that issues many.
            number: .medical(code: "36012026", number: serial),
            checkDigest: SHA256.hash(Array("e2e check \(index)".utf8)),
            issuedAtMs: 1_790_000_000_000, totalFen: UInt64(1_000 + index), categories: nil,
            payer: HolderCommitment.make(
                pepper: Array("e2e".utf8), idNumber: "\(run)-\(index)", context: .bills))))
    }
}
