public import Ledger

/// The application's verdict on a proposed block.
public enum BlockValidity: Hashable, Sendable {
    case valid
    case invalid(reason: String)
}

/// The boundary between consensus and the application (ABCI-like, three calls).
///
/// The node's `ChainExecutor` implements it, in the node over RocksDB and in the simulator
/// over memory. Calls come from `Replica.handle(_:application:effects:)`, never from inside
/// the replica's rules, which stay pure: the replica emits `.requestPayload`,
/// `.validateBlock` and `.deliverBlock` actions and the loop answers the first two with
/// `.payloadReady` and `.validationResult` events at once.
public protocol ConsensusApplication {
    /// Transactions to propose at (height, round), with the roots from executing block
    /// `height - 1`.
    mutating func proposalPayload(height: UInt64, round: UInt64) -> ProposalPayload
    /// Checks a proposed block for the next height: transactions admissible, roots equal
    /// to this application's own results for the previous block. The replica has already
    /// checked height, parent hash, proposer, tx root and time.
    func validate(block: Block) -> BlockValidity
    /// A final block with its certificate, in height order, exactly once per height. The
    /// application must not trap: a failure it cannot recover from stops it (and its node).
    mutating func deliver(block: Block, certificate: CommitCertificate)
    /// The validator set that certifies block `height`, derived from executed state: known
    /// for heights up to the application's last delivered block + 2 (a change committed in
    /// block h takes effect at h + 2), nil beyond that or when the application has halted.
    func validatorSet(forHeight height: UInt64) -> ValidatorSet?
}

/// The side effects of a replica's actions, carried out by whoever drives it: the node
/// (RocksDB, TCP peers, wall-clock timers) or the simulator (memory, simulated network and
/// clock). Each is called in the order the replica listed its actions.
public protocol ConsensusEffects {
    /// Makes `state` durable before returning: the statements after it depend on it. A
    /// throw stops the batch, so nothing it covers leaves this node.
    mutating func persist(_ state: SafetyState) throws
    mutating func broadcast(_ message: ConsensusMessage)
    mutating func send(_ message: ConsensusMessage, to validator: Int)
    /// A peer is behind: send it these committed heights (block + certificate each).
    mutating func sendDecisions(to peer: PublicKey, heights: ClosedRange<UInt64>)
    /// Must deliver `.timeout(id)` after `afterMs` of driver time, and never lose it.
    mutating func schedule(_ timeout: TimeoutID, afterMs: UInt64)
    mutating func report(_ evidence: EquivocationEvidence)
}

extension Replica {
    /// THE driver loop, shared by the node and the simulator: feeds `event` in, answers the
    /// application actions inline (payload requests and validations are fed back as events
    /// at once, final blocks are delivered), and carries out every other action through
    /// `effects`, strictly in the order the replica emitted them.
    /// - Throws: what `effects.persist` throws; the actions after it are not carried out.
    public mutating func handle(
        _ event: Event, application: inout some ConsensusApplication,
        effects: inout some ConsensusEffects
    ) throws {
        var pending = handle(event)[...]
        while let action = pending.popFirst() {
            var followUp: [Action] = []
            switch action {
            case let .requestPayload(height, round):
                let payload = application.proposalPayload(height: height, round: round)
                followUp = handle(
                    .payloadReady(height: height, round: round, payload, nowMs: event.nowMs))
            case let .validateBlock(block):
                let isValid = application.validate(block: block) == .valid
                followUp = handle(
                    .validationResult(blockID: block.hash, isValid: isValid, nowMs: event.nowMs))
            case let .deliverBlock(block, certificate):
                application.deliver(block: block, certificate: certificate)
                // The set two heights on is now determined by executed state.
                let height = block.height + 2
                followUp = handle(.validatorSet(
                    height: height, application.validatorSet(forHeight: height),
                    nowMs: event.nowMs))
            case let .persistSafetyState(state):
                try effects.persist(state)
            case let .broadcast(message):
                effects.broadcast(message)
            case let .send(message, to: validator):
                effects.send(message, to: validator)
            case let .sendDecisions(to: peer, heights: heights):
                effects.sendDecisions(to: peer, heights: heights)
            case let .scheduleTimeout(id, afterMs):
                effects.schedule(id, afterMs: afterMs)
            case let .reportEvidence(evidence):
                effects.report(evidence)
            }
            // The replica took the answer at once; the actions it emitted in reply are carried
            // out after those it emitted before, never ahead of them. Ahead, a persist of the
            // safety state signed just now would be followed by the still-pending persist of
            // an older state, and a restart would sign again, differently, what it had signed
            // (found by the simulator on a branch where a delivery is answered too).
            pending.append(contentsOf: followUp)
        }
    }
}
