/// What a signed consensus statement is. Only `.precommit` votes make commit certificates.
public enum StatementKind: UInt8, Sendable, Hashable, CaseIterable, Codable {
    case proposal = 0
    case prevote = 1
    case precommit = 2
}

/// The exact bytes a validator signs for any consensus statement (a proposal or a vote).
///
/// Layout: domain tag | chain id | kind | height | round | body (length-prefixed).
/// For votes the body is the canonical encoding of `Hash256?` (nil = no block); a proposal's
/// body is defined by Consensus. Because (kind, height, round) sit in a fixed header, anyone
/// can tell that two statements conflict (same header, different body) without knowing the
/// protocol: that is what `EquivocationEvidence` checks.
public enum ConsensusStatement {
    static let domain = Array("govchain/consensus/v1".utf8)

    public static func signingBytes(
        chainID: String, kind: StatementKind, height: UInt64, round: UInt64, body: [UInt8]
    ) -> [UInt8] {
        var encoder = CanonicalEncoder(reservingCapacity: 64 + body.count)
        encoder.encode(fixed: domain)
        encoder.encode(chainID)
        encoder.encode(kind.rawValue)
        encoder.encode(height)
        encoder.encode(round)
        encoder.encode(bytes: body)
        return encoder.bytes
    }

    /// The body of a prevote or precommit.
    public static func voteBody(blockID: Hash256?) -> [UInt8] {
        var encoder = CanonicalEncoder(reservingCapacity: 33)
        encoder.encode(blockID)
        return encoder.bytes
    }

    /// The signing bytes of a prevote or precommit.
    public static func voteSigningBytes(
        chainID: String, kind: StatementKind, height: UInt64, round: UInt64, blockID: Hash256?
    ) -> [UInt8] {
        precondition(kind != .proposal, "a proposal is not a vote")
        return signingBytes(
            chainID: chainID, kind: kind, height: height, round: round, body: voteBody(blockID: blockID))
    }
}

/// Why evidence does not prove an equivocation.
public enum EvidenceError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownValidator
    case identicalStatements
    case invalidSignature

    public var description: String {
        switch self {
        case .unknownValidator: "the accused key is not a validator"
        case .identicalStatements: "the two statements are the same, not conflicting"
        case .invalidSignature: "a signature in the evidence is invalid"
        }
    }
}

/// Two statements one validator signed for the same (kind, height, round) with different
/// bodies: proof that it equivocated, checkable by anyone with the validator set.
public struct EquivocationEvidence: Hashable, Sendable, Codable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var chainID: String
    public var validator: PublicKey
    public var kind: StatementKind
    public var height: UInt64
    public var round: UInt64
    public var firstBody: [UInt8]
    public var firstSignature: Signature
    public var secondBody: [UInt8]
    public var secondSignature: Signature

    /// Builds evidence with the two statements in canonical (byte) order, so two nodes that
    /// saw them in opposite orders report identical evidence.
    public init(
        chainID: String, validator: PublicKey, kind: StatementKind, height: UInt64, round: UInt64,
        bodyA: [UInt8], signatureA: Signature, bodyB: [UInt8], signatureB: Signature
    ) {
        self.chainID = chainID
        self.validator = validator
        self.kind = kind
        self.height = height
        self.round = round
        if bodyA.lexicographicallyPrecedes(bodyB) {
            (firstBody, firstSignature, secondBody, secondSignature) = (bodyA, signatureA, bodyB, signatureB)
        } else {
            (firstBody, firstSignature, secondBody, secondSignature) = (bodyB, signatureB, bodyA, signatureA)
        }
    }

    public var hash: Hash256 { ChainHash.hash(canonicalBytes) }

    public func verify(validators: ValidatorSet) throws(EvidenceError) {
        guard validators.index(of: validator) != nil else { throw .unknownValidator }
        guard firstBody != secondBody else { throw .identicalStatements }
        for (body, signature) in [(firstBody, firstSignature), (secondBody, secondSignature)] {
            let message = ConsensusStatement.signingBytes(
                chainID: chainID, kind: kind, height: height, round: round, body: body)
            guard validator.isValidSignature(signature, for: message) else { throw .invalidSignature }
        }
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(EquivocationEvidence.version)
        encoder.encode(chainID)
        encoder.encode(validator)
        encoder.encode(kind.rawValue)
        encoder.encode(height)
        encoder.encode(round)
        encoder.encode(bytes: firstBody)
        encoder.encode(firstSignature)
        encoder.encode(bytes: secondBody)
        encoder.encode(secondSignature)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "EquivocationEvidence", supported: 1...1)
        chainID = try decoder.decode(String.self, limit: 64)
        validator = try decoder.decode(PublicKey.self)
        let rawKind = try decoder.decode(UInt8.self)
        guard let kind = StatementKind(rawValue: rawKind) else {
            throw .invalidValue(type: "StatementKind", reason: "unknown kind \(rawKind)")
        }
        self.kind = kind
        height = try decoder.decode(UInt64.self)
        round = try decoder.decode(UInt64.self)
        firstBody = try decoder.decodeBytes(limit: 1024)
        firstSignature = try decoder.decode(Signature.self)
        secondBody = try decoder.decodeBytes(limit: 1024)
        secondSignature = try decoder.decode(Signature.self)
    }
}
