import ArgumentParser
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

    @Option(help: "Simulated milliseconds of the fault phase per seed.")
    var faultPhaseMs: UInt64 = 2_500

    @Flag(help: "Print one line per seed.")
    var verbose = false

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard (1...31).contains(nodes) else { throw ValidationError("--nodes must be 1...31") }
        guard (0...nodes).contains(byzantine) else { throw ValidationError("--byzantine must be 0...nodes") }
        guard FaultSet(names: faults) != nil else { throw ValidationError("unknown fault in --faults \(faults)") }
        guard Adversary.parse(adversary) != nil else {
            throw ValidationError("unknown behaviour in --adversary \(adversary)")
        }
    }

    func run() throws {
        let options = SimulationOptions(
            nodes: nodes, byzantine: byzantine, faults: FaultSet(names: faults) ?? .all,
            faultPhaseMs: faultPhaseMs, adversaries: Adversary.parse(adversary) ?? [])
        let started = ContinuousClock.now
        let summary = Simulator.sweep(firstSeed: seed, count: seeds, options: options) { report in
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
        let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - started).components.seconds)
        print(summary.summaryLine + " traps=0 " + "seeds_per_second=\(Int((Double(summary.seeds) / max(seconds, 0.001)).rounded()))")
        if summary.safetyViolations != 0 || summary.livenessFailures != 0 { throw ExitCode(1) }
    }
}
