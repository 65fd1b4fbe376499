import ArgumentParser
import Benchmarks
import Foundation
import KeyFiles
import Ledger

/// `govchain bench`: the open-loop load generator (`run`, the default) and this machine's
/// ceiling (`ceiling`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and latency against a cluster, and this machine's ceiling.",
        subcommands: [BenchLoadCommand.self, BenchCeilingCommand.self],
        defaultSubcommand: BenchLoadCommand.self)

    static func jsonLine(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// `govchain bench [run]`: open-loop load (CometBFT's and Caliper's method).
struct BenchLoadCommand: AsyncParsableCommand, ConnectedCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Open-loop load against a cluster: offered and committed TPS, latency, refusals.",
        discussion: """
            Open loop: transactions are signed before the clock starts and sent on schedule \
            whatever the answers; each is timed from submission to the node's commit \
            acknowledgement (POST /v1/transactions?wait=true). Build with -c release.
            Example: govchain bench --rate 1000 --duration 30
            """)

    /// --node (repeat: load is spread over all; default the 4 local devnet nodes) and --json
    /// come from the shared connection options, which the root command also parses.
    @OptionGroup var connection: ConnectionOptions
    var node: [String] { connection.node.isEmpty ? (0..<4).map { "http://127.0.0.1:\(8600 + $0)" } : connection.node }
    var json: Bool { connection.json }
    @Option(name: .long, help: "Offered transactions per second (the mix's queries come on top).")
    var rate: Double = 500
    @Option(name: .long, help: "Seconds of load (per step with --find-saturation).")
    var duration: Double = 30
    @Option(name: .long, help: "Seconds at the start left out of the figures.")
    var warmup: Double = 2
    @Option(
        name: .long,
        help:
            "Weights, e.g. bill=25,claim=25,use=25,grant=10,verify=15 (the default mix)."
    )
    var mix: String = "government"
    @Option(name: .long, help: "Directory of the organisations' key files.")
    var keysDir = ".localnet/keys"
    @Option(name: .long, help: "The chain's genesis.json (default: next to the keys directory).")
    var genesis: String?
    @Option(
        name: .long,
        help: "Requests in flight at most; a request due beyond it is dropped and counted.")
    var maxInFlight = 4_096
    @Option(name: .long, help: "Licences (with grants) and bills made in the setup phase.")
    var setupCount = 64
    @Option(
        name: .long, help: "How long a node holds a wait=true request before answering 202 pending."
    )
    var waitTimeoutMs = 10_000
    @Flag(
        name: .long,
        help: "Step the rate up until committed throughput stops following offered load.")
    var findSaturation = false
    @Option(name: .long, help: "First rate of the saturation search.")
    var startRate: Double = 250
    @Option(name: .long, help: "Growth factor between saturation steps.")
    var growth: Double = 1.5
    @Option(
        name: .long,
        help: """
            A node process on this machine (repeat for each): its CPU and VmRSS from /proc are \
            reported per run (cpu_us_per_tx, max_rss_mib).
            """)
    var watchPid: [Int32] = []

    func validate() throws {
        guard !node.isEmpty else { throw ValidationError("give at least one --node") }
        guard rate > 0, duration > 0, warmup >= 0, warmup < duration else {
            throw ValidationError(
                "--rate and --duration must be positive, and --warmup below --duration")
        }
        guard watchPid.allSatisfy({ $0 > 0 }) else { throw ValidationError("--watch-pid must be positive") }
        guard maxInFlight > 0, setupCount > 0, startRate > 0, growth > 1 else {
            throw ValidationError(
                "--max-in-flight, --setup-count, --start-rate must be positive, --growth above 1")
        }
        _ = try parsedMix()
    }

    func parsedMix() throws -> Mix {
        do { return try Mix.parse(mix) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let mix = try parsedMix()
        let genesisPath =
            genesis
            ?? (URL(fileURLWithPath: keysDir).deletingLastPathComponent().path + "/genesis.json")
        let chainID = try DemoCommand.chainID(genesisPath: genesisPath)
        let organisations = try loadOrganisations()
        let sender = Sender(
            nodes: node, connectionsPerNode: maxInFlight, waitTimeoutMs: waitTimeoutMs)
        let quiet = json
        let log: @Sendable (String) -> Void = { line in
            if !quiet {
                print(line)
            } else {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        do {
            log("setup: \(setupCount) licences, grants and bills on chain \(chainID)...")
            let workload = try await Workload.prepare(
                chainID: chainID, organisations: organisations, sender: sender,
                setupCount: setupCount)
            let generator = LoadGenerator(sender: sender, watch: ProcessWatch(pids: watchPid))
            let output: [String: Any]
            if findSaturation {
                let search = SaturationSearch(
                    startRate: startRate, growth: growth, stepSeconds: duration,
                    warmupSeconds: warmup,
                    maxInFlight: maxInFlight)
                let result = await search.run(
                    generator: generator, mix: mix, workload: workload, log: log)
                log(
                    "saturation: \(Int(result.saturationTPS)) tx/s committed at "
                        + "\(Int(result.saturationRate)) tx/s offered"
                )
                output = result.json
            } else {
                let plan = LoadPlan(
                    rate: rate, durationSeconds: duration, warmupSeconds: warmup,
                    maxInFlight: maxInFlight)
                log("load: \(Int(rate)) tx/s for \(duration) s, mix \(mix), \(node.count) nodes")
                let report = await generator.run(plan: plan, mix: mix, workload: workload)
                log(report.summary)
                output = report.json
            }
            if json { print(try BenchCommand.jsonLine(output)) }
        } catch {
            await sender.shutdown()
            throw error
        }
        await sender.shutdown()
    }

    func loadOrganisations() throws -> Organisations {
        func key(_ name: String) throws -> SigningKey {
            try KeyFile.read(from: "\(keysDir)/\(name).key")
        }
        return Organisations(
            police: try key("public-security"), identity: try key("identity-provider"),
            housing: try key("housing-fund"), hospital: try key("peoples-hospital"),
            insurer: try key("medical-insurance"))
    }
}

/// `govchain bench ceiling`: this machine's bounds, measured now.
struct BenchCeilingCommand: ParsableCommand, ConnectedCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling",
        abstract:
            "Measure Ed25519 and SM2 verify/s, SHA-256 and SM3 MB/s, synced RocksDB batches/s; "
            + "derive the ceiling.",
        discussion: """
            Every validator verifies every transaction once, and all n validators share these \
            cores: ceiling TPS = verifications per second of the suite's signature on all \
            cores / n. Both suites are measured; ceiling_tps is the suite's: --suite, else the \
            chain's when --node is given, else ed25519-sha256.
            Example: govchain bench ceiling --suite sm2-sm3 --json
            """)

    @Option(name: .long, help: "Validators sharing this machine (n).") var validators = 4
    @Option(name: .long, help: "Seconds per measurement.") var seconds: Double = 2
    @Option(name: .long, help: "Directory for the RocksDB measurement (on the disk the nodes use).")
    var directory = ".localnet/bench"
    @Option(name: .long, help: "The suite the ceiling is derived for: ed25519-sha256 or sm2-sm3.")
    var suite: String?
    @OptionGroup var connection: ConnectionOptions
    var json: Bool { connection.json }

    func validate() throws {
        _ = try suite.map(parseSuite)
        guard validators > 0, seconds > 0 else {
            throw ValidationError("--validators and --seconds must be positive")
        }
    }

    func run() throws {
        // With --node the chain's suite is active already (GovChainCLI.main asked the node).
        let report = try Ceiling.measure(
            validators: validators, seconds: seconds, directory: directory,
            suite: try suite.map(parseSuite) ?? CryptoSuite.active)
        if json {
            print(try BenchCommand.jsonLine(report.json))
        } else {
            for (key, value) in report.json.sorted(by: { $0.key < $1.key }) {
                print(key.padding(toLength: 34, withPad: " ", startingAt: 0), value)
            }
        }
    }
}
