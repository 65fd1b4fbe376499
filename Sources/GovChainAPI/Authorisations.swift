public import Contracts
public import Ledger

/// What a grant or mandate covers: listed licence ids, licence types and data categories
/// (each sorted and unique).
public struct ScopeView: Codable, Sendable, Hashable {
    public var licenceIDs: [String]
    public var licenceTypes: [String]
    public var dataCategories: [String]

    enum CodingKeys: String, CodingKey {
        case licenceIDs = "licence_ids", licenceTypes = "licence_types", dataCategories = "data_categories"
    }

    public init(_ scope: GrantScope) {
        licenceIDs = scope.licenceIDs
        licenceTypes = scope.licenceTypes
        dataCategories = scope.dataCategories
    }
}

/// How the person's consent was taken.
public struct ConsentView: Codable, Sendable, Hashable {
    /// face-to-face | remote
    public var mode: String
    public var channel: String

    public init(_ consent: Consent) {
        mode = consent.mode.name
        channel = consent.channel
    }
}

/// A holder's authorisation (授权) of a department, for a purpose and a time.
public struct GrantView: Codable, Sendable, Hashable {
    public var grantID: String
    public var holder: String
    public var granteeOrganisation: String
    public var scope: ScopeView
    public var purpose: String
    public var consent: ConsentView
    public var validFromMs: UInt64
    public var validUntilMs: UInt64
    public var delegable: Bool
    /// "holder-signature", or the attesting identity provider's organisation id.
    public var attestedBy: String
    @Nullable public var parentGrantID: String?
    public var revoked: Bool
    public var grantedAtHeight: UInt64
    @Nullable public var mandateID: String?
    /// The grant's standing at the answer's height (its block time), its delegation chain
    /// and mandate included: live | revoked | expired | not-yet-valid.
    public var status: String

    enum CodingKeys: String, CodingKey {
        case holder, scope, purpose, consent, delegable, revoked, status
        case grantID = "grant_id", granteeOrganisation = "grantee_organisation"
        case validFromMs = "valid_from_ms", validUntilMs = "valid_until_ms", attestedBy = "attested_by"
        case parentGrantID = "parent_grant_id", grantedAtHeight = "granted_at_height", mandateID = "mandate_id"
    }

    public init(_ record: GrantRecord, status: GrantStatus) {
        self.status = status.rawValue
        let terms = record.terms
        grantID = terms.grantID
        holder = terms.holder.hex
        granteeOrganisation = terms.granteeOrganisation
        scope = ScopeView(terms.scope)
        purpose = terms.purpose
        consent = ConsentView(terms.consent)
        validFromMs = terms.validFromMs
        validUntilMs = terms.validUntilMs
        delegable = terms.delegable
        attestedBy = record.attestedBy
        parentGrantID = record.parentGrantID
        revoked = record.revoked
        grantedAtHeight = record.grantedAtHeight
        mandateID = record.mandateID
    }
}

/// A person-to-person mandate (委托): an agent may grant on the principal's behalf.
public struct MandateView: Codable, Sendable, Hashable {
    public var mandateID: String
    public var principal: String
    public var agent: String
    /// legal-representative | entrusted-agent
    public var kind: String
    public var scope: ScopeView
    public var purposes: [String]
    public var validFromMs: UInt64
    public var validUntilMs: UInt64
    public var consent: ConsentView
    public var attestedBy: String
    public var revoked: Bool
    public var grantedAtHeight: UInt64

    enum CodingKeys: String, CodingKey {
        case principal, agent, kind, scope, purposes, consent, revoked
        case mandateID = "mandate_id", validFromMs = "valid_from_ms", validUntilMs = "valid_until_ms"
        case attestedBy = "attested_by", grantedAtHeight = "granted_at_height"
    }

    public init(_ record: MandateRecord) {
        let mandate = record.mandate
        mandateID = mandate.mandateID
        principal = mandate.principal.hex
        agent = mandate.agent.hex
        kind = mandate.kind.name
        scope = ScopeView(mandate.scope)
        purposes = mandate.purposes
        validFromMs = mandate.validFromMs
        validUntilMs = mandate.validUntilMs
        consent = ConsentView(mandate.consent)
        attestedBy = record.attestedBy
        revoked = record.revoked
        grantedAtHeight = record.grantedAtHeight
    }
}

/// One recorded use of a holder's data (not a licence) by a department.
public struct DataUseView: Codable, Sendable, Hashable {
    public var useID: String
    public var holder: String
    public var dataCategory: String
    public var purpose: String
    public var itemCode: String
    /// grant | statutory-duty
    public var basis: String
    /// The grant the use relies on; null for a statutory-duty use.
    @Nullable public var grantID: String?
    public var userOrganisation: String
    public var userKey: String
    public var txID: String
    public var height: UInt64
    public var blockTimeMs: UInt64

    enum CodingKeys: String, CodingKey {
        case holder, purpose, basis, height
        case useID = "use_id", dataCategory = "data_category", itemCode = "item_code", grantID = "grant_id"
        case userOrganisation = "user_organisation", userKey = "user_key", txID = "tx_id"
        case blockTimeMs = "block_time_ms"
    }

    public init(_ record: DataUseRecord) {
        let use = record.use
        useID = use.useID
        holder = use.holder.hex
        dataCategory = use.dataCategory
        purpose = use.purpose
        itemCode = use.itemCode
        switch use.basis {
        case let .grant(grantID):
            basis = "grant"
            self.grantID = grantID
        case .statutoryDuty:
            basis = "statutory-duty"
            self.grantID = nil
        }
        userOrganisation = record.userOrganisation
        userKey = record.userKey.hex
        txID = record.txID.hex
        height = record.height
        blockTimeMs = record.blockTimeMs
    }
}

/// A service item (权责事项) of the duty registry: which organisations may use which
/// licence types and data categories without a grant, for what purpose.
public struct DutyItemView: Codable, Sendable, Hashable {
    public var itemCode: String
    public var name: String
    public var purpose: String
    public var organisations: [String]
    public var licenceTypes: [String]
    public var dataCategories: [String]

    enum CodingKeys: String, CodingKey {
        case name, purpose, organisations
        case itemCode = "item_code", licenceTypes = "licence_types", dataCategories = "data_categories"
    }

    public init(_ item: DutyItem) {
        itemCode = item.itemCode
        name = item.name
        purpose = item.purpose
        organisations = item.organisations
        licenceTypes = item.licenceTypes
        dataCategories = item.dataCategories
    }
}
