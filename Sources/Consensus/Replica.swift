public import Ledger

/// One validator's Tendermint consensus core: a pure, deterministic state machine.
///
/// Driver contract (a node actor or the simulator):
/// 1. Build it from the configuration, `SafetyRules` over the last persisted
///    `SafetyState`, and the tip of the committed chain; call `handle(.start(nowMs:))`.
/// 2. Verify every incoming message with `UnverifiedMessage.verify` and pass the result
///    in as `.message`; fire scheduled timers as `.timeout`; answer `.requestPayload` and
///    `.validateBlock` with `.payloadReady` / `.validationResult`: the one driver loop,
///    `handle(_:application:effects:)`, does it inline for the node and the simulator.
/// 3. Carry out each returned batch of actions in order, with no other `handle` call in
///    between. `.persistSafetyState` must be durable before the next action runs.
/// Nothing inside reads a clock, a random source or the unordered iteration of a dictionary.
public struct Replica: Sendable {
    public let configuration: ReplicaConfiguration
    var safety: SafetyRules
    /// The last committed block; consensus is deciding `tip.height + 1`.
    public internal(set) var tip: ChainTip
    public internal(set) var round: UInt64 = 0
    public internal(set) var step: Step = .propose
    var nowMs: UInt64 = 0
    /// This replica's clock when it reached the current tip: the proposer's block interval
    /// counts from here too, so a tip stamped in the future cannot stall it.
    var tipReachedAtMs: UInt64 = 0
    var started = false
    var heightState = HeightState()
    /// Verified messages for the next heights, replayed after each commit.
    var futureMessages: [VerifiedMessage] = []
    /// Per signer, the bytes and count of its messages in `futureMessages`.
    var futureMessageBytes: [Int: Int] = [:]
    var futureMessageCounts: [Int: Int] = [:]
    var futureDecisions: [UInt64: Decision] = [:]
    var futureDecisionBytes: [UInt64: Int] = [:]
    /// Per peer: the height and time of the last catch-up reply, to rate-limit replies.
    var catchUpReplies: [PublicKey: (height: UInt64, timeMs: UInt64)] = [:]
    /// The set that certifies the height being decided: quorum, proposer rotation, the
    /// meaning of every vote's validator index.
    public internal(set) var validators: ValidatorSet
    /// The set of the height after it (nil between a commit and the application's
    /// `.validatorSet` answer; nothing commits meanwhile).
    public internal(set) var nextValidators: ValidatorSet?
    /// This replica's index in `validators`, nil while it is not a validator (it follows).
    public internal(set) var index: Int?

    static let maxFutureMessages = 512
    static let maxFutureHeights: UInt64 = 64
    static let catchUpBatch: UInt64 = 16

    /// - Parameters:
    ///   - configuration: chain id, the set of `tip.height + 1`, parameters, this replica's index.
    ///   - safetyRules: the signer, over the last persisted safety state.
    ///   - tip: the last committed block (`ChainTip.genesis` on a fresh chain).
    ///   - nextValidators: the set of `tip.height + 2` (the application's
    ///     `validatorSet(forHeight:)`); nil means the same set as `configuration.validators`,
    ///     for a chain whose set never changes (tests).
    public init(
        configuration: ReplicaConfiguration, safetyRules: SafetyRules, tip: ChainTip,
        nextValidators: ValidatorSet? = nil
    ) {
        var safetyRules = safetyRules
        let index = safetyRules.select(in: configuration.validators)
        precondition(configuration.index == index, "the index must be the signing key's")
        self.configuration = configuration
        self.safety = safetyRules
        self.safety.mutations = configuration.mutations
        self.tip = tip
        self.validators = configuration.validators
        self.nextValidators = nextValidators ?? configuration.validators
        self.index = index
    }

    /// The height being decided.
    public var height: UInt64 { tip.height + 1 }
    /// True while this replica, as the round's proposer, waits for transactions before it
    /// would propose an empty block: only then is `.transactionsAvailable` worth sending.
    public var awaitsTransactions: Bool {
        started && step == .propose && heightState.payloadRequestRound == nil
            && heightState.emptyWaitRound == round && heightState.proposals[round] == nil
            && isProposer(height: height, round: round)
    }
    /// The current safety state (what the last `.persistSafetyState` carried).
    public var safetyState: SafetyState { safety.state }
    var quorum: Int { validators.quorum }
    var validatorCount: Int { validators.count }

    /// Leader rotation over the current height's set: validators[(height + round) % n].
    public func proposerIndex(height: UInt64, round: UInt64) -> Int {
        UnverifiedMessage.proposerIndex(height: height, round: round, validators: validators)
    }

