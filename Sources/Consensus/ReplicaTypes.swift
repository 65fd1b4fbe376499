public import Ledger

/// The fixed facts a replica runs under (from genesis and the node's key file), and the
/// validator set it starts with; later sets come from the application, height by height.
public struct ReplicaConfiguration: Sendable {
    public var chainID: String
    /// The set that certifies the first height this replica decides (`tip.height + 1`).
    public var validators: ValidatorSet
    public var parameters: ConsensusParameters
    /// This replica's position in `validators`, nil when it is not one of them (it follows
    /// the chain, and votes from the height a set that names its key takes over).
    public var index: Int?
    /// Rules broken on purpose (mutation testing in the simulator only; empty on a node).
    @_spi(MutationTesting) public var mutations: Set<ConsensusMutation> = []

    /// How far ahead of its own clock a proposal's time may be before voters refuse it:
    /// 10 s, a constant so it needs no genesis parameter (clocks of validators run NTP).
    public static let maxClockDriftMs: UInt64 = 10_000
    /// A proposer waits until its clock is this far past the parent block's time before
    /// asking for a payload: it bounds the block rate (a lone validator would otherwise
    /// commit blocks back to back at one instant) without a genesis parameter.
    public static let minBlockIntervalMs: UInt64 = 50
    /// Proposals and votes for rounds further than this ahead of the current one are not
    /// kept (only the highest round each validator was heard in, for the f + 1 round
    /// skip), so a faulty proposer cannot make a replica hold blocks for many rounds.
    /// 8: honest replicas of one height stay within a round or two of each other (round
    /// skip, retransmission of the current and previous round), and a laggard further
    /// behind jumps ahead on f + 1 validators' highest rounds, so nothing honest is lost.
    public static let maxRoundLead: UInt64 = 8
    /// A proposer whose application offers no transactions waits this long (once per round)
    /// for some to arrive before it proposes an empty block: an idle chain then makes a few
    /// blocks a second instead of dozens. 0 proposes at once. Kept well below the propose
    /// timeout, so waiting never costs a round.
    public var emptyBlockWaitMs: UInt64

    public init(
        chainID: String, validators: ValidatorSet, parameters: ConsensusParameters, index: Int?,
        emptyBlockWaitMs: UInt64 = 0
    ) {
        if let index { precondition(index >= 0 && index < validators.count, "index must name a validator") }
        self.chainID = chainID
        self.validators = validators
        self.parameters = parameters
        self.index = index
        self.emptyBlockWaitMs = min(emptyBlockWaitMs, parameters.timeoutProposeMs / 2)
    }

    /// Timeouts double each round, capped at `timeoutMaxMs`.
    func timeoutMs(base: UInt64, round: UInt64) -> UInt64 {
        let cap = parameters.timeoutMaxMs
        guard round < 32 else { return cap }
        let (scaled, overflow) = base.multipliedReportingOverflow(by: 1 << round)
        return overflow ? cap : min(scaled, cap)
    }
}

/// The last committed block as far as consensus needs it (height 0 = genesis).
public struct ChainTip: Hashable, Sendable {
    public var height: UInt64
    public var blockHash: Hash256
    public var timeMs: UInt64

    public init(height: UInt64, blockHash: Hash256, timeMs: UInt64) {
        self.height = height
        self.blockHash = blockHash
        self.timeMs = timeMs
    }

    /// The tip before block 1: the genesis hash and time.
    public static func genesis(_ genesis: Genesis) -> ChainTip {
        ChainTip(height: 0, blockHash: genesis.hash, timeMs: genesis.genesisTimeMs)
    }

    public init(block: Block) {
        self.init(height: block.height, blockHash: block.hash, timeMs: block.header.timeMs)
    }
}

/// The step within a round.
public enum Step: UInt8, Sendable, Comparable {
    case propose = 0
    case prevote = 1
    case precommit = 2

    public static func < (lhs: Step, rhs: Step) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Names a timer. A fired timer that no longer matches the replica's height and round is
/// ignored, so the driver never needs to cancel one.
public struct TimeoutID: Hashable, Sendable {
    public enum Kind: UInt8, Sendable {
        case propose, prevote, precommit
        /// The proposer's wait for `minBlockIntervalMs` before requesting a payload, and its
        /// wait for transactions (`emptyBlockWaitMs`) before proposing an empty block.
        case blockInterval
        /// Periodic re-broadcast of this replica's current statements (gossip over a lossy
        /// network); not tied to a height.
        case retransmit
    }

