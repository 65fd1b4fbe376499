public import Consensus

/// Which faults a simulation injects.
public struct FaultSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Message drop, delay, duplication, reordering and corruption.
    public static let network = FaultSet(rawValue: 1 << 0)
    /// Partitions (1|3, 2|2, leader isolated) that heal.
    public static let partition = FaultSet(rawValue: 1 << 1)
    /// Honest replicas crash and restart from their persisted safety state and chain.
    public static let crash = FaultSet(rawValue: 1 << 2)
    /// Byzantine validators run as two replicas sharing one key.
    public static let twins = FaultSet(rawValue: 1 << 3)
    /// Byzantine replicas restart with wiped safety state.
    public static let amnesia = FaultSet(rawValue: 1 << 4)

    public static let all: FaultSet = [.network, .partition, .crash, .twins, .amnesia]
    public static let none: FaultSet = []

    /// Names as the command line spells them, in a fixed order.
    public static let names: [(String, FaultSet)] = [
        ("network", .network), ("partition", .partition), ("crash", .crash),
        ("twins", .twins), ("amnesia", .amnesia),
    ]

    /// Parses "all", "none" or a comma-separated list of names.
    public init?(names text: String) {
        var faults: FaultSet = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters() }) {
            switch part {
            case "all": faults.formUnion(.all)
            case "none": break
            default:
                guard let match = FaultSet.names.first(where: { $0.0 == part }) else { return nil }
                faults.formUnion(match.1)
            }
        }
        self = faults
    }

    /// The canonical spelling, for replay commands.
    public var spelled: String {
        if self == .all { return "all" }
        if isEmpty { return "none" }
        return FaultSet.names.filter { contains($0.1) }.map(\.0).joined(separator: ",")
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// The shape of one simulated run.
public struct SimulationOptions: Sendable, Hashable {
    public var nodes: Int
    /// Validators that misbehave; with `.twins` each runs as two replicas on one key.
    public var byzantine: Int
    public var faults: FaultSet
    /// Length of the phase with faults; afterwards the network heals and faults stop.
    public var faultPhaseMs: UInt64
    /// After healing, every honest replica must commit a new block within this time.
    public var livenessWindowMs: UInt64
    /// What the Byzantine validators do beyond the faults (none by default).
    public var adversaries: Set<Adversary>
    /// Bugs put back on purpose, for mutation tests only.
    public var nodeMutations: Set<NodeMutation>
    /// Protocol rules broken on purpose in every replica (mutation testing; empty: none).
    public var mutations: Set<ConsensusMutation> = []
    /// A Twins scenario (partitions and the Byzantine validator's vote targets per slot)
    /// that replaces the random choice of the Byzantine validator; nil: none.
    public var twins: TwinsScenario?
    /// Keys beyond the genesis validators, each run as an honest instance that follows the
    /// chain until governance adds it (keys `nodes..<nodes + spareValidators`).
    public var spareValidators = 0
    /// Which validators are Byzantine, instead of `byzantine` drawn by the seed.
    public var byzantineKeys: [Int]?
    /// Byzantine validators whose replica keeps believing in the genesis set whatever
    /// governance decides: removed, it goes on signing with its old index.
    public var keepsGenesisSet: Set<Int> = []

    public init(
        nodes: Int = 4, byzantine: Int = 1, faults: FaultSet = .all, faultPhaseMs: UInt64 = 2_500,
        livenessWindowMs: UInt64 = 30_000, adversaries: Set<Adversary> = [], nodeMutations: Set<NodeMutation> = []
    ) {
        precondition((1...31).contains(nodes), "1...31 nodes")
        precondition(byzantine >= 0 && byzantine <= nodes, "byzantine must be 0...nodes")
        self.nodes = nodes
        self.byzantine = byzantine
        self.faults = faults
        self.faultPhaseMs = faultPhaseMs
        self.livenessWindowMs = livenessWindowMs
        self.adversaries = adversaries
        self.nodeMutations = nodeMutations
    }
}

/// The outcome of one seed.
public struct SimulationReport: Sendable {
    public var seed: UInt64
    /// The first safety invariant broken (agreement, validity, certificate, chain), if any.
    public var safetyViolation: String?
    /// Set when honest replicas made no progress after the network healed.
    public var livenessFailure: String?
    /// The highest height committed by an honest replica.
    public var blocks: UInt64
    public var evidenceReported: Int
    /// Messages dropped at verification, by `VerificationError.label`, sorted by label.
    public var drops: [(reason: String, count: Int)]
    public var simulatedMs: UInt64
    /// Transactions committed on the agreed chain (real contract calls).
    public var transactions: Int = 0
    /// Honest replicas that halted on purpose (an injected execution fault), with why.
    public var halts: [String] = []
    /// The largest consensus footprint of an honest replica seen, in bytes.
    public var largestReplicaBytes: Int = 0
    /// Bills that a claim of the racing insurers drew on successfully (each at most once).
    public var billsClaimed: Int = 0
}