    /// Whether this replica leads (height, round): never while it is not a validator.
    func isProposer(height: UInt64, round: UInt64) -> Bool {
        index != nil && proposerIndex(height: height, round: round) == index
    }

    /// Feeds one event in.
    /// - Returns: the actions the driver must carry out, in order.
    public mutating func handle(_ event: Event) -> [Action] {
        nowMs = max(nowMs, event.nowMs)
        var actions: [Action] = []
        switch event {
        case .start:
            onStart(&actions)
        case let .message(message, _):
            guard started else { return [] }
            onMessage(message, &actions)
        case let .timeout(id, _):
            guard started else { return [] }
            onTimeout(id, &actions)
        case let .payloadReady(height, round, payload, _):
            onPayloadReady(height: height, round: round, payload, &actions)
        case let .validationResult(blockID, isValid, _):
            onValidationResult(blockID: blockID, isValid: isValid)
        case .transactionsAvailable:
            guard started else { return [] }
            onTransactionsAvailable(&actions)
        case let .validatorSet(setHeight, set, _):
            onValidatorSet(height: setHeight, set)
        }
        if started { advance(&actions) }
        return actions
    }

    private mutating func onStart(_ actions: inout [Action]) {
        guard !started else { return }
        started = true
        tipReachedAtMs = nowMs
        // After a restart mid-height, resume in the round last signed in rather than
        // round 0: SafetyRules would refuse the earlier rounds anyway.
        let state = safety.state
        let resumeRound = state.height == height ? state.round : 0
        if state.height == height, let lockedRound = state.lockedRound, let lockedBlock = state.lockedBlock {
            heightState.lockedRound = lockedRound
            heightState.lockedBlock = lockedBlock
            storeBlock(lockedBlock)
            // We precommitted it, so we validated it.
            heightState.validity[lockedBlock.hash] = true
        }
        actions.append(.scheduleTimeout(
            TimeoutID(kind: .retransmit, height: 0, round: 0),
            afterMs: configuration.parameters.timeoutProposeMs))
        startRound(resumeRound, &actions)
    }

    /// The application's answer after a delivery: the set of the height after the one now
    /// being decided. A stale or missing answer changes nothing (without it the replica
    /// commits nothing more, which is what a halted application wants).
    private mutating func onValidatorSet(height setHeight: UInt64, _ set: ValidatorSet?) {
        // Compared before subtracting: `setHeight` is the height after `height`.
        guard let set, nextValidators == nil, setHeight > tip.height, setHeight - tip.height == 2
        else { return }
        nextValidators = set
    }

    private mutating func onValidationResult(blockID: Hash256, isValid: Bool) {
        // Only blocks of the current height are ever sent for validation; a late answer
        // for an older height finds no block and is ignored.
        guard heightState.blocks[blockID] != nil, heightState.validity[blockID] == nil else { return }
        heightState.validity[blockID] = isValid
    }

    /// Re-evaluates the protocol's rules until none fires: every rule is idempotent, so
    /// the order events arrive in never matters, only the evidence gathered.
    mutating func advance(_ actions: inout [Action]) {
        var iterations = 0
        while applyOneRule(&actions) {
            iterations += 1
            precondition(iterations < 10_000, "consensus rules did not settle")
        }
    }

    private mutating func applyOneRule(_ actions: inout [Action]) -> Bool {
        if tryCommit(&actions) { return true }
        if trySkipRound(&actions) { return true }
        if step == .propose, tryPrevoteOnProposal(&actions) { return true }
        if tryLockOnPrevoteQuorum(&actions) { return true }
        if step == .prevote, heightState.prevotes[round]?.quorum == .noBlock {
            castVote(.precommit, blockID: nil, &actions)
            return true
        }
        scheduleVoteTimeouts(&actions)
        return false
    }
}

extension Replica: CustomStringConvertible {
    /// A one-line state summary for logs and simulator failure reports.
    public var description: String {
        let locked = heightState.lockedRound.map { "\($0)" } ?? "-"
        let valid = heightState.validRound.map { "\($0)" } ?? "-"
        let rounds = heightState.prevotes.keys.sorted().suffix(3).map { votedRound in
            let prevotes = heightState.prevotes[votedRound]?.total ?? 0
            let precommits = heightState.precommits[votedRound]?.total ?? 0
            let proposals = heightState.proposals[votedRound]?.count ?? 0
            return "r\(votedRound):p\(proposals)/pv\(prevotes)/pc\(precommits)"
        }
        return "h=\(height) r=\(round) \(step) locked=\(locked) valid=\(valid) [\(rounds.joined(separator: " "))]"
    }
}
