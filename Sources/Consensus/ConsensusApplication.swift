public import Ledger

/// The application's verdict on a proposed block.
public enum BlockValidity: Hashable, Sendable {
    case valid
    case invalid(reason: String)
}

/// The boundary between consensus and the application (ABCI-like, three calls).
///
/// The node's executor implements it; the simulator has a deterministic one. Calls come
/// from the driver, never from inside `Replica`, which stays pure: the replica emits
/// `.requestPayload`, `.validateBlock` and `.deliverBlock` actions and the driver answers
/// the first two with `.payloadReady` and `.validationResult` events. `Replica.handle(_:
/// application:)` does exactly that synchronously for drivers that can call the
/// application inline.
public protocol ConsensusApplication {
    /// Transactions to propose at (height, round), with the roots from executing block
    /// `height - 1`.
    mutating func proposalPayload(height: UInt64, round: UInt64) -> ProposalPayload
    /// Checks a proposed block for the next height: transactions admissible, roots equal
    /// to this application's own results for the previous block. The replica has already
    /// checked height, parent hash, proposer, tx root and time.
    func validate(block: Block) -> BlockValidity
    /// A final block with its certificate, in height order, exactly once per height.
    mutating func deliver(block: Block, certificate: CommitCertificate)
}

extension Replica {
    /// Handles `event`, serving the application actions inline: payload requests and
    /// validations are answered from `application` and fed back as events right away, and
    /// committed blocks are delivered to it.
    /// - Returns: the remaining actions (persist, send, broadcast, timers, evidence), in the
    ///   order the driver must carry them out.
    public mutating func handle(
        _ event: Event, application: inout some ConsensusApplication
    ) -> [Action] {
        var pending = handle(event)
        var output: [Action] = []
        var position = 0
        while position < pending.count {
            let action = pending[position]
            position += 1
            let followUp: [Action]
            switch action {
            case let .requestPayload(height, round):
                let payload = application.proposalPayload(height: height, round: round)
                followUp = handle(.payloadReady(height: height, round: round, payload, nowMs: event.nowMs))
            case let .validateBlock(block):
                let isValid = application.validate(block: block) == .valid
                followUp = handle(
                    .validationResult(blockID: block.hash, isValid: isValid, nowMs: event.nowMs))
            case let .deliverBlock(block, certificate):
                application.deliver(block: block, certificate: certificate)
                followUp = []
            default:
                output.append(action)
                followUp = []
            }
            // Follow-ups run before the rest of the batch, as if the answer came at once.
            pending.insert(contentsOf: followUp, at: position)
        }
        return output
    }
}
