public import Ledger

/// A registered signing key: its organisation and what it may do. Stored at
/// `key/<public key hex>`; the executor reads it to authorise every call.
public struct KeyRecord: Hashable, Sendable, CanonicalCodable {
    public var publicKey: PublicKey
    public var organisationID: String
    /// Sorted and unique.
    public var roles: [Role]
    /// Licence type codes this key may issue (meaningful with `.licenceIssuer`), sorted.
    public var licenceTypes: [String]

    public init(publicKey: PublicKey, organisationID: String, roles: [Role], licenceTypes: [String])
    {
        self.publicKey = publicKey
        self.organisationID = organisationID
        self.roles = Array(Set(roles)).sorted()
        self.licenceTypes = Array(Set(licenceTypes)).sorted()
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(publicKey)
        encoder.encode(organisationID)
        encoder.encode(roles: roles)
        encoder.encode(licenceTypes)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        publicKey = try decoder.decode(PublicKey.self)
        organisationID = try decoder.decodeName()
        roles = try decoder.decodeRoles()
        licenceTypes = try decoder.decodeNames(limit: RecordLimits.licenceTypesPerKey)
    }
}

/// An organisation as state holds it: its keys are separate `KeyRecord`s, listed here.
public struct OrganisationRecord: Hashable, Sendable, CanonicalCodable {
    public var id: String
    public var name: String
    /// The organisation's unified social credit code (public for organisations).
    public var creditCode: String
    /// Sorted.
    public var keys: [PublicKey]

    public init(id: String, name: String, creditCode: String, keys: [PublicKey]) {
        self.id = id
        self.name = name
        self.creditCode = creditCode
        self.keys = keys.sorted()
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(id)
        encoder.encode(name)
        encoder.encode(creditCode)
        encoder.encode(keys)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        id = try decoder.decodeName()
        name = try decoder.decode(String.self, limit: RecordLimits.organisationNameBytes)
        creditCode = try decoder.decodeName()
        keys = try decoder.decodeArray(of: PublicKey.self, limit: RecordLimits.keysPerOrganisation)
    }
}

/// Chain-wide parameters the contracts need from genesis.
public struct ChainParameters: Hashable, Sendable, CanonicalCodable {
    public var chainID: String
    public var adminThreshold: UInt32
    public var validators: [Validator]

    public init(chainID: String, adminThreshold: UInt32, validators: [Validator]) {
        self.chainID = chainID
        self.adminThreshold = adminThreshold
        self.validators = validators
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(chainID)
        encoder.encode(adminThreshold)
        encoder.encode(validators)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        chainID = try decoder.decodeName()
        adminThreshold = try decoder.decode(UInt32.self)
        validators = try decoder.decodeArray(of: Validator.self, limit: RecordLimits.validators)
        // Evidence checks build a `ValidatorSet`, which traps on an empty set or a repeated
        // key: such a record is refused here, as corrupt, instead.
        guard !validators.isEmpty,
            Set(validators.map(\.publicKey)).count == validators.count
        else {
            throw .invalidValue(type: "ChainParameters", reason: "empty or repeated validators")
        }
    }
}

/// A pending or executed governance change and the admin keys that approved it.
public struct Proposal: Hashable, Sendable, CanonicalCodable {
    public var id: String
    public var change: GovernanceChange
    /// Sorted, one entry per admin key. Only those of keys that are registered admins when
    /// counted make up the threshold; the others are dropped at the next approval.
    public var approvals: [PublicKey]
    public var executed: Bool
    public var proposedAtHeight: UInt64

    public init(
        id: String, change: GovernanceChange, approvals: [PublicKey], executed: Bool,
        proposedAtHeight: UInt64
    ) {
        self.id = id
        self.change = change
        self.approvals = approvals.sorted()
        self.executed = executed
        self.proposedAtHeight = proposedAtHeight
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(id)
        encoder.encode(change)
        encoder.encode(approvals)
        encoder.encode(executed)
        encoder.encode(proposedAtHeight)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        id = try decoder.decodeName()
        change = try decoder.decode(GovernanceChange.self)
        approvals = try decoder.decodeArray(
            of: PublicKey.self, limit: RecordLimits.approvalsPerProposal)
        executed = try decoder.decode(Bool.self)
        proposedAtHeight = try decoder.decode(UInt64.self)
    }
}

/// State keys of the governance contract.
enum GovernanceKeys {
    static let parameters = StateKey("gov/parameters")
    static let followers = StateKey("gov/followers")
    static func organisation(_ id: String) -> StateKey { StateKey("org/\(id)") }
    static func key(_ publicKey: PublicKey) -> StateKey { StateKey("key/\(publicKey.hex)") }
    static func proposal(_ id: String) -> StateKey { StateKey("gov/proposal/\(id)") }
}
