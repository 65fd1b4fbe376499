import Ledger

/// What a quorum of votes agreed on.
enum QuorumValue: Hashable, Sendable {
    case noBlock
    case block(Hash256)

    init(_ blockID: Hash256?) {
        self = blockID.map(QuorumValue.block) ?? .noBlock
    }
}

/// The votes of one kind at one (height, round).
///
/// Each validator's first vote counts toward `total`; a later different vote is an
/// equivocation, reported as evidence, but it still counts toward its own block's tally.
/// That is safe (two quorums for different blocks need more than f equivocators) and
/// needed: an honest replica that saw a Twin's other face first must still be able to
/// recognise the quorum everyone else saw, or the locked replicas could never convince it.
struct VoteSet: Sendable {
    private(set) var firstVotes: [Vote?]
    /// Per value, the vote of each validator that voted for it.
    private var votesByValue: [QuorumValue: [Vote?]] = [:]
    private var tally: [QuorumValue: Int] = [:]
    private var valuesPerValidator: [Int]
    private(set) var total = 0
    /// The first value that reached a quorum.
    private(set) var quorum: QuorumValue?

    /// Bounds what one equivocating validator can make us store.
    static let maxValuesPerValidator = 4

    init(validatorCount: Int) {
        firstVotes = Array(repeating: nil, count: validatorCount)
        valuesPerValidator = Array(repeating: 0, count: validatorCount)
    }

    enum Outcome {
        case added
        case duplicate
        case conflicting(first: Vote)
    }

    mutating func add(_ vote: Vote, quorumSize: Int) -> Outcome {
        let index = Int(vote.validatorIndex)
        let value = QuorumValue(vote.blockID)
        var voters = votesByValue[value] ?? Array(repeating: nil, count: firstVotes.count)
        if voters[index] != nil { return .duplicate }
        let first = firstVotes[index]
        if first != nil {
            guard valuesPerValidator[index] < VoteSet.maxValuesPerValidator else { return .duplicate }
        } else {
            firstVotes[index] = vote
            total += 1
        }
        valuesPerValidator[index] += 1
        voters[index] = vote
        votesByValue[value] = voters
        let count = tally[value, default: 0] + 1
        tally[value] = count
        if quorum == nil, count >= quorumSize { quorum = value }
        if let first { return .conflicting(first: first) }
        return .added
    }

    func hasQuorum(for value: QuorumValue, quorumSize: Int) -> Bool {
        tally[value, default: 0] >= quorumSize
    }

    /// The blocks anyone voted for here (unordered: callers only test membership).
    var blockIDs: [Hash256] {
        votesByValue.keys.compactMap { value in
            if case let .block(blockID) = value { blockID } else { nil }
        }
    }

    /// The votes for `value`, in validator order.
    func votes(for value: QuorumValue) -> [Vote] {
        (votesByValue[value] ?? []).compactMap { $0 }
    }

    /// Signatures of the votes for `blockID`, sorted by validator index (certificate order).
    func signatures(for blockID: Hash256) -> [ValidatorSignature] {
        votes(for: .block(blockID)).map {
            ValidatorSignature(validatorIndex: $0.validatorIndex, signature: $0.signature)
        }
    }
}

/// Everything a replica knows about the height it is deciding; reset on every commit.
struct HeightState: Sendable {
    var lockedRound: UInt64?
    var lockedBlock: Block?
    var validRound: UInt64?
    var validBlock: Block?
    /// Proposals per round; the first is the one this replica acts on, later ones (only an
    /// equivocating proposer makes them) are kept so their blocks can still be committed.
    var proposals: [UInt64: [Proposal]] = [:]
    var blocks: [Hash256: Block] = [:]
    /// `Replica.approximateByteCount` of each block in `blocks`, and their sum (the
    /// budget `Replica.maxProposalBytesPerHeight` applies to it).
    var blockBytes: [Hash256: Int] = [:]
    var proposalBytes = 0
    var validity: [Hash256: Bool] = [:]
    /// Blocks already sent to the application for validation (once each).
    var validationRequested: Set<Hash256> = []
    /// Per validator, the highest round it was heard in, kept or not (the far round skip).
    var highestRoundHeard: [Int: UInt64] = [:]
    var prevotes: [UInt64: VoteSet] = [:]
    var precommits: [UInt64: VoteSet] = [:]
    /// Bitmask of validators heard from per round (n <= 31), for the f+1 round skip.
    var roundSenders: [UInt64: UInt32] = [:]
    var prevoteTimeoutRounds: Set<UInt64> = []
    var precommitTimeoutRounds: Set<UInt64> = []
    var lockUpdateRounds: Set<UInt64> = []
    var payloadRequestRound: UInt64?
    /// The round in which this proposer already waited once for transactions.
    var emptyWaitRound: UInt64?
    /// This replica's own statements per round, re-sent by the retransmit timer.
    var ownStatements: [UInt64: [ConsensusMessage]] = [:]
    var reportedEvidence: Set<Hash256> = []

    static let maxProposalsPerRound = 4
}
