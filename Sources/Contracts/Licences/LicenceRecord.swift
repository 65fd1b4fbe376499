public import Ledger

/// The lifecycle state a licence record stores. Expiry is not stored: it follows from the
/// block time and `validUntilMs`, so no transaction is needed for a licence to expire.
public enum LicenceStatus: UInt8, Hashable, Sendable, CaseIterable {
    case issued = 0
    case suspended = 1
    case revoked = 2
    /// Replaced by a renewal (a new version with its own identifier).
    case superseded = 3

    public var name: String {
        switch self {
        case .issued: "issued"
        case .suspended: "suspended"
        case .revoked: "revoked"
        case .superseded: "superseded"
        }
    }
}

/// A licence as state holds it at `licence/<id>`: no holder identity, no file, only the
/// holder's commitment and the file's digest.
public struct LicenceRecord: Hashable, Sendable, CanonicalCodable {
    public var id: String
    public var licenceType: String
    public var issuerOrganisation: String
    public var holder: Hash256
    public var fileDigest: Hash256
    public var validFromMs: UInt64
    public var validUntilMs: UInt64
    public var version: UInt32
    public var status: LicenceStatus
    public var statusReason: String
    public var previousID: String?
    public var nextID: String?

    /// Whether the licence may be relied on at `timeMs`: issued, and within its validity.
    public func isCurrent(atMs timeMs: UInt64) -> Bool {
        status == .issued && validFromMs <= timeMs && timeMs <= validUntilMs
    }

    /// The state shown to verifiers: the stored status, or "expired" / "not-yet-valid".
    public func effectiveStatus(atMs timeMs: UInt64) -> String {
        guard status == .issued else { return status.name }
        if timeMs < validFromMs { return "not-yet-valid" }
        if timeMs > validUntilMs { return "expired" }
        return status.name
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(id); encoder.encode(licenceType); encoder.encode(issuerOrganisation)
        encoder.encode(holder); encoder.encode(fileDigest); encoder.encode(validFromMs)
        encoder.encode(validUntilMs); encoder.encode(version); encoder.encode(status.rawValue)
        encoder.encode(statusReason); encoder.encode(previousID); encoder.encode(nextID)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        id = try decoder.decodeName(); licenceType = try decoder.decodeName()
        issuerOrganisation = try decoder.decodeName(); holder = try decoder.decode(Hash256.self)
        fileDigest = try decoder.decode(Hash256.self); validFromMs = try decoder.decode(UInt64.self)
        validUntilMs = try decoder.decode(UInt64.self); version = try decoder.decode(UInt32.self)
        status = try decoder.decodeEnum(LicenceStatus.self, named: "LicenceStatus")
        statusReason = try decoder.decode(String.self, limit: RecordLimits.statusReasonBytes)
        previousID = try decoder.decodeOptionalString(); nextID = try decoder.decodeOptionalString()
    }

    init(issue: LicenceIssue, issuer: String, version: UInt32) {
        id = issue.licenceID; licenceType = issue.licenceType; issuerOrganisation = issuer
        holder = issue.holder; fileDigest = issue.fileDigest; validFromMs = issue.validFromMs
        validUntilMs = issue.validUntilMs; self.version = version; status = .issued
        statusReason = ""; previousID = nil; nextID = nil
    }
}

/// A recorded licence use (用证), at `use/<licence id>/<height>/<tx id>`.
public struct UseRecord: Hashable, Sendable, CanonicalCodable {
    /// The user organisation's id for this use (unique per organisation).
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

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(useID)
        encoder.encode(licenceID); encoder.encode(userOrganisation); encoder.encode(userKey)
        encoder.encode(purpose); encoder.encode(itemCode); encoder.encode(grantID)
        encoder.encode(txID); encoder.encode(height); encoder.encode(blockTimeMs)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        useID = try decoder.decodeName()
        licenceID = try decoder.decodeName(); userOrganisation = try decoder.decodeName()
        userKey = try decoder.decode(PublicKey.self); purpose = try decoder.decodeName()
        itemCode = try decoder.decodeName(); grantID = try decoder.decodeOptionalString()
        txID = try decoder.decode(Hash256.self); height = try decoder.decode(UInt64.self)
        blockTimeMs = try decoder.decode(UInt64.self)
    }

    init(
        useID: String, licenceID: String, userOrganisation: String, userKey: PublicKey,
        purpose: String, itemCode: String,
        grantID: String?, txID: Hash256, height: UInt64, blockTimeMs: UInt64
    ) {
        self.useID = useID
        self.licenceID = licenceID; self.userOrganisation = userOrganisation; self.userKey = userKey
        self.purpose = purpose; self.itemCode = itemCode; self.grantID = grantID
        self.txID = txID; self.height = height; self.blockTimeMs = blockTimeMs
    }
}

enum LicenceKeys {
    static func licence(_ id: String) -> StateKey { StateKey("licence/\(id)") }
    static func byHolder(_ holder: Hash256, _ id: String) -> StateKey {
        StateKey("idx/licence-holder/\(holder.hex)/\(id)")
    }
    static func uses(_ licenceID: String) -> StateKey { StateKey("use/\(licenceID)/") }
    /// Where an organisation's use id points: the key of the use record it made.
    static func useID(_ organisation: String, _ useID: String) -> StateKey {
        StateKey("useid/\(organisation)/\(useID)")
    }
    static func use(_ licenceID: String, height: UInt64, txID: Hash256) -> StateKey {
        StateKey("use/\(licenceID)/\(paddedHex(height))/\(txID.hex)")
    }

    // Secondary indexes of uses (issue 18). Each entry's value is the key of the use record;
    // its tail `<height hex16>/<tx id hex>/<licence id>` lists uses in chain order.
    static func usesByHolder(_ holder: Hash256) -> StateKey {
        StateKey("idx/use-holder/\(holder.hex)/")
    }
    static func usesByGrant(_ grantID: String) -> StateKey { StateKey("idx/use-grant/\(grantID)/") }
    static func usesByOrganisation(_ organisation: String) -> StateKey {
        StateKey("idx/use-org/\(organisation)/")
    }

    /// The index entries of a use of a licence held by `holder`: by holder, by using
    /// organisation, and by grant for a use under a grant.
    static func useIndexes(of use: UseRecord, holder: Hash256) -> [StateKey] {
        let tail = "\(paddedHex(use.height))/\(use.txID.hex)/\(use.licenceID)"
        var keys = [
            StateKey(bytes: usesByHolder(holder).bytes + Array(tail.utf8)),
            StateKey(bytes: usesByOrganisation(use.userOrganisation).bytes + Array(tail.utf8)),
        ]
        if let grantID = use.grantID {
            keys.append(StateKey(bytes: usesByGrant(grantID).bytes + Array(tail.utf8)))
        }
        return keys
    }
}

/// Fixed-width hex so numbers sort by value in byte order.
func paddedHex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
