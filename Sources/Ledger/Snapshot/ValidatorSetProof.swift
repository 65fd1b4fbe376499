/// A validator set after genesis and the proof that the chain chose it: the certified
/// header of block `fromHeight - 1`, whose `nextValidatorsHash` names the set. A node that
/// trusts only genesis checks these in height order, each header against the set before
/// it, to learn the set of a later height (a snapshot's certificates need it; docs/node.md).
public struct ValidatorSetProof: Hashable, Sendable, CanonicalCodable {
    public var validators: [Validator]
    public var naming: BlockHeader
    public var namingCertificate: CommitCertificate

    public init(validators: [Validator], naming: BlockHeader, namingCertificate: CommitCertificate) {
        self.validators = validators
        self.naming = naming
        self.namingCertificate = namingCertificate
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(validators)
        encoder.encode(naming)
        encoder.encode(namingCertificate)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        validators = try decoder.decodeArray(of: Validator.self, limit: ValidatorSet.maxValidators)
        naming = try decoder.decode(BlockHeader.self)
        namingCertificate = try decoder.decode(CommitCertificate.self)
    }
}

/// The sets of every height, from sets the caller trusts and proofs checked against them.
struct ProvenValidatorSets {
    private var changes: [(from: UInt64, set: ValidatorSet)] = []

    /// - Parameters:
    ///   - trusted: what the caller knows without proof (genesis's set, for every height).
    ///   - proofs: in height order; each header is checked against the set of its height,
    ///     which is the trusted one until the first proof takes over.
    init(trusted: (UInt64) -> ValidatorSet?, proofs: [ValidatorSetProof], chainID: String)
        throws(SnapshotError)
    {
        for proof in proofs {
            let namingHeight = proof.naming.height
            guard namingHeight >= 1, namingHeight < UInt64.max, proof.naming.chainID == chainID else {
                throw .inconsistent("a validator-set proof names height \(namingHeight) of chain \(proof.naming.chainID)")
            }
            let from = namingHeight + 1
            if let last = changes.last, from <= last.from {
                throw .inconsistent("validator-set proofs are not in height order")
            }
            guard let certifying = set(forHeight: namingHeight, trusted: trusted) else {
                throw .uncertified(height: namingHeight, reason: "no validator set known for it")
            }
            do {
                try proof.namingCertificate.verify(
                    chainID: chainID, validators: certifying, blockID: proof.naming.hash, height: namingHeight)
            } catch {
                throw .uncertified(height: namingHeight, reason: error.description)
            }
            guard let set = ValidatorSet.checked(proof.validators), proof.naming.nextValidatorsHash == set.hash else {
                throw .inconsistent("header \(namingHeight) does not name the validator set proven from \(from)")
            }
            changes.append((from, set))
        }
    }

    /// The proven set of `height`, or the trusted one before the first proven change.
    func set(forHeight height: UInt64, trusted: (UInt64) -> ValidatorSet?) -> ValidatorSet? {
        changes.last(where: { $0.from <= height })?.set ?? trusted(height)
    }
}
