/// One validator's signature, named by its index in the validator set.
public struct ValidatorSignature: Hashable, Sendable, CanonicalCodable {
    public var validatorIndex: UInt16
    public var signature: Signature

    public init(validatorIndex: UInt16, signature: Signature) {
        self.validatorIndex = validatorIndex
        self.signature = signature
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(validatorIndex)
        encoder.encode(signature)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        validatorIndex = try decoder.decode(UInt16.self)
        signature = try decoder.decode(Signature.self)
    }
}

/// Why a commit certificate does not prove finality.
public enum CertificateError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongBlock(expected: Hash256, certified: Hash256)
    case wrongHeight(expected: UInt64, certified: UInt64)
    case unknownValidator(index: UInt16)
    case duplicateSigner(index: UInt16)
    case unsortedSigners
    case invalidSignature(index: UInt16)
    case insufficientSigners(valid: Int, quorum: Int)

    public var description: String {
        switch self {
        case let .wrongBlock(expected, certified): "certificate is for block \(certified), not \(expected)"
        case let .wrongHeight(expected, certified): "certificate is for height \(certified), not \(expected)"
        case let .unknownValidator(index): "signer index \(index) is not a validator"
        case let .duplicateSigner(index): "validator \(index) signed twice"
        case .unsortedSigners: "signatures are not in validator order"
        case let .invalidSignature(index): "signature of validator \(index) is invalid"
        case let .insufficientSigners(valid, quorum): "\(valid) valid signatures, \(quorum) needed"
        }
    }
}

/// Proof that a block is final: precommit signatures of at least a quorum (2f + 1) of the
/// validator set over (height, round, block id). Stored with its block, so anyone holding
/// genesis can check finality offline.
public struct CommitCertificate: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var height: UInt64
    public var round: UInt64
    public var blockID: Hash256
    /// Sorted by validator index, one per validator.
    public var signatures: [ValidatorSignature]

    public init(height: UInt64, round: UInt64, blockID: Hash256, signatures: [ValidatorSignature]) {
        self.height = height
        self.round = round
        self.blockID = blockID
        self.signatures = signatures
    }

    /// Checks that a quorum of `validators` signed precommits for `blockID` at `height`.
    /// Every listed signature must be valid: a certificate padded with junk is refused.
    public func verify(
        chainID: String, validators: ValidatorSet, blockID expectedID: Hash256, height expectedHeight: UInt64
    ) throws(CertificateError) {
        guard blockID == expectedID else { throw .wrongBlock(expected: expectedID, certified: blockID) }
        guard height == expectedHeight else {
            throw .wrongHeight(expected: expectedHeight, certified: height)
        }
        let message = ConsensusStatement.voteSigningBytes(
            chainID: chainID, kind: .precommit, height: height, round: round, blockID: blockID)
        var previous: Int = -1
        for entry in signatures {
            let index = Int(entry.validatorIndex)
            guard index < validators.count else { throw .unknownValidator(index: entry.validatorIndex) }
            guard index != previous else { throw .duplicateSigner(index: entry.validatorIndex) }
            guard index > previous else { throw .unsortedSigners }
            previous = index
            guard validators[index].publicKey.isValidSignature(entry.signature, for: message) else {
                throw .invalidSignature(index: entry.validatorIndex)
            }
        }
        guard signatures.count >= validators.quorum else {
            throw .insufficientSigners(valid: signatures.count, quorum: validators.quorum)
        }
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(CommitCertificate.version)
        encoder.encode(height)
        encoder.encode(round)
        encoder.encode(blockID)
        encoder.encode(signatures)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "CommitCertificate", supported: 1...1)
        height = try decoder.decode(UInt64.self)
        round = try decoder.decode(UInt64.self)
        blockID = try decoder.decode(Hash256.self)
        signatures = try decoder.decodeArray(of: ValidatorSignature.self, limit: ValidatorSet.maxValidators)
    }
}
