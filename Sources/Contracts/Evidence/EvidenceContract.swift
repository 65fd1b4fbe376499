public import Ledger

/// Equivocation evidence, verified against the genesis validator set held in state.
enum EvidenceContract {
    static let name = EvidenceCall.contractName

    static func key(_ hash: Hash256) -> StateKey { StateKey("evidence/\(hash.hex)") }
    static let prefix = StateKey("evidence/")

    static func invoke(_ call: EvidenceCall, in context: inout ContractContext)
        throws(ContractError)
    {
        switch call {
        case let .record(evidence):
            let parameters = try GovernanceContract.parameters(in: context)
            guard evidence.chainID == parameters.chainID else {
                throw ContractError(.invalidEvidence, "evidence is for chain \(evidence.chainID)")
            }
            do {
                try evidence.verify(validators: ValidatorSet(parameters.validators))
            } catch {
                throw ContractError(.invalidEvidence, error.description)
            }
            let hash = evidence.hash
            guard !context.exists(key(hash)) else {
                throw ContractError(.alreadyExists, "evidence \(hash.hex) is already recorded")
            }
            let record = EvidenceRecord(
                evidence: evidence, reporter: context.organisationID, height: context.blockHeight)
            context.put(record, at: key(hash))
            context.emit(
                name, "recorded",
                [
                    ("evidence", hash.hex), ("validator", evidence.validator.hex),
                    ("height", String(evidence.height)), ("round", String(evidence.round)),
                ])
        }
    }
}

/// Recorded evidence, who reported it and when.
public struct EvidenceRecord: Hashable, Sendable, CanonicalCodable {
    public var evidence: EquivocationEvidence
    public var reporterOrganisation: String
    public var recordedAtHeight: UInt64

    init(evidence: EquivocationEvidence, reporter: String, height: UInt64) {
        self.evidence = evidence
        self.reporterOrganisation = reporter
        self.recordedAtHeight = height
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(evidence); encoder.encode(reporterOrganisation)
        encoder.encode(recordedAtHeight)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        evidence = try decoder.decode(EquivocationEvidence.self)
        reporterOrganisation = try decoder.decodeName()
        recordedAtHeight = try decoder.decode(UInt64.self)
    }
}
