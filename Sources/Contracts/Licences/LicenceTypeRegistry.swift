public import Ledger

/// A registered licence type (the province plans 200+): who may issue it and its validity
/// rules. Kept by governance at `licencetype/<code>`; issuing an unregistered type is
/// refused.
public struct LicenceType: Hashable, Sendable, CanonicalCodable {
    /// Longest validity and reminder window governance may set (100 years), so the
    /// millisecond products below stay far inside `UInt64`.
    public static let maxDays: UInt32 = 36_500

    public var code: String
    public var name: String
    /// Organisations that may issue the type. Sorted, unique.
    public var issuers: [String]
    /// The longest validity (valid-until minus valid-from) a licence of the type may have;
    /// 0 for no limit (identity documents of the elderly do not expire).
    public var maxValidityDays: UInt32
    /// How many days before it expires a licence of the type is announced (到期提醒); 0 for
    /// no reminder.
    public var reminderDays: UInt32

    public init(
        code: String, name: String, issuers: [String], maxValidityDays: UInt32 = 0,
        reminderDays: UInt32 = 0
    ) {
        self.code = code
        self.name = name
        self.issuers = Array(Set(issuers)).sorted()
        self.maxValidityDays = maxValidityDays
        self.reminderDays = reminderDays
    }

    var maxValidityMs: UInt64 { UInt64(maxValidityDays) * LicenceTypeRegistry.dayMs }
    var reminderMs: UInt64 { UInt64(reminderDays) * LicenceTypeRegistry.dayMs }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(code); encoder.encode(name); encoder.encode(issuers)
        encoder.encode(maxValidityDays); encoder.encode(reminderDays)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        code = try decoder.decodeName()
        name = try decoder.decode(String.self, limit: RecordLimits.organisationNameBytes)
        issuers = try decoder.decodeNames(limit: RecordLimits.entriesPerRegistryList)
        maxValidityDays = try decoder.decode(UInt32.self)
        reminderDays = try decoder.decode(UInt32.self)
        guard issuers == Array(Set(issuers)).sorted() else {
            throw .invalidValue(type: "LicenceType", reason: "issuers must be sorted and unique")
        }
        guard maxValidityDays <= Self.maxDays, reminderDays <= Self.maxDays else {
            throw .invalidValue(type: "LicenceType", reason: "days above \(Self.maxDays)")
        }
    }
}

enum LicenceTypeKeys {
    static let prefix = StateKey("licencetype/")
    static func type(_ code: String) -> StateKey { StateKey("licencetype/\(code)") }
}

/// The licence-type registry's governance change and the checks issuing makes against it.
enum LicenceTypeRegistry {
    static let dayMs: UInt64 = 86_400_000

    /// Registers a type, or replaces its rules (licences already issued keep theirs).
    static func register(_ type: LicenceType, in context: inout ContractContext)
        throws(ContractError)
    {
        try Identifier.validate(type.code, "licence type")
        guard !type.issuers.isEmpty else {
            throw ContractError(.invalidArgument, "a licence type needs an issuing organisation")
        }
        guard type.issuers == Array(Set(type.issuers)).sorted() else {
            throw ContractError(.invalidArgument, "issuers must be sorted and unique")
        }
        guard type.maxValidityDays <= LicenceType.maxDays,
            type.reminderDays <= LicenceType.maxDays
        else {
            throw ContractError(
                .invalidArgument, "validity and reminder days are at most \(LicenceType.maxDays)")
        }
        for organisation in type.issuers
        where !context.exists(GovernanceKeys.organisation(organisation)) {
            throw ContractError(.notFound, "no organisation \(organisation)")
        }
        context.put(type, at: LicenceTypeKeys.type(type.code))
    }

    /// The registered type a licence is issued or renewed under, provided the caller's
    /// organisation is one of its issuers and the validity keeps to its rules.
    static func require(
        _ code: String, validFromMs: UInt64, validUntilMs: UInt64, in context: ContractContext
    ) throws(ContractError) -> LicenceType {
        guard let type = try context.get(LicenceType.self, at: LicenceTypeKeys.type(code)) else {
            throw ContractError(.licenceTypeNotRegistered, "licence type \(code) is not registered")
        }
        guard type.issuers.contains(context.organisationID) else {
            throw ContractError(
                .licenceTypeNotPermitted,
                "\(context.organisationID) is not a registered issuer of licence type \(code)")
        }
        // from < until was checked before; the difference cannot wrap.
        let validityMs = validUntilMs - min(validFromMs, validUntilMs)
        if type.maxValidityDays > 0, validityMs > type.maxValidityMs {
            throw ContractError(
                .invalidArgument,
                "licence type \(code) is valid for at most \(type.maxValidityDays) days")
        }
        return type
    }
}
