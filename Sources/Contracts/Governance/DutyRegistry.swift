public import Ledger

/// A service item (权责事项) of the duty registry: what a department may act on, and so
/// what justifies a statutory-duty use (依职能查验) of a licence or of data. Kept by
/// governance (k-of-n admins) at `duty/<item code>`.
public struct DutyItem: Hashable, Sendable, CanonicalCodable {
    public var itemCode: String
    public var name: String
    /// The service purpose the item belongs to: a grant for this purpose covers the item.
    public var purpose: String
    /// Organisations that may act on the item. Sorted, unique.
    public var organisations: [String]
    /// Licence types a use for the item may check. Sorted, unique.
    public var licenceTypes: [String]
    /// Data categories a data use for the item may read. Sorted, unique.
    public var dataCategories: [String]

    public init(
        itemCode: String, name: String, purpose: String, organisations: [String],
        licenceTypes: [String] = [], dataCategories: [String] = []
    ) {
        self.itemCode = itemCode
        self.name = name
        self.purpose = purpose
        self.organisations = Array(Set(organisations)).sorted()
        self.licenceTypes = Array(Set(licenceTypes)).sorted()
        self.dataCategories = Array(Set(dataCategories)).sorted()
    }

    /// Whether a grant made for `grantPurpose` covers a use naming this item.
    func isCovered(byPurpose grantPurpose: String) -> Bool { purpose == grantPurpose }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(itemCode); encoder.encode(name); encoder.encode(purpose)
        encoder.encode(organisations); encoder.encode(licenceTypes)
        encoder.encode(dataCategories)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        itemCode = try decoder.decodeName()
        name = try decoder.decode(String.self, limit: RecordLimits.organisationNameBytes)
        purpose = try decoder.decodeName()
        let limit = RecordLimits.entriesPerRegistryList
        organisations = try decoder.decodeNames(limit: limit)
        licenceTypes = try decoder.decodeNames(limit: limit)
        dataCategories = try decoder.decodeNames(limit: limit)
        for list in [organisations, licenceTypes, dataCategories]
        where list != Array(Set(list)).sorted() {
            throw .invalidValue(type: "DutyItem", reason: "lists must be sorted and unique")
        }
    }
}

enum DutyKeys {
    static let prefix = StateKey("duty/")
    static func item(_ code: String) -> StateKey { StateKey("duty/\(code)") }
}

/// The registry's governance changes and the checks the use contracts make against it.
enum DutyRegistry {
    /// Registers an item, or replaces the item of that code (duties change by decree).
    static func register(_ item: DutyItem, in context: inout ContractContext)
        throws(ContractError)
    {
        try Identifier.validate(item.itemCode, "service-item code")
        try Identifier.validate(item.purpose, "purpose")
        try Identifier.validateAll(item.licenceTypes, "licence type")
        try Identifier.validateAll(item.dataCategories, "data category")
        guard !item.organisations.isEmpty else {
            throw ContractError(.invalidArgument, "a service item needs an organisation")
        }
        guard item.organisations == Array(Set(item.organisations)).sorted(),
            item.licenceTypes == Array(Set(item.licenceTypes)).sorted(),
            item.dataCategories == Array(Set(item.dataCategories)).sorted()
        else {
            throw ContractError(.invalidArgument, "the item's lists must be sorted and unique")
        }
        for organisation in item.organisations
        where !context.exists(GovernanceKeys.organisation(organisation)) {
            throw ContractError(.notFound, "no organisation \(organisation)")
        }
        for type in item.licenceTypes where !context.exists(LicenceTypeKeys.type(type)) {
            throw ContractError(
                .licenceTypeNotRegistered, "licence type \(type) is not registered")
        }
        context.put(item, at: DutyKeys.item(item.itemCode))
    }

    static func remove(_ itemCode: String, in context: inout ContractContext)
        throws(ContractError)
    {
        try Identifier.validate(itemCode, "service-item code")
        guard context.exists(DutyKeys.item(itemCode)) else {
            throw ContractError(.notFound, "no service item \(itemCode)")
        }
        context.delete(DutyKeys.item(itemCode))
    }

    /// A statutory-duty use must name a registered item that lists the caller's organisation
    /// and, for a licence, the licence's type (for data, the data category).
    static func requireDuty(
        _ itemCode: String, licenceType: String?, dataCategory: String?,
        in context: ContractContext
    ) throws(ContractError) {
        guard let item = try context.get(DutyItem.self, at: DutyKeys.item(itemCode)) else {
            throw ContractError(.noDutyBasis, "service item \(itemCode) is not registered")
        }
        guard item.organisations.contains(context.organisationID) else {
            throw ContractError(
                .noDutyBasis,
                "service item \(itemCode) is not a duty of \(context.organisationID)")
        }
        if let licenceType, !item.licenceTypes.contains(licenceType) {
            throw ContractError(
                .noDutyBasis, "service item \(itemCode) does not check licence type \(licenceType)")
        }
        if let dataCategory, !item.dataCategories.contains(dataCategory) {
            throw ContractError(
                .noDutyBasis, "service item \(itemCode) does not read data \(dataCategory)")
        }
    }

    /// A grant-based use must name an item its grant's purpose covers: the purpose itself,
    /// or a registered item of that purpose. The holder consented to a purpose, not to
    /// whatever item code the user writes down.
    static func requireCovered(
        _ itemCode: String, byGrant grantID: String, purpose: String, in context: ContractContext
    ) throws(ContractError) {
        if itemCode == purpose { return }
        let item = try context.get(DutyItem.self, at: DutyKeys.item(itemCode))
        guard let item, item.isCovered(byPurpose: purpose) else {
            throw ContractError(
                .noLiveGrant,
                "grant \(grantID) is for purpose \(purpose), which does not cover item \(itemCode)")
        }
    }
}
