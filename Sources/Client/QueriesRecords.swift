public import Contracts
public import Ledger

// The typed answers of the node's query routes (docs/api.md). The node renders records by
// reflection (`JSONView` in Node), so the property names here are the contract record
// types' property names, enum cases appear by case name ("partiallyReversed"), hashes and
// keys as lower-case hex. These types are also what `govchain --json` prints, so a script
// can decode the CLI's output with the same types the library returns.

/// A licence record (`licence/<id>`): no holder identity, only the commitment and the
/// licence file's SHA-256.
public struct LicenceInfo: Codable, Sendable, Hashable {
    public var id: String
    public var licenceType: String
    public var issuerOrganisation: String
    public var holder: Hash256
    public var fileDigest: Hash256
    public var validFromMs: UInt64
    public var validUntilMs: UInt64
    public var version: UInt32
    /// issued, suspended, revoked or superseded (expiry is not stored; see `LicenceCheck`).
    public var status: String
    public var statusReason: String
    public var previousID: String?
    public var nextID: String?

    /// The same view of a record decoded from canonical bytes (history entries).
    public init(_ record: LicenceRecord) {
        id = record.id
        licenceType = record.licenceType
        issuerOrganisation = record.issuerOrganisation
        holder = record.holder
        fileDigest = record.fileDigest
        validFromMs = record.validFromMs
        validUntilMs = record.validUntilMs
        version = record.version
        status = String(describing: record.status)
        statusReason = record.statusReason
        previousID = record.previousID
        nextID = record.nextID
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        licenceType = try container.decode(String.self, forKey: .licenceType)
        issuerOrganisation = try container.decode(String.self, forKey: .issuerOrganisation)
        holder = try container.decode(Hash256.self, forKey: .holder)
        fileDigest = try container.decode(Hash256.self, forKey: .fileDigest)
        validFromMs = try container.decode(UInt64.self, forKey: .validFromMs)
        validUntilMs = try container.decode(UInt64.self, forKey: .validUntilMs)
        version = try container.decode(UInt32.self, forKey: .version)
        status = try container.decode(String.self, forKey: .status)
        statusReason = try container.decode(String.self, forKey: .statusReason)
        previousID = try container.optional(String.self, forKey: .previousID)
        nextID = try container.optional(String.self, forKey: .nextID)
    }
}

/// The QR check of a licence: genuine (digest matches) and current at the last block time.
public struct LicenceCheck: Codable, Sendable, Hashable {
    public var licenceID: String
    public var valid: Bool
    public var digestMatches: Bool
    /// issued, suspended, revoked, superseded, expired, not-yet-valid, or unknown.
    public var status: String
    public var asOfHeight: UInt64
    public var record: LicenceInfo?

    enum CodingKeys: String, CodingKey {
        case licenceID = "licence_id"
        case valid
        case digestMatches = "digest_matches"
        case status
        case asOfHeight = "as_of_height"
        case record
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        licenceID = try container.decode(String.self, forKey: .licenceID)
        valid = try container.decode(Bool.self, forKey: .valid)
        digestMatches = try container.decode(Bool.self, forKey: .digestMatches)
        status = try container.decode(String.self, forKey: .status)
        asOfHeight = try container.decode(UInt64.self, forKey: .asOfHeight)
        record = try container.optional(LicenceInfo.self, forKey: .record)
    }
}

