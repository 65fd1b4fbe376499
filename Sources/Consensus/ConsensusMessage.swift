public import Ledger

/// A leader's proposal: a block for (height, round), with the round of the prevote quorum
/// that justifies re-proposing it (`polRound`, Tendermint's "valid round"), if any.
///
/// The height is the block's; the signer is the proposer of (height, `round`). The block's
/// own `header.round` is the round it was first built in, which is earlier than `round`
/// when a valid block is re-proposed.
public struct Proposal: Hashable, Sendable {
    public let round: UInt64
    public let polRound: UInt64?
    public let block: Block
    public let signature: Signature
    /// `block.hash`, computed once: replicas look it up on every rule evaluation.
    public let blockID: Hash256

    public init(round: UInt64, polRound: UInt64?, block: Block, signature: Signature) {
        self.round = round
        self.polRound = polRound
        self.block = block
        self.signature = signature
        self.blockID = block.hash
    }

    public var height: UInt64 { block.header.height }

    /// Equal when round, polRound, block id and signature are: the id is the block's hash,
    /// so comparing it stands for comparing the whole block (which the synthesized `==`
    /// did, transaction by transaction, on every duplicate a peer sent).
    public static func == (lhs: Proposal, rhs: Proposal) -> Bool {
        lhs.blockID == rhs.blockID && lhs.round == rhs.round && lhs.polRound == rhs.polRound
            && lhs.signature == rhs.signature
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(blockID)
        hasher.combine(round)
        hasher.combine(signature)
    }

    /// The signed body: canonical (block id, polRound as an optional UInt64).
    public static func body(blockID: Hash256, polRound: UInt64?) -> [UInt8] {
        var encoder = CanonicalEncoder(reservingCapacity: 42)
        encoder.encode(blockID)
        encoder.encode(polRound)
        return encoder.bytes
    }
}

/// A prevote or precommit for a block id, or for no block (nil).
public struct Vote: Hashable, Sendable {
    public var kind: StatementKind
    public var height: UInt64
    public var round: UInt64
    public var blockID: Hash256?
    public var validatorIndex: UInt16
    public var signature: Signature

    public init(
        kind: StatementKind, height: UInt64, round: UInt64, blockID: Hash256?,
        validatorIndex: UInt16, signature: Signature
    ) {
        precondition(kind != .proposal, "a vote is a prevote or a precommit")
        self.kind = kind
        self.height = height
        self.round = round
        self.blockID = blockID
        self.validatorIndex = validatorIndex
        self.signature = signature
    }
}

/// A final block with its commit certificate: what a replica that fell behind needs to
/// catch up on a height it missed.
public struct Decision: Hashable, Sendable {
    public var block: Block
    public var certificate: CommitCertificate

    public init(block: Block, certificate: CommitCertificate) {
        self.block = block
        self.certificate = certificate
    }
}

/// Everything replicas say to each other.
public enum ConsensusMessage: Hashable, Sendable {
    case proposal(Proposal)
    case vote(Vote)
    case decision(Decision)

    /// The height the message is about.
    public var height: UInt64 {
        switch self {
        case let .proposal(proposal): proposal.height
        case let .vote(vote): vote.height
        case let .decision(decision): decision.block.height
        }
    }
}

// MARK: - Wire encoding

extension ConsensusMessage: CanonicalCodable {
    public static let version: UInt8 = 1
    /// No encoded message may exceed this (a maximal block plus its envelope); decoders
    /// refuse larger input before reading it.
    public static let maxEncodedBytes = 16 << 20

    private enum Tag: UInt8 {
        case proposal = 1
        case vote = 2
        case decision = 3
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(ConsensusMessage.version)
        switch self {
        case let .proposal(proposal):
            encoder.encode(Tag.proposal.rawValue)
            encoder.encode(proposal.round)
            encoder.encode(proposal.polRound)
            encoder.encode(proposal.block)
            encoder.encode(proposal.signature)
        case let .vote(vote):
            encoder.encode(Tag.vote.rawValue)
            encoder.encode(vote.kind.rawValue)
            encoder.encode(vote.height)
            encoder.encode(vote.round)
            encoder.encode(vote.blockID)
            encoder.encode(vote.validatorIndex)
            encoder.encode(vote.signature)
        case let .decision(decision):
            encoder.encode(Tag.decision.rawValue)
            encoder.encode(decision.block)
            encoder.encode(decision.certificate)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "ConsensusMessage", supported: 1...1)
        let rawTag = try decoder.decode(UInt8.self)
        switch Tag(rawValue: rawTag) {
        case .proposal:
            let round = try decoder.decode(UInt64.self)
            let polRound = try decoder.decodeOptionalUInt64()
            let block = try decoder.decode(Block.self)
            let signature = try decoder.decode(Signature.self)
            self = .proposal(Proposal(round: round, polRound: polRound, block: block, signature: signature))
        case .vote:
            let rawKind = try decoder.decode(UInt8.self)
            guard let kind = StatementKind(rawValue: rawKind), kind != .proposal else {
                throw .invalidValue(type: "Vote", reason: "kind \(rawKind) is not a vote")
            }
            let height = try decoder.decode(UInt64.self)
            let round = try decoder.decode(UInt64.self)
            let blockID = try decoder.decodeOptional(Hash256.self)
            let index = try decoder.decode(UInt16.self)
            let signature = try decoder.decode(Signature.self)
            self = .vote(Vote(
                kind: kind, height: height, round: round, blockID: blockID,
                validatorIndex: index, signature: signature))
        case .decision:
            let block = try decoder.decode(Block.self)
            let certificate = try decoder.decode(CommitCertificate.self)
            self = .decision(Decision(block: block, certificate: certificate))
        case nil:
            throw .invalidValue(type: "ConsensusMessage", reason: "unknown tag \(rawTag)")
        }
    }
}
