public import Ledger

/// Arguments of `licence.issue`.
public struct LicenceIssue: Hashable, Sendable, CanonicalCodable {
    /// GB/T 36904 identifier (see `LicenceIdentifier`).
    public var licenceID: String
    public var licenceType: String
    /// The holder's commitment (`HolderCommitment.make`, context `authorisation`), never
    /// the ID number.
    public var holder: Hash256
    /// The chain hash (SHA-256, or SM3 on an sm2-sm3 chain) of the licence file (OFD/PDF),
    /// which stays off chain.
    public var fileDigest: Hash256
    public var validFromMs: UInt64
    public var validUntilMs: UInt64

    public init(
        licenceID: String, licenceType: String, holder: Hash256, fileDigest: Hash256,
        validFromMs: UInt64, validUntilMs: UInt64
    ) {
        self.licenceID = licenceID
        self.licenceType = licenceType
        self.holder = holder
        self.fileDigest = fileDigest
        self.validFromMs = validFromMs
        self.validUntilMs = validUntilMs
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(licenceID); encoder.encode(licenceType); encoder.encode(holder)
        encoder.encode(fileDigest); encoder.encode(validFromMs); encoder.encode(validUntilMs)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        licenceID = try decoder.decodeName(); licenceType = try decoder.decodeName()
        holder = try decoder.decode(Hash256.self); fileDigest = try decoder.decode(Hash256.self)
        validFromMs = try decoder.decode(UInt64.self)
        validUntilMs = try decoder.decode(UInt64.self)
    }
}

/// Arguments of `licence.renew`: a new version (new identifier) replacing the current one.
public struct LicenceRenewal: Hashable, Sendable, CanonicalCodable {
    public var licenceID: String
    /// The new version's identifier: same type, issuer and serial, a higher version.
    public var newLicenceID: String
    public var fileDigest: Hash256
    public var validFromMs: UInt64
    public var validUntilMs: UInt64

    public init(
        licenceID: String, newLicenceID: String, fileDigest: Hash256, validFromMs: UInt64,
        validUntilMs: UInt64
    ) {
        self.licenceID = licenceID
        self.newLicenceID = newLicenceID
        self.fileDigest = fileDigest
        self.validFromMs = validFromMs
        self.validUntilMs = validUntilMs
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(licenceID); encoder.encode(newLicenceID); encoder.encode(fileDigest)
        encoder.encode(validFromMs); encoder.encode(validUntilMs)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        licenceID = try decoder.decodeName(); newLicenceID = try decoder.decodeName()
        fileDigest = try decoder.decode(Hash256.self)
        validFromMs = try decoder.decode(UInt64.self)
        validUntilMs = try decoder.decode(UInt64.self)
    }
}

/// Calls of the `licence` contract (licence-issuer keys of the issuing organisation).
public enum LicenceCall: MethodCall {
    case issue(LicenceIssue)
    /// Issues up to `maxBatch` licences all-or-nothing: the migration of existing licences.
    case issueBatch([LicenceIssue])
    case renew(LicenceRenewal)
    case suspend(licenceID: String, reason: String)
    case resume(licenceID: String)
    case revoke(licenceID: String, reason: String)

    public static let contractName = "licence"
    /// Licences (and bills) one batch may issue: 256 of them stay far inside a
    /// transaction's 64 KiB.
    public static let maxBatch = 256

    public var methodName: String {
        switch self {
        case .issue: "issue"
        case .issueBatch: "issueBatch"
        case .renew: "renew"
        case .suspend: "suspend"
        case .resume: "resume"
        case .revoke: "revoke"
        }
    }

    /// The licence the call acts on.
    public var licenceID: String {
        switch self {
        case let .issue(issue): issue.licenceID
        case let .issueBatch(issues): issues.first?.licenceID ?? ""
        case let .renew(renewal): renewal.licenceID
        case let .suspend(licenceID, _), let .resume(licenceID), let .revoke(licenceID, _):
            licenceID
        }
    }

    func encodeArguments(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .issue(issue): encoder.encode(issue)
        case let .issueBatch(issues): encoder.encode(issues)
        case let .renew(renewal): encoder.encode(renewal)
        case let .suspend(licenceID, reason), let .revoke(licenceID, reason):
            encoder.encode(licenceID); encoder.encode(reason)
        case let .resume(licenceID): encoder.encode(licenceID)
        }
    }

    init(method: String, arguments decoder: inout CanonicalDecoder) throws(CallDecodingError) {
        let contract = Self.contractName
        switch method {
        case "issue":
            self = .issue(
                try decodingArguments(contract, method) { () throws(CodecError) in
                    try decoder.decode(LicenceIssue.self)
                })
        case "issueBatch":
            self = .issueBatch(
                try decodingArguments(contract, method) { () throws(CodecError) in
                    try decoder.decodeArray(of: LicenceIssue.self, limit: Self.maxBatch)
                })
        case "renew":
            self = .renew(
                try decodingArguments(contract, method) { () throws(CodecError) in
                    try decoder.decode(LicenceRenewal.self)
                })
        case "suspend", "revoke":
            let (licenceID, reason) = try decodingArguments(contract, method) {
                () throws(CodecError) in
                (
                    try decoder.decodeName(),
                    try decoder.decode(String.self, limit: RecordLimits.statusReasonBytes)
                )
            }
            self =
                method == "suspend"
                ? .suspend(licenceID: licenceID, reason: reason)
                : .revoke(licenceID: licenceID, reason: reason)
        case "resume":
            self = .resume(
                licenceID: try decodingArguments(contract, method) { () throws(CodecError) in
                    try decoder.decodeName()
                })
        default:
            throw .unknownMethod(contract: contract, method: method)
        }
    }
}