    public var kind: Kind
    public var height: UInt64
    public var round: UInt64

    public init(kind: Kind, height: UInt64, round: UInt64) {
        self.kind = kind
        self.height = height
        self.round = round
    }
}

/// What the application returns for a proposal: the batch, and the roots that executing
/// the PREVIOUS block produced (header roots lag one block).
public struct ProposalPayload: Hashable, Sendable {
    public var transactions: [Transaction]
    public var receiptsRoot: Hash256
    public var stateRoot: Hash256
    /// `ValidatorSet.hash` of the set that certifies the block after the proposed one.
    public var nextValidatorsHash: Hash256

    public init(
        transactions: [Transaction], receiptsRoot: Hash256, stateRoot: Hash256,
        nextValidatorsHash: Hash256
    ) {
        self.transactions = transactions
        self.receiptsRoot = receiptsRoot
        self.stateRoot = stateRoot
        self.nextValidatorsHash = nextValidatorsHash
    }
}

/// An input to `Replica.handle`. Every event carries the driver's clock reading (ms since
/// the Unix epoch, or simulated); the replica never reads a clock itself.
public enum ReplicaEvent: Sendable {
    /// First event after construction (fresh or restarted).
    case start(nowMs: UInt64)
    /// A message that passed `UnverifiedMessage.verify`.
    case message(VerifiedMessage, nowMs: UInt64)
    /// A timer scheduled by `.scheduleTimeout` fired.
    case timeout(TimeoutID, nowMs: UInt64)
    /// The application's answer to `.requestPayload`.
    case payloadReady(height: UInt64, round: UInt64, ProposalPayload, nowMs: UInt64)
    /// The application's answer to `.validateBlock`.
    case validationResult(blockID: Hash256, isValid: Bool, nowMs: UInt64)
    /// The application has transactions again: a proposer waiting to avoid an empty block
    /// asks for its payload now instead of when its wait ends.
    case transactionsAvailable(nowMs: UInt64)
    /// The application's set for block `height` (nil: it cannot say, e.g. it halted), the
    /// answer the driver loop gives after each `.deliverBlock` for `height = delivered + 2`.
    case validatorSet(height: UInt64, ValidatorSet?, nowMs: UInt64)

    public var nowMs: UInt64 {
        switch self {
        case let .start(now), let .message(_, now), let .timeout(_, now), let .payloadReady(_, _, _, now),
             let .validationResult(_, _, now), let .transactionsAvailable(now),
             let .validatorSet(_, _, now):
            now
        }
    }
}

/// An instruction to the driver. The driver carries out a batch IN ORDER: a
/// `.persistSafetyState` is always listed before the sends it covers, and must be durable
/// before the driver moves on.
public enum ReplicaAction: Sendable {
    /// Durably store the state (replacing the previous one) before the next action.
    case persistSafetyState(SafetyState)
    /// Send to every other validator.
    case broadcast(ConsensusMessage)
    /// Send to one validator (by index).
    case send(ConsensusMessage, to: Int)
    /// A peer is behind: read these committed heights from the block store and send each
    /// to it as a `.decision` message (block + certificate). The replica keeps no history.
    /// The peer is named by key: its index belongs to the set of the height it is at.
    case sendDecisions(to: PublicKey, heights: ClosedRange<UInt64>)
    /// Deliver `.timeout(id)` after `afterMs` of driver time.
    case scheduleTimeout(TimeoutID, afterMs: UInt64)
    /// Ask the application for a payload, answer with `.payloadReady`.
    case requestPayload(height: UInt64, round: UInt64)
    /// Ask the application whether the block is acceptable, answer with `.validationResult`.
    case validateBlock(Block)
    /// The block is final: hand it with its certificate to the application (heights in
    /// order), then answer `.validatorSet` for height `block.height + 2`: the replica
    /// commits nothing more until it knows the set of the height after the next one.
    case deliverBlock(Block, CommitCertificate)
    /// A validator equivocated; store and gossip the evidence.
    case reportEvidence(EquivocationEvidence)
}

extension Replica {
    /// Shorthand inside the consensus code; other modules spell `Replica.Event` (Ledger has
    /// its own `Event`, a contract event).
    public typealias Event = ReplicaEvent
    public typealias Action = ReplicaAction
}
