import ArgumentParser
import Ledger
import Foundation
import Consensus
import Simulation

/// `govchain-node simulate`: runs the deterministic consensus simulator over many seeds.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the deterministic consensus simulator.",
        discussion: """
            Runs production consensus replicas, each with the real executor and contracts over \
            an in-memory store and a client workload of real signed transactions, in one \
            process over a simulated network and clock, one run per seed, with the chosen \
            faults and Byzantine behaviours. Checks agreement, validity of every committed \
            transaction, state equality with a reference execution, certificate validity, \
            bounded consensus memory, bounded catch-up replies and liveness after healing. \
            Every failing seed prints the command that replays it. Exits non-zero on any \
            violation. Example: govchain-node simulate --seeds 10000 --byzantine 1 --adversary all
            """)

    @Option(help: "How many seeds to run.")
    var seeds: Int = 100

    @Option(help: "The first seed (the run uses seed, seed+1, ...).")
    var seed: UInt64 = 1

    @Option(help: "Validators (1...31).")
    var nodes: Int = 4

    @Option(help: "Byzantine validators, run as twins (more than f can break safety).")
    var byzantine: Int = 1

    @Option(help: "Faults: all, none, or a comma-separated list of network,partition,crash,twins,amnesia.")
    var faults: String = "all"

    @Option(help: ArgumentHelp(
        "What the Byzantine validators do: all, none, or a comma-separated list of "
            + Adversary.allCases.map(\.rawValue).joined(separator: ",") + "."))
    var adversary: String = "none"

    @Option(help: "Seeds run at once, one thread each (reports are the same, in seed order).")
    var jobs: Int = 1

    @Option(help: "Simulated milliseconds of the fault phase per seed.")
    var faultPhaseMs: UInt64 = 2_500

    @Flag(help: "Print one line per seed.")
    var verbose = false

    @Option(help: "Run N Twins scenarios (n=4, one twin) sampled by seed, not random faults.")
    var twinsScenarios: Int?

    @Option(help: "Slots (rounds) per Twins scenario, 1...4.")
    var twinsSlots: Int = 3

    @Option(help: "Break a rule on purpose (mutation testing): ignoreLock, unlockOnHigherRound.")
    var mutation: [String] = []

    @Option(
        help: ArgumentHelp(
            "Crypto suite of the simulated chain: ed25519-sha256 or sm2-sm3.",
            discussion: "SM2 signatures draw a random nonce (OpenSSL 3.0 has no deterministic "
                + "SM2 nonces), so an sm2-sm3 seed replays the same schedule of faults and "
                + "calls but not byte-identical signatures and block ids."))
    var suite = CryptoSuite.ed25519SHA256.rawValue

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1...64") }
        guard (1...31).contains(nodes) else { throw ValidationError("--nodes must be 1...31") }
        guard (0...nodes).contains(byzantine) else { throw ValidationError("--byzantine must be 0...nodes") }
        guard FaultSet(names: faults) != nil else { throw ValidationError("unknown fault in --faults \(faults)") }
        guard Adversary.parse(adversary) != nil else {
            throw ValidationError("unknown behaviour in --adversary \(adversary)")
        }
        for name in mutation where ConsensusMutation(rawValue: name) == nil {
            throw ValidationError("unknown --mutation \(name)")
        }
        guard (twinsScenarios ?? 1) >= 1 else {
            throw ValidationError("--twins-scenarios must be at least 1")
        }
        guard (1...4).contains(twinsSlots) else {
            throw ValidationError("--twins-slots must be 1...4")
        }
    }

    func run() throws {
        try CryptoSuite.activate(try parseSuite(suite))
        let mutations = Set(mutation.compactMap(ConsensusMutation.init(rawValue:)))
        if let twinsScenarios {
            try runTwins(count: twinsScenarios, mutations: mutations)
            return
        }
        var options = SimulationOptions(
            nodes: nodes, byzantine: byzantine, faults: FaultSet(names: faults) ?? .all,
            faultPhaseMs: faultPhaseMs, adversaries: Adversary.parse(adversary) ?? [])
        options.mutations = mutations
        let started = ContinuousClock.now
        let summary = Simulator.sweep(firstSeed: seed, count: seeds, options: options, jobs: jobs) { report in
            let problem = report.safetyViolation ?? report.livenessFailure ?? ""
            let kind = report.safetyViolation != nil ? "safety" : "liveness"
            print("seed \(report.seed): \(kind) failure: \(problem)")
            print("  replay: \(Simulator.replayCommand(seed: report.seed, options: options))")
        } onReport: { report in
            guard verbose else { return }
            let drops = report.drops.map { "\($0.reason)=\($0.count)" }.joined(separator: ",")
            print("seed \(report.seed): blocks=\(report.blocks) evidence=\(report.evidenceReported) "
                + "simulated_ms=\(report.simulatedMs) drops=[\(drops)]")
        }
        let elapsed = (ContinuousClock.now - started).components
        let seconds = max(0.001, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        // A trap would have killed this process before it printed anything: reaching this
        // line is what "traps=0" means.
        print(summary.summaryLine + " traps=0 seeds_per_second="
            + String(format: "%.1f", Double(summary.seeds) / seconds))
        if summary.safetyViolations != 0 || summary.livenessFailures != 0 { throw ExitCode(1) }
    }

    /// `--twins-scenarios N`: Twins scenarios sampled by seed; prints the throughput.
    private func runTwins(count: Int, mutations: Set<ConsensusMutation>) throws {
        let enumeration = TwinsEnumeration(slotCount: twinsSlots)
        let started = ContinuousClock.now
        let summary = Simulator.twinsSweep(
            firstSeed: seed, count: count, enumeration: enumeration, mutations: mutations
        ) { seed, scenario, report in
            let kind = report.safetyViolation != nil ? "safety" : "liveness"
            let problem = report.safetyViolation ?? report.livenessFailure ?? ""
            print("seed \(seed): \(kind) failure: \(problem)")
            print("  scenario: \(scenario)")
            print("  replay: " + Simulator.twinsReplayCommand(
                seed: seed, enumeration: enumeration, mutations: mutations))
        }
        let elapsed = started.duration(to: .now).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let perSecond = seconds > 0 ? Double(summary.scenarios) / seconds : 0
        print("twins: space=\(enumeration.count) scenarios_per_s=\(Int(perSecond.rounded())) "
            + "violation_per_mille=\(Int((summary.violationRate * 1_000).rounded()))")
        print(summary.summaryLine)
        if summary.safetyViolations != 0 || summary.livenessFailures != 0 { throw ExitCode(1) }
    }
}
