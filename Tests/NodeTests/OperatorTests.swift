import Foundation
import Testing

@testable import Ledger
@testable import Node

// Setup: config.toml files written to a temporary directory and loaded by the node's own
// loader; the built `govchain-node` binary run as a process on a stopped node's directory.

@Suite("Operator input: config.toml and the govchain-node CLI")
struct OperatorTests {
    static func config(
        frame: String = "16777216", body: String = "1048576", maxTransactions: String = "50000",
        admission: String = ""
    ) -> String {
        """
        database = 'db'
        genesis = 'genesis.json'
        consensus_key = 'consensus.key'
        network_key = 'network.key'
        log_level = 'info'

        [api]
        listen = '127.0.0.1:8600'
        max_body_bytes = \(body)

        [mempool]
        max_transactions = \(maxTransactions)
        max_bytes = 67108864
        max_per_sender = 10000
        \(admission)

        [p2p]
        listen = '127.0.0.1:26600'
        max_frame_bytes = \(frame)
        """
    }

    static func load(_ text: String) throws -> NodeConfiguration {
        let directory = temporaryDirectory("config")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try text.write(toFile: directory + "/config.toml", atomically: true, encoding: .utf8)
        return try NodeConfiguration.load(from: directory + "/config.toml")
    }

    @Test(
        "attack: config values the node would trap on are refused at load, naming the key"
    )
    func outOfRangeConfigIsRefused() throws {
        #expect(try Self.load(Self.config()).p2p.maxFrameBytes == 16 << 20)
        for (text, key) in [
            (Self.config(frame: "0"), "p2p.max_frame_bytes"),
            (Self.config(frame: "-5"), "p2p.max_frame_bytes"),
            (Self.config(frame: "9223372036854775807"), "p2p.max_frame_bytes"),
            (Self.config(body: "-1"), "api.max_body_bytes"),
            (Self.config(maxTransactions: "0"), "mempool.max_transactions"),
            (Self.config(admission: "min_pending = 0"), "mempool.min_pending"),
            (Self.config(admission: "max_admitting = -3"), "mempool.max_admitting"),
            (Self.config(admission: "pending_seconds = -1.0"), "mempool.pending_seconds"),
        ] {
            #expect(throws: ConfigurationError.self, "\(key)") { try Self.load(text) }
            do { _ = try Self.load(text) } catch let error as ConfigurationError {
                #expect(error.key == key)
            }
        }
    }

    @Test("the admission gate's limits come from [mempool], with defaults when absent")
    func admissionLimitsFromConfig() throws {
        #expect(try Self.load(Self.config()).mempool.admission == AdmissionGate.Limits())
        let set = try Self.load(Self.config(admission: "min_pending = 7\npending_seconds = 1.5\nmax_admitting = 9"))
        #expect(set.mempool.admission == AdmissionGate.Limits(minPending: 7, pendingSeconds: 1.5, maxAdmitting: 9))
    }

    @Test("a frame limit that cannot carry genesis's largest block is refused before start")
    func frameLimitMustCarryLargestBlock() throws {
        var configuration = try Self.load(Self.config())
        let parameters = ConsensusParameters()
        #expect(configuration.frameLimitProblem(for: parameters, validators: 4) == nil)
        configuration.p2p.maxFrameBytes = 1 << 20
        #expect(configuration.frameLimitProblem(for: parameters, validators: 4) != nil)
    }

    /// Runs the built `govchain-node` with `arguments`.
    static func node(
        _ arguments: [String]
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtExecutable("govchain-node"))
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self),
            String(decoding: stderr, as: UTF8.self)
        )
    }

    @Test("status --json on a stopped node prints JSON with an error field and exits non-zero")
    func statusJSONWhenStopped() throws {
        let directory = temporaryDirectory("status")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Port 1: nothing listens there, so no other engineer's node on 8600 can answer.
        let initialised = try Self.node([
            "init", "--data-dir", directory, "--api-listen", "127.0.0.1:1",
        ])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let stopped = try Self.node(["status", "--data-dir", directory, "--json"])
        #expect(stopped.status != 0)
        let object =
            try JSONSerialization.jsonObject(with: Data(stopped.stdout.utf8)) as? [String: Any]
        #expect(object?["error"] is String, "\(stopped.stdout)")
        #expect(object?["running"] as? Bool == false)
        #expect(object?["height"] as? Int == 0)
        // Without a data directory at all: still JSON, still non-zero.
        let missing = try Self.node(["status", "--data-dir", directory + "/nowhere", "--json"])
        #expect(missing.status != 0)
        let error =
            try JSONSerialization.jsonObject(with: Data(missing.stdout.utf8)) as? [String: Any]
        #expect(error?["error"] is String, "\(missing.stdout)")
        // The text form is unchanged and still succeeds.
        let text = try Self.node(["status", "--data-dir", directory])
        #expect(text.status == 0 && text.stdout.contains("not running"))
    }
}
