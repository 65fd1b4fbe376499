@_spi(MutationTesting) import Consensus
import Ledger

// MARK: - Twins scenarios: partitions x vote targets per round slot (after Bano et al., 2020)

/// What the network and the Byzantine validator do during one slot of a Twins scenario.
///
/// Slot `k` lasts as long as round `k`'s propose timeout (300 ms, 600 ms, 1,200 ms, ...),
/// so each slot roughly covers one round of the scenario's height; the plan in force when
/// a message is SENT decides whether it arrives, as with the cluster's own partitions.
public struct TwinsSlotPlan: Sendable, Hashable, CustomStringConvertible {
    /// The side of each instance (bit `i` set: instance `i` is on side 1). Instances on
    /// different sides do not hear each other. 0 puts everyone on one side.
    public var sides: UInt32
    /// When set, the Byzantine validator's precommits sent in this slot reach only this
    /// validator (if it is on the sender's side). Tendermint broadcasts votes, so with
    /// symmetric partitions every honest member of a precommit quorum sees that quorum;
    /// a Byzantine validator that shows its precommit to one peer only is what lets one
    /// replica commit while another that locked the same block does not. It plays the
    /// part of DiemBFT's leader, to which votes are sent, in the Twins paper.
    public var precommitTarget: Int?

    public init(sides: UInt32, precommitTarget: Int?) {
        self.sides = sides
        self.precommitTarget = precommitTarget
    }

    func side(of instance: Int) -> UInt32 { (sides >> UInt32(instance)) & 1 }

    public var description: String {
        let left = (0..<5).filter { side(of: $0) == 0 }.map(String.init).joined(separator: ",")
        let right = (0..<5).filter { side(of: $0) == 1 }.map(String.init).joined(separator: ",")
        let target = precommitTarget.map { " precommits->v\($0)" } ?? ""
        return right.isEmpty ? "{\(left)}\(target)" : "{\(left)}|{\(right)}\(target)"
    }
}

/// One Twins scenario for n = 4 with one Byzantine validator run as two instances.
///
/// The proposer rule stays the production one (`validators[(h + r) mod n]`, checked at
/// verification), so the scenario does not choose a leader per round: it chooses which
/// validator is Byzantine, which fixes the round in which the twins lead (round
/// `(b - 1) mod 4` of height 1), and everything else is placed relative to that rotation.
public struct TwinsScenario: Sendable, Hashable, CustomStringConvertible {
    public static let nodes = 4
    /// 4 validators plus the twin of the Byzantine one (instance 4).
    public static let instances = 5

    public var byzantine: Int
    public var slots: [TwinsSlotPlan]

    public init(byzantine: Int, slots: [TwinsSlotPlan]) {
        precondition((0..<TwinsScenario.nodes).contains(byzantine), "byzantine names a validator")
        precondition(!slots.isEmpty && slots.count <= 8, "1...8 slots")
        self.byzantine = byzantine
        self.slots = slots
    }

    /// The length of slot `k`: round `k`'s propose timeout.
    static func slotMs(_ slot: Int) -> UInt64 {
        Cluster.parameters.timeoutProposeMs << UInt64(slot)
    }

    /// The first height whose round 0 the twins lead: the scenario starts there, so its
    /// first slot meets the twins' turn whichever validator is Byzantine (heights before
    /// it run on a calm, connected network).
    public var startHeight: UInt64 {
        byzantine == 0 ? UInt64(TwinsScenario.nodes) : UInt64(byzantine)
    }

    /// How long the slots last in all; then the network heals.
    public var durationMs: UInt64 {
        (0..<slots.count).reduce(0) { $0 + TwinsScenario.slotMs($1) }
    }

    /// A fault phase long enough for the heights before `startHeight` and every slot.
    public var faultPhaseMs: UInt64 { 1_000 + durationMs }

    /// The plan in force `offsetMs` after the first slot began, or nil once healed.
    func plan(atOffsetMs offsetMs: UInt64) -> TwinsSlotPlan? {
        var start: UInt64 = 0
        for (slot, plan) in slots.enumerated() {
            let end = start + TwinsScenario.slotMs(slot)
            if offsetMs < end { return plan }
            start = end
        }
        return nil
    }

    public var description: String {
        "byzantine=v\(byzantine) " + slots.map(\.description).joined(separator: " ; ")
    }
}

extension Cluster {
    /// Whether a message sent now from `source` reaches `target`: the cluster's own
    /// partition first, then the Twins scenario's plan for the current slot.
    mutating func canDeliver(
        _ message: ConsensusMessage, from source: Int, to target: Int
    ) -> Bool {
        guard isolated.contains(source) == isolated.contains(target) else { return false }
        guard let scenario = options.twins else { return true }
        if twinsStartMs == nil, maximumHonestHeight + 1 >= scenario.startHeight {
            twinsStartMs = nowMs
        }
        guard let start = twinsStartMs, let plan = scenario.plan(atOffsetMs: nowMs - start) else {
            return true
        }
        guard plan.side(of: source) == plan.side(of: target) else { return false }
        guard let precommitTarget = plan.precommitTarget, !instances[source].isHonest,
              case let .vote(vote) = message, vote.kind == .precommit
        else { return true }
        return instances[target].validatorIndex == precommitTarget
    }

    /// The production configuration, with the run's deliberately broken rules (if any),
    /// over `validators`: the set of the first height the replica decides.
    func replicaConfiguration(key: Int, validators: ValidatorSet) -> ReplicaConfiguration {
        var configuration = ReplicaConfiguration(
            chainID: Cluster.chainID, validators: validators, parameters: Cluster.parameters,
            index: validators.index(of: keys[key].publicKey), emptyBlockWaitMs: emptyBlockWaitMs)
        configuration.mutations = options.mutations
        return configuration
    }
}
