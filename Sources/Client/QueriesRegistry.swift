internal import Contracts
internal import Foundation
public import Ledger

/// The registries governance keeps (docs/contracts.md "Registries"): service items
/// (权责事项) that justify statutory-duty uses.
extension GovChainClient {
    /// Every registered service item, in item-code order.
    public func dutyItems() async throws(ClientError) -> [DutyItemInfo] {
        try await list(DutyItemInfo.self, "/v1/duty-items")
    }

    /// A registered service item, nil if none has that code.
    public func dutyItem(_ code: String) async throws(ClientError) -> DutyItemInfo? {
        try await object(
            DutyItemInfo.self, "/v1/duty-items/\(try Self.checked(code, "service-item code"))")
    }
}

/// A service item of the duty registry: who may act on it, for which licence types and
/// data categories, and the purpose whose grants cover it.
public struct DutyItemInfo: Codable, Sendable, Hashable {
    public var itemCode: String
    public var name: String
    public var purpose: String
    public var organisations: [String]
    public var licenceTypes: [String]
    public var dataCategories: [String]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itemCode = try container.decode(String.self, forKey: .itemCode)
        name = try container.decode(String.self, forKey: .name)
        purpose = try container.decode(String.self, forKey: .purpose)
        organisations = try container.list(String.self, forKey: .organisations)
        licenceTypes = try container.list(String.self, forKey: .licenceTypes)
        dataCategories = try container.list(String.self, forKey: .dataCategories)
    }
}

extension GovChainClient {
    /// Every registered licence type, in code order.
    public func licenceTypes() async throws(ClientError) -> [LicenceTypeInfo] {
        try await list(LicenceTypeInfo.self, "/v1/licence-types")
    }

    /// A registered licence type, nil if none has that code.
    public func licenceType(_ code: String) async throws(ClientError) -> LicenceTypeInfo? {
        try await object(
            LicenceTypeInfo.self, "/v1/licence-types/\(try Self.checked(code, "licence type"))")
    }

    /// The expiry reminders (到期提醒) the chain made for a holder's licences.
    public func reminders(ofHolder holder: Hash256) async throws(ClientError)
        -> [ExpiryReminderInfo]
    {
        try await list(ExpiryReminderInfo.self, "/v1/holders/\(holder.hex)/reminders")
    }
}

/// A registered licence type: who may issue it and its validity rules.
public struct LicenceTypeInfo: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var issuers: [String]
    /// 0: no limit.
    public var maxValidityDays: UInt32
    /// 0: no reminder.
    public var reminderDays: UInt32

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        name = try container.decode(String.self, forKey: .name)
        issuers = try container.list(String.self, forKey: .issuers)
        maxValidityDays = try container.decode(UInt32.self, forKey: .maxValidityDays)
        reminderDays = try container.decode(UInt32.self, forKey: .reminderDays)
    }
}

/// An expiry reminder the chain made at block time for a holder's licence.
public struct ExpiryReminderInfo: Codable, Sendable, Hashable {
    public var licenceID: String
    public var licenceType: String
    public var holder: Hash256
    public var validUntilMs: UInt64
    public var remindedAtMs: UInt64
    public var daysLeft: UInt64
    public var height: UInt64
}

extension GovChainClient {
    /// A mandate (person-to-person delegation), nil if none has that id.
    public func mandate(_ id: String) async throws(ClientError) -> MandateInfo? {
        try await object(MandateInfo.self, "/v1/mandates/\(try Self.checked(id, "mandate id"))")
    }

    /// The mandates a holder gave, revoked and expired ones included.
    public func mandates(ofPrincipal principal: Hash256) async throws(ClientError)
        -> [MandateInfo]
    {
        try await list(MandateInfo.self, "/v1/holders/\(principal.hex)/mandates")
    }
}

extension GovChainClient {
    /// Every recorded use of a holder's data, in chain order.
    public func dataUses(ofHolder holder: Hash256) async throws(ClientError) -> [DataUseInfo] {
        try await list(DataUseInfo.self, "/v1/holders/\(holder.hex)/data-uses")
    }
}

/// A recorded use of a category of a person's data.
public struct DataUseInfo: Codable, Sendable, Hashable {
    public struct Use: Codable, Sendable, Hashable {
        public var useID: String
        public var holder: Hash256
        public var dataCategory: String
        public var purpose: String
        public var itemCode: String
    }

    public var use: Use
    public var userOrganisation: String
    public var userKey: PublicKey
    public var txID: Hash256
    public var height: UInt64
    public var blockTimeMs: UInt64
}