/// A recorded licence use (用证).
public struct LicenceUseInfo: Codable, Sendable, Hashable {
    /// The user organisation's id for the use (idempotent per organisation).
    public var useID: String
    public var licenceID: String
    public var userOrganisation: String
    public var userKey: PublicKey
    public var purpose: String
    public var itemCode: String
    /// The grant relied on, or nil for a statutory-duty use.
    public var grantID: String?
    public var txID: Hash256
    public var height: UInt64
    public var blockTimeMs: UInt64

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        useID = try container.decode(String.self, forKey: .useID)
        licenceID = try container.decode(String.self, forKey: .licenceID)
        userOrganisation = try container.decode(String.self, forKey: .userOrganisation)
        userKey = try container.decode(PublicKey.self, forKey: .userKey)
        purpose = try container.decode(String.self, forKey: .purpose)
        itemCode = try container.decode(String.self, forKey: .itemCode)
        grantID = try container.optional(String.self, forKey: .grantID)
        txID = try container.decode(Hash256.self, forKey: .txID)
        height = try container.decode(UInt64.self, forKey: .height)
        blockTimeMs = try container.decode(UInt64.self, forKey: .blockTimeMs)
    }
}

/// What a grant covers.
public struct GrantScopeInfo: Codable, Sendable, Hashable {
    public var licenceIDs: [String]
    public var licenceTypes: [String]
    public var dataCategories: [String]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        licenceIDs = try container.list(String.self, forKey: .licenceIDs)
        licenceTypes = try container.list(String.self, forKey: .licenceTypes)
        dataCategories = try container.list(String.self, forKey: .dataCategories)
    }
}

/// The terms the holder consented to.
public struct GrantTermsInfo: Codable, Sendable, Hashable {
    public var grantID: String
    public var holder: Hash256
    public var granteeOrganisation: String
    public var scope: GrantScopeInfo
    public var purpose: String
    /// How the holder consented.
    public var consent: ConsentInfo
    public var validFromMs: UInt64
    public var validUntilMs: UInt64
    public var delegable: Bool
}

/// How consent was given: `mode` is faceToFace or remote; `channel` the channel's id.
public struct ConsentInfo: Codable, Sendable, Hashable {
    public var mode: String
    public var channel: String
}

/// An authorisation (授权) or a delegation of one.
public struct GrantInfo: Codable, Sendable, Hashable {
    public var terms: GrantTermsInfo
    /// "holder-signature", or the attesting identity provider's organisation id.
    public var attestedBy: String
    public var parentGrantID: String?
    public var revoked: Bool
    public var grantedAtHeight: UInt64
    /// For a grant an agent made: the mandate it was made under.
    public var mandateID: String?

    public var grantID: String { terms.grantID }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        terms = try container.decode(GrantTermsInfo.self, forKey: .terms)
        attestedBy = try container.decode(String.self, forKey: .attestedBy)
        parentGrantID = try container.optional(String.self, forKey: .parentGrantID)
        revoked = try container.decode(Bool.self, forKey: .revoked)
        grantedAtHeight = try container.decode(UInt64.self, forKey: .grantedAtHeight)
        mandateID = try container.optional(String.self, forKey: .mandateID)
    }
}

/// A mandate (person-to-person delegation) and its state.
public struct MandateInfo: Codable, Sendable, Hashable {
    public struct Terms: Codable, Sendable, Hashable {
        public var mandateID: String
        public var principal: Hash256
        public var agent: Hash256
        /// legalRepresentative or entrustedAgent.
        public var kind: String
        public var scope: GrantScopeInfo
        public var purposes: [String]
        public var validFromMs: UInt64
        public var validUntilMs: UInt64
        public var consent: ConsentInfo

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mandateID = try container.decode(String.self, forKey: .mandateID)
            principal = try container.decode(Hash256.self, forKey: .principal)
            agent = try container.decode(Hash256.self, forKey: .agent)
            kind = try container.decode(String.self, forKey: .kind)
            scope = try container.decode(GrantScopeInfo.self, forKey: .scope)
            purposes = try container.list(String.self, forKey: .purposes)
            validFromMs = try container.decode(UInt64.self, forKey: .validFromMs)
            validUntilMs = try container.decode(UInt64.self, forKey: .validUntilMs)
            consent = try container.decode(ConsentInfo.self, forKey: .consent)
        }
    }

    public var mandate: Terms
    public var attestedBy: String
    public var revoked: Bool
    public var grantedAtHeight: UInt64
}
