public import Contracts
public import Ledger

/// An e-licence (电子证照) as state holds it. Hashes are 64 lowercase hex characters.
public struct LicenceView: Codable, Sendable, Hashable {
    public var id: String
    public var licenceType: String
    public var issuerOrganisation: String
    /// The holder commitment (HMAC of the holder's identity number; never the number).
    public var holder: String
    /// The licence document's digest (the suite's hash).
    public var fileDigest: String
    public var validFromMs: UInt64
    public var validUntilMs: UInt64
    public var version: UInt32
    /// issued | suspended | revoked | superseded
    public var status: String
    public var statusReason: String
    @Nullable public var previousID: String?
    @Nullable public var nextID: String?

    enum CodingKeys: String, CodingKey {
        case id, version, status, holder
        case licenceType = "licence_type", issuerOrganisation = "issuer_organisation"
        case fileDigest = "file_digest", validFromMs = "valid_from_ms", validUntilMs = "valid_until_ms"
        case statusReason = "status_reason", previousID = "previous_id", nextID = "next_id"
    }

    public init(_ record: LicenceRecord) {
        id = record.id
        licenceType = record.licenceType
        issuerOrganisation = record.issuerOrganisation
        holder = record.holder.hex
        fileDigest = record.fileDigest.hex
        validFromMs = record.validFromMs
        validUntilMs = record.validUntilMs
        version = record.version
        status = record.status.name
        statusReason = record.statusReason
        previousID = record.previousID
        nextID = record.nextID
    }
}

/// One recorded use of a licence by a department (用证).
public struct LicenceUseView: Codable, Sendable, Hashable {
    public var useID: String
    public var licenceID: String
    public var userOrganisation: String
    public var userKey: String
    /// The purpose the use names (a grant's purpose, or the service item's purpose).
    public var purpose: String
    /// The service item (权责事项) code the use is made under.
    public var itemCode: String
    /// The grant the use relies on; null for a statutory-duty use.
    @Nullable public var grantID: String?
    public var txID: String
    public var height: UInt64
    public var blockTimeMs: UInt64

    enum CodingKeys: String, CodingKey {
        case purpose, height
        case useID = "use_id", licenceID = "licence_id", userOrganisation = "user_organisation"
        case userKey = "user_key", itemCode = "item_code", grantID = "grant_id", txID = "tx_id"
        case blockTimeMs = "block_time_ms"
    }

    public init(_ record: UseRecord) {
        useID = record.useID
        licenceID = record.licenceID
        userOrganisation = record.userOrganisation
        userKey = record.userKey.hex
        purpose = record.purpose
        itemCode = record.itemCode
        grantID = record.grantID
        txID = record.txID.hex
        height = record.height
        blockTimeMs = record.blockTimeMs
    }
}

/// The licence QR check: is the licence genuine (its file digest as recorded) and current?
public struct LicenceVerificationView: Codable, Sendable, Hashable {
    public var licenceID: String
    public var valid: Bool
    public var digestMatches: Bool
    /// The licence's effective status at the checked time: issued | suspended | revoked |
    /// superseded | expired | not-yet-valid | unknown.
    public var status: String
    public var asOfHeight: UInt64
    @Nullable public var record: LicenceView?

    enum CodingKeys: String, CodingKey {
        case valid, status, record
        case licenceID = "licence_id", digestMatches = "digest_matches", asOfHeight = "as_of_height"
    }

    public init(_ result: LicenceVerification, asOfHeight: UInt64) {
        licenceID = result.licenceID
        valid = result.isValid
        digestMatches = result.digestMatches
        status = result.status
        self.asOfHeight = asOfHeight
        record = result.record.map(LicenceView.init)
    }
}

/// A licence type of the registry governance keeps.
public struct LicenceTypeView: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var issuers: [String]
    public var maxValidityDays: UInt32
    public var reminderDays: UInt32

    enum CodingKeys: String, CodingKey {
        case code, name, issuers
        case maxValidityDays = "max_validity_days", reminderDays = "reminder_days"
    }

    public init(_ type: LicenceType) {
        code = type.code
        name = type.name
        issuers = type.issuers
        maxValidityDays = type.maxValidityDays
        reminderDays = type.reminderDays
    }
}

/// An expiry reminder the chain recorded for a holder's licence.
public struct ReminderView: Codable, Sendable, Hashable {
    public var licenceID: String
    public var licenceType: String
    public var holder: String
    public var validUntilMs: UInt64
    public var remindedAtMs: UInt64
    public var daysLeft: UInt64
    public var height: UInt64

    enum CodingKeys: String, CodingKey {
        case holder, height
        case licenceID = "licence_id", licenceType = "licence_type", validUntilMs = "valid_until_ms"
        case remindedAtMs = "reminded_at_ms", daysLeft = "days_left"
    }

    public init(_ reminder: ExpiryReminder) {
        licenceID = reminder.licenceID
        licenceType = reminder.licenceType
        holder = reminder.holder.hex
        validUntilMs = reminder.validUntilMs
        remindedAtMs = reminder.remindedAtMs
        daysLeft = reminder.daysLeft
        height = reminder.height
    }
}
