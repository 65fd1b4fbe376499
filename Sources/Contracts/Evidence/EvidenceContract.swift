public import Ledger

/// Equivocation evidence, verified against the validator set of the evidence's own height
/// (`ValidatorSchedule`): a validator removed before that height signs nothing that counts,
/// and one added counts from the height its set takes effect.
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
            let validatorsThen = try validators(at: evidence.height, in: context)
            do {
                try evidence.verify(validators: ValidatorSet(validatorsThen))
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

extension EvidenceContract {
    /// The set that certifies block `height`, as executed state determines it. A height not
    /// yet determined (beyond this block + 2) is judged by the latest determined set: two
    /// conflicting statements for a future height are misbehaviour of a current validator.
    static func validators(at height: UInt64, in context: ContractContext) throws(ContractError) -> [Validator] {
        let tip = context.blockHeight
        let latest = tip > UInt64.max - ValidatorSchedule.activationDelay
            ? UInt64.max : tip + ValidatorSchedule.activationDelay
        guard height >= 1 else { throw ContractError(.invalidEvidence, "evidence names height 0") }
        let history = try context.history(of: GovernanceKeys.parameters)
        guard let validators = ValidatorSchedule.validators(
            certifying: min(height, latest), tip: tip, history: history)
        else {
            throw ContractError(.storedRecordCorrupt, "no validator set recorded for height \(height)")
        }
        return validators
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
