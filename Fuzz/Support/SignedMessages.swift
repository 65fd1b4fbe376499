public import Consensus
public import Ledger

/// Turns any decoded consensus message into the one an honest validator of the fuzz chain
/// would have sent with the same heights, rounds and transactions: right chain id,
/// proposer, tx root and signatures. Verification of the result must succeed; that
/// checks that signing and verifying agree on every shape the fuzzer finds.
public enum SignedMessages {
    /// The proposer of (height, round): the rule docs/consensus.md states, written out
    /// here because the replica's own helper is internal to Consensus.
    public static func proposerIndex(height: UInt64, round: UInt64) -> Int {
        Int((height &+ round) % UInt64(FuzzChain.validatorSet.count))
    }

    public static func honest(_ message: ConsensusMessage) -> ConsensusMessage {
        switch message {
        case let .vote(vote): .vote(signed(vote))
        case let .proposal(proposal): .proposal(signed(proposal))
        case let .decision(decision):
            .decision(certified(decision.block, round: decision.certificate.round))
        }
    }

    public static func signed(_ vote: Vote) -> Vote {
        var vote = vote
        vote.validatorIndex %= UInt16(FuzzChain.validatorSet.count)
        let bytes = ConsensusStatement.voteSigningBytes(
            chainID: FuzzChain.chainID, kind: vote.kind, height: vote.height, round: vote.round,
            blockID: vote.blockID)
        vote.signature = FuzzChain.validatorKeys[Int(vote.validatorIndex)].sign(bytes)
        return vote
    }

    public static func signed(_ proposal: Proposal) -> Proposal {
        var block = proposal.block
        let round = max(proposal.round, block.header.round)
        let polRound = proposal.polRound.flatMap { $0 < round ? $0 : nil }
        let builder = proposerIndex(height: block.header.height, round: block.header.round)
        block.header.chainID = FuzzChain.chainID
        block.header.proposer = FuzzChain.validatorKeys[builder].publicKey
        block.header.txRoot = Block.transactionRoot(block.transactions)
        let signer = proposerIndex(height: block.header.height, round: round)
        let bytes = ConsensusStatement.signingBytes(
            chainID: FuzzChain.chainID, kind: .proposal, height: block.header.height, round: round,
            body: Proposal.body(blockID: block.hash, polRound: polRound))
        return Proposal(
            round: round, polRound: polRound, block: block,
            signature: FuzzChain.validatorKeys[signer].sign(bytes))
    }

    /// `block` with a quorum certificate of precommits in `round`.
    public static func certified(_ block: Block, round: UInt64) -> Decision {
        var block = block
        block.header.chainID = FuzzChain.chainID
        block.header.txRoot = Block.transactionRoot(block.transactions)
        let bytes = ConsensusStatement.voteSigningBytes(
            chainID: FuzzChain.chainID, kind: .precommit, height: block.header.height,
            round: round, blockID: block.hash)
        let signatures = (0..<FuzzChain.validatorSet.quorum).map {
            ValidatorSignature(
                validatorIndex: UInt16($0), signature: FuzzChain.validatorKeys[$0].sign(bytes))
        }
        let certificate = CommitCertificate(
            height: block.header.height, round: round, blockID: block.hash,
            signatures: signatures)
        return Decision(block: block, certificate: certificate)
    }

    /// A block at `height` carrying `transactions`, before `honest` fixes its fields.
    public static func block(height: UInt64, round: UInt64, transactions: [Transaction]) -> Block {
        let header = BlockHeader(
            chainID: FuzzChain.chainID, height: height, round: round,
            previousHash: SHA256.hash(Array("parent".utf8)), txRoot: .zero, receiptsRoot: .zero,
            stateRoot: .zero, proposer: FuzzChain.validatorKeys[0].publicKey,
            timeMs: FuzzChain.genesisTimeMs + height * 1_000, nextValidatorsHash: FuzzChain.validatorSet.hash)
        return Block(header: header, transactions: transactions)
    }

    /// One honest message of each shape: proposals with and without transactions and a
    /// proof-of-lock round, prevotes and precommits for a block and for nil, a decision.
    public static var samples: [ConsensusMessage] {
        let zero = try! Signature(bytes: [UInt8](repeating: 0, count: 64))
        let transactions = Array(FuzzScenario.transactions.prefix(2))
        let empty = block(height: 3, round: 0, transactions: [])
        let full = block(height: 4, round: 1, transactions: transactions)
        let messages: [ConsensusMessage] = [
            .proposal(Proposal(round: 0, polRound: nil, block: empty, signature: zero)),
            .proposal(Proposal(round: 2, polRound: 1, block: full, signature: zero)),
            .vote(Vote(kind: .prevote, height: 3, round: 0, blockID: empty.hash,
                       validatorIndex: 1, signature: zero)),
            .vote(Vote(kind: .precommit, height: 3, round: 7, blockID: nil,
                       validatorIndex: 2, signature: zero)),
            .decision(Decision(block: full, certificate: CommitCertificate(
                height: 4, round: 1, blockID: .zero, signatures: []))),
        ]
        return messages.map(honest)
    }
}
