public import Contracts
public import Ledger

/// A key registered to an organisation, with its roles.
public struct OrganisationKeyView: Codable, Sendable, Hashable {
    public var publicKey: String
    public var organisationID: String
    /// admin | licence-issuer | licence-user | identity-provider | bill-issuer | reimburser | auditor
    public var roles: [String]
    /// For a licence issuer: the licence types it may issue.
    public var licenceTypes: [String]

    enum CodingKeys: String, CodingKey {
        case roles
        case publicKey = "public_key", organisationID = "organisation_id", licenceTypes = "licence_types"
    }

    public init(_ record: KeyRecord) {
        publicKey = record.publicKey.hex
        organisationID = record.organisationID
        roles = record.roles.map(\.rawValue)
        licenceTypes = record.licenceTypes
    }
}

/// An organisation (a department, hospital, insurer...) and its registered keys.
public struct OrganisationView: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    /// The unified social credit code (统一社会信用代码).
    public var creditCode: String
    public var keys: [OrganisationKeyView]

    enum CodingKeys: String, CodingKey {
        case id, name, keys
        case creditCode = "credit_code"
    }

    /// `keys` are the organisation's key records; a listed key without one (a record the
    /// governance contract never leaves behind) is shown with no roles.
    public init(_ record: OrganisationRecord, keys: [PublicKey: KeyRecord]) {
        id = record.id
        name = record.name
        creditCode = record.creditCode
        self.keys = record.keys.map { key in
            keys[key].map(OrganisationKeyView.init)
                ?? OrganisationKeyView(KeyRecord(publicKey: key, organisationID: record.id, roles: [], licenceTypes: []))
        }
    }
}

/// A consensus validator.
public struct ValidatorView: Codable, Sendable, Hashable {
    public var name: String
    /// The consensus key: signs proposals and votes only.
    public var publicKey: String
    /// host:port of its peer endpoint.
    public var address: String
    /// The network key: authenticates its peer connections.
    public var networkKey: String

    enum CodingKeys: String, CodingKey {
        case name, address
        case publicKey = "public_key"
        case networkKey = "network_key"
    }

    public init(_ validator: Validator) {
        name = validator.name
        publicKey = validator.publicKey.hex
        address = validator.address
        networkKey = validator.networkKey.hex
    }
}

/// A follower node governance admits (`GET /v1/followers`): validators accept its key at
/// the peer handshake; it syncs and serves reads, and never votes.
public struct FollowerView: Codable, Sendable, Hashable {
    public var name: String
    public var publicKey: String

    enum CodingKeys: String, CodingKey {
        case name
        case publicKey = "public_key"
    }

    public init(_ follower: Follower) {
        name = follower.name
        publicKey = follower.publicKey.hex
    }
}

/// One of the chain's validator sets (`GET /v1/validator-sets`): it certifies every block
/// from `from_height` until the next set's `from_height`. A client checks it against the
/// certified header of block `from_height - 1`, whose `nextValidatorsHash` names it.
public struct ValidatorSetView: Codable, Sendable, Hashable {
    public var fromHeight: UInt64
    /// The set's commitment (`ValidatorSet.hash`), hex.
    public var hash: String
    public var validators: [ValidatorView]

    enum CodingKeys: String, CodingKey {
        case hash, validators
        case fromHeight = "from_height"
    }

    public init(fromHeight: UInt64, validators: [Validator], hash: Hash256) {
        self.fromHeight = fromHeight
        self.hash = hash.hex
        self.validators = validators.map(ValidatorView.init)
    }
}

/// A governance proposal and the admin keys that approved it.
public struct ProposalView: Codable, Sendable, Hashable {
    public var id: String
    /// registerOrganisation | addKey | removeKey | rotateKey | grantRole | revokeRole |
    /// addValidator | removeValidator | registerDutyItem | removeDutyItem | registerLicenceType |
    /// addFollower | removeFollower
    public var kind: String
    /// The change's canonical bytes (docs/encoding.md), the authority for what it does.
    public var changeHex: String
    public var approvals: [String]
    public var executed: Bool
    public var proposedAtHeight: UInt64

    enum CodingKeys: String, CodingKey {
        case id, kind, approvals, executed
        case changeHex = "change_hex", proposedAtHeight = "proposed_at_height"
    }

    public init(_ proposal: Proposal) {
        id = proposal.id
        kind = proposal.change.name
        changeHex = Hex.encode(proposal.change.canonicalBytes)
        approvals = proposal.approvals.map(\.hex)
        executed = proposal.executed
        proposedAtHeight = proposal.proposedAtHeight
    }
}

/// Recorded proof that a validator signed two different statements for one slot.
public struct EvidenceView: Codable, Sendable, Hashable {
    public var validator: String
    /// proposal | prevote | precommit
    public var kind: String
    public var height: UInt64
    public var round: UInt64
    /// The evidence's canonical bytes: both statements and both signatures.
    public var evidenceHex: String
    public var reporterOrganisation: String
    public var recordedAtHeight: UInt64

    enum CodingKeys: String, CodingKey {
        case validator, kind, height, round
        case evidenceHex = "evidence_hex", reporterOrganisation = "reporter_organisation"
        case recordedAtHeight = "recorded_at_height"
    }

    public init(_ record: EvidenceRecord) {
        let evidence = record.evidence
        validator = evidence.validator.hex
        kind = switch evidence.kind {
        case .proposal: "proposal"
        case .prevote: "prevote"
        case .precommit: "precommit"
        }
        height = evidence.height
        round = evidence.round
        evidenceHex = Hex.encode(evidence.canonicalBytes)
        reporterOrganisation = record.reporterOrganisation
        recordedAtHeight = record.recordedAtHeight
    }
}

/// One version of a tracked record (the licence or bill trail): the transaction that wrote
/// it, and the record as it was then (null: the record was deleted).
public struct HistoryEntryView<Record: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var height: UInt64
    public var txIndex: UInt32
    public var txID: String
    @Nullable public var record: Record?

    enum CodingKeys: String, CodingKey {
        case height, record
        case txIndex = "tx_index", txID = "tx_id"
    }

    public init(height: UInt64, txIndex: UInt32, txID: Hash256, record: Record?) {
        self.height = height
        self.txIndex = txIndex
        self.txID = txID.hex
        self.record = record
    }
}
