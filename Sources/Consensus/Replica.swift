import Ledger

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
    var catchUpReplies: [Int: (height: UInt64, timeMs: UInt64)] = [:]

    static let maxFutureMessages = 512
    static let maxFutureHeights: UInt64 = 64
    static let catchUpBatch: UInt64 = 16

    /// - Parameters:
    ///   - configuration: chain id, validator set, parameters and this replica's index.
    ///   - safetyRules: the signer, over the last persisted safety state.
    ///   - tip: the last committed block (`ChainTip.genesis` on a fresh chain).
    public init(configuration: ReplicaConfiguration, safetyRules: SafetyRules, tip: ChainTip) {
        precondition(
            configuration.validators[configuration.index].publicKey == safetyRules.publicKey,
            "the signing key must be this validator's")
        self.configuration = configuration
        self.safety = safetyRules
        self.safety.mutations = configuration.mutations
        self.tip = tip
    }

    /// The height being decided.
    public var height: UInt64 { tip.height + 1 }
    /// True while this replica, as the round's proposer, waits for transactions before it
    /// would propose an empty block: only then is `.transactionsAvailable` worth sending.
    public var awaitsTransactions: Bool {
        started && step == .propose && heightState.payloadRequestRound == nil
            && heightState.emptyWaitRound == round && heightState.proposals[round] == nil
            && configuration.proposerIndex(height: height, round: round) == index
    }
    /// The current safety state (what the last `.persistSafetyState` carried).
    public var safetyState: SafetyState { safety.state }
    var index: Int { configuration.index }
    var quorum: Int { configuration.validators.quorum }
    var validatorCount: Int { configuration.validators.count }

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
