public import Ledger

/// Why a message from the network was dropped. `label` is a stable short name the node
/// and the simulator count drops by.
public enum VerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(CodecError)
    case oversized(byteCount: Int)
    case unknownValidator(index: Int)
    case wrongProposer(expected: Int)
    case wrongChain(String)
    case invalidSignature
    case inconsistentTxRoot
    case invalidPolRound(polRound: UInt64, round: UInt64)
    case invalidCertificate(CertificateError)
    /// The verifier does not know the set of this height yet (more than two past its tip)
    /// or any more (older than it keeps).
    case unknownValidatorSet(height: UInt64)

    public var label: String {
        switch self {
        case .malformed: "malformed"
        case .oversized: "oversized"
        case .unknownValidator: "unknown_validator"
        case .wrongProposer: "wrong_proposer"
        case .wrongChain: "wrong_chain"
        case .invalidSignature: "invalid_signature"
        case .inconsistentTxRoot: "inconsistent_tx_root"
        case .invalidPolRound: "invalid_pol_round"
        case .invalidCertificate: "invalid_certificate"
        case .unknownValidatorSet: "unknown_validator_set"
        }
    }

    public var description: String {
        switch self {
        case let .malformed(error): "malformed message: \(error)"
        case let .oversized(count): "message of \(count) bytes exceeds the bound"
        case let .unknownValidator(index): "validator index \(index) is not in the set"
        case let .wrongProposer(expected): "proposal not signed by the round's proposer \(expected)"
        case let .wrongChain(chainID): "message for chain \(chainID)"
        case .invalidSignature: "invalid signature"
        case .inconsistentTxRoot: "block tx root does not match its transactions"
        case let .invalidPolRound(polRound, round): "polRound \(polRound) is not below round \(round)"
        case let .invalidCertificate(error): "invalid certificate: \(error)"
        case let .unknownValidatorSet(height): "validator set of height \(height) not known here"
        }
    }
}

/// A message as it arrives: decoded but not yet trusted. Only `verify` turns it into a
/// `VerifiedMessage`, the only kind a `Replica` accepts.
public struct UnverifiedMessage: Sendable {
    public let message: ConsensusMessage

    public init(_ message: ConsensusMessage) {
        self.message = message
    }

    /// Decodes wire bytes; hostile input throws, never traps.
    public init(bytes: [UInt8]) throws(VerificationError) {
        guard bytes.count <= ConsensusMessage.maxEncodedBytes else {
            throw .oversized(byteCount: bytes.count)
        }
        do {
            message = try ConsensusMessage(
                canonicalBytes: bytes, lengthLimit: ConsensusMessage.maxEncodedBytes)
        } catch {
            throw .malformed(error)
        }
    }

    /// Checks the signature (or certificate), the signer's membership and role, and the
    /// message's internal consistency.
    /// - Returns: the message, now safe to hand to a `Replica`.
    public func verify(
        chainID: String, validators: ValidatorSet
    ) throws(VerificationError) -> VerifiedMessage {
        switch message {
        case let .proposal(proposal):
            try Self.verify(proposal, chainID: chainID, validators: validators)
            let signer = Self.proposerIndex(
                height: proposal.height, round: proposal.round, validators: validators)
            return VerifiedMessage(
                message: message, signer: signer, signerKey: validators[signer].publicKey)
        case let .vote(vote):
            try Self.verify(vote, chainID: chainID, validators: validators)
            let signer = Int(vote.validatorIndex)
            return VerifiedMessage(
                message: message, signer: signer, signerKey: validators[signer].publicKey)
        case let .decision(decision):
            try Self.verify(decision, chainID: chainID, validators: validators)
            return VerifiedMessage(message: message, signer: nil, signerKey: nil)
        }
    }

    /// Verifies against the set of the message's own height (a decision's: its block's).
    public func verify(
        chainID: String, sets: ValidatorSetHistory
    ) throws(VerificationError) -> VerifiedMessage {
        guard let validators = sets.set(forHeight: message.height) else {
            throw .unknownValidatorSet(height: message.height)
        }
        return try verify(chainID: chainID, validators: validators)
    }

    static func proposerIndex(height: UInt64, round: UInt64, validators: ValidatorSet) -> Int {
        Int((height &+ round) % UInt64(validators.count))
    }

    private static func verify(
        _ proposal: Proposal, chainID: String, validators: ValidatorSet
    ) throws(VerificationError) {
        let header = proposal.block.header
        guard header.chainID == chainID else { throw .wrongChain(header.chainID) }
        if let polRound = proposal.polRound, polRound >= proposal.round {
            throw .invalidPolRound(polRound: polRound, round: proposal.round)
        }
        // A re-proposed block keeps the round (and proposer) it was built in.
        guard header.round <= proposal.round else {
            throw .invalidPolRound(polRound: header.round, round: proposal.round)
        }
        let builder = proposerIndex(height: header.height, round: header.round, validators: validators)
        guard validators[builder].publicKey == header.proposer else {
            throw .wrongProposer(expected: builder)
        }
        guard proposal.block.hasConsistentTxRoot else { throw .inconsistentTxRoot }
        let signer = proposerIndex(height: header.height, round: proposal.round, validators: validators)
        let bytes = ConsensusStatement.signingBytes(
            chainID: chainID, kind: .proposal, height: header.height, round: proposal.round,
            body: Proposal.body(blockID: proposal.blockID, polRound: proposal.polRound))
        guard validators[signer].publicKey.isValidSignature(proposal.signature, for: bytes) else {
            throw .invalidSignature
        }
    }

    private static func verify(
        _ vote: Vote, chainID: String, validators: ValidatorSet
    ) throws(VerificationError) {
        let index = Int(vote.validatorIndex)
        guard index < validators.count else { throw .unknownValidator(index: index) }
        let bytes = ConsensusStatement.voteSigningBytes(
            chainID: chainID, kind: vote.kind, height: vote.height, round: vote.round, blockID: vote.blockID)
        guard validators[index].publicKey.isValidSignature(vote.signature, for: bytes) else {
            throw .invalidSignature
        }
    }

    private static func verify(
        _ decision: Decision, chainID: String, validators: ValidatorSet
    ) throws(VerificationError) {
        let header = decision.block.header
        guard header.chainID == chainID else { throw .wrongChain(header.chainID) }
        guard decision.block.hasConsistentTxRoot else { throw .inconsistentTxRoot }
        do {
            try decision.certificate.verify(
                chainID: chainID, validators: validators, blockID: header.hash, height: header.height)
        } catch {
            throw .invalidCertificate(error)
        }
    }
}

/// A message whose signatures, signer and structure have been checked against the
/// validator set. Only `UnverifiedMessage.verify` makes one.
public struct VerifiedMessage: Sendable {
    public let message: ConsensusMessage
    /// The validator index that signed it, in the set of the message's height (nil for a
    /// decision, which a quorum signed).
    public let signer: Int?
    /// The key behind `signer`: indices change meaning when the set changes, keys do not.
    public let signerKey: PublicKey?

    fileprivate init(message: ConsensusMessage, signer: Int?, signerKey: PublicKey?) {
        self.message = message
        self.signer = signer
        self.signerKey = signerKey
    }
}
