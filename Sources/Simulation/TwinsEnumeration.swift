public import Consensus

// MARK: - The scenario space, and a sweep over samples of it

/// Every Twins scenario over `slotCount` slots, numbered `0..<count`:
/// Byzantine validator (4) x, per slot, a partition of the five instances (6) x the
/// Byzantine precommit target (none, or one of the three honest validators: 4).
/// The partitions are the paper's two-sided ones that split the honest validators
/// between the two faces of the twins (2 | 1: which lone honest validator, and which face
/// it hears). Left out: both faces on one side (they hear the same and act as one
/// replica), and a side with every honest validator or none (the other face is then
/// merely silent): crash-like faults the random sweep already covers, which cannot show
/// different blocks to different honest validators. Three slots give 4 x 24^3 = 55,296.
public struct TwinsEnumeration: Sendable {
    public static let partitions = 6
    public static let targets = 4
    static var optionsPerSlot: Int { partitions * targets }

    public let slotCount: Int

    public init(slotCount: Int = 3) {
        precondition((1...4).contains(slotCount), "1...4 slots")
        self.slotCount = slotCount
    }

    /// How many scenarios there are.
    public var count: Int {
        (0..<slotCount).reduce(TwinsScenario.nodes) { total, _ in
            total * TwinsEnumeration.optionsPerSlot
        }
    }

    /// The scenario numbered `index` (mixed radix: Byzantine validator, then slot by slot).
    public func scenario(at index: Int) -> TwinsScenario {
        precondition((0..<count).contains(index), "index out of the enumeration")
        let byzantine = index % TwinsScenario.nodes
        let honest = (0..<TwinsScenario.nodes).filter { $0 != byzantine }
        var rest = index / TwinsScenario.nodes
        var slots: [TwinsSlotPlan] = []
        for _ in 0..<slotCount {
            let option = rest % TwinsEnumeration.optionsPerSlot
            rest /= TwinsEnumeration.optionsPerSlot
            let target = option / TwinsEnumeration.partitions
            slots.append(TwinsSlotPlan(
                sides: TwinsEnumeration.sides(option % TwinsEnumeration.partitions, honest: honest),
                precommitTarget: target == 0 ? nil : honest[target - 1]))
        }
        return TwinsScenario(byzantine: byzantine, slots: slots)
    }

    /// Partition `p` leaves honest validator `honest[p / 2]` alone with one face (the
    /// first, instance `byzantine`, for even `p`; the twin, instance 4, for odd `p`) and
    /// the other two honest validators with the other face. Side 1 holds the twin.
    static func sides(_ partition: Int, honest: [Int]) -> UInt32 {
        let lone = honest[partition / 2]
        let twin = UInt32(1) << UInt32(TwinsScenario.instances - 1)
        var pair: UInt32 = 0
        for validator in honest where validator != lone { pair |= UInt32(1) << UInt32(validator) }
        let loneBit = UInt32(1) << UInt32(lone)
        // Even: the lone one hears the first face, so it sits on side 0 and the pair with the twin.
        return partition % 2 == 0 ? twin | pair : twin | loneBit
    }

    /// The scenario a seed samples (uniformly, from its own generator), so one seed
    /// replays one scenario and its network delays.
    public func scenario(seed: UInt64) -> TwinsScenario {
        var generator = SeededGenerator(seed: seed ^ 0x7477_696E_735F_7363)
        return scenario(at: Int.random(in: 0..<count, using: &generator))
    }

    /// The run options of a scenario.
    public static func options(
        for scenario: TwinsScenario, mutations: Set<ConsensusMutation>
    ) -> SimulationOptions {
        var options = SimulationOptions(
            nodes: TwinsScenario.nodes, byzantine: 1, faults: [.twins],
            faultPhaseMs: scenario.faultPhaseMs)
        options.twins = scenario
        options.mutations = mutations
        return options
    }
}

/// Totals of a Twins sweep.
public struct TwinsSummary: Sendable {
    public var scenarios = 0
    public var safetyViolations = 0
    public var livenessFailures = 0
    /// The first failing scenarios (bounded), with their seeds.
    public var failures: [(seed: UInt64, scenario: TwinsScenario, report: SimulationReport)] = []

    public init() {}

    public var violationRate: Double {
        scenarios == 0 ? 0 : Double(safetyViolations) / Double(scenarios)
    }

    public var summaryLine: String {
        "simulate: twins_scenarios=\(scenarios) safety_violations=\(safetyViolations) "
            + "liveness_failures=\(livenessFailures)"
    }
}

extension Simulator {
    /// Runs the scenarios sampled by seeds `firstSeed ..< firstSeed + count`.
    /// - Parameters:
    ///   - mutations: rules broken on purpose in every replica (empty: the real protocol).
    ///   - onFailure: called with each failing scenario as it happens.
    public static func twinsSweep(
        firstSeed: UInt64, count: Int, enumeration: TwinsEnumeration = TwinsEnumeration(),
        mutations: Set<ConsensusMutation> = [],
        onFailure: (UInt64, TwinsScenario, SimulationReport) -> Void = { _, _, _ in }
    ) -> TwinsSummary {
        var summary = TwinsSummary()
        for offset in 0..<count {
            let seed = firstSeed &+ UInt64(offset)
            let scenario = enumeration.scenario(seed: seed)
            let options = TwinsEnumeration.options(for: scenario, mutations: mutations)
            var cluster = Cluster(seed: seed, options: options)
            let report = cluster.run()
            summary.scenarios += 1
            if report.safetyViolation != nil { summary.safetyViolations += 1 }
            if report.livenessFailure != nil { summary.livenessFailures += 1 }
            guard report.safetyViolation != nil || report.livenessFailure != nil else { continue }
            if summary.failures.count < 64 { summary.failures.append((seed, scenario, report)) }
            onFailure(seed, scenario, report)
        }
        return summary
    }

    /// The command that replays one Twins scenario.
    public static func twinsReplayCommand(
        seed: UInt64, enumeration: TwinsEnumeration, mutations: Set<ConsensusMutation>
    ) -> String {
        let mutation = mutations.map(\.rawValue).sorted().map { " --mutation \($0)" }.joined()
        return "govchain-node simulate --twins-scenarios 1 --seed \(seed) "
            + "--twins-slots \(enumeration.slotCount)\(mutation)"
    }
}
