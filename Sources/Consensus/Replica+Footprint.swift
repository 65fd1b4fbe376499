import Ledger

extension Replica {
    /// About how many bytes this replica holds in messages and blocks of the height being
    /// decided and of future heights: what a faulty peer could try to inflate. The simulator
    /// checks it against a budget (invariant I9).
    public var footprintBytes: Int {
        func size(_ block: Block) -> Int {
            block.transactions.reduce(256) { $0 + $1.arguments.count + 200 }
        }
        let blocks = heightState.blocks.values.reduce(0) { $0 + size($1) }
        let votes =
            heightState.prevotes.values.reduce(0) { $0 + $1.total * 128 }
            + heightState.precommits.values.reduce(0) { $0 + $1.total * 128 }
        let future = futureMessages.reduce(0) { total, verified in
            switch verified.message {
            case let .proposal(proposal): total + size(proposal.block)
            case let .decision(decision): total + size(decision.block)
            case .vote: total + 128
            }
        }
        let decisions = futureDecisions.values.reduce(0) { $0 + size($1.block) }
        let own = heightState.ownStatements.values.reduce(0) { $0 + $1.count * 256 }
        return blocks + votes + future + decisions + own
    }
}
