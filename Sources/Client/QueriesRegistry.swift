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
