public import Contracts
public import Ledger

// Proven answers in the shapes the query routes answer with (`BlockInfo`, `LicenceInfo`,
// ...): a caller (the `govchain` CLI) shows the same document whether it trusted a node or
// checked it, and every field of a verified one comes from certified bytes, none from the
// node's JSON.

extension VerifiedReader {
    /// The last block the first answering node has, its certificate checked.
    public func latestBlock() async throws(ClientError) -> VerifiedBlock {
        try await block(try await client.status().height)
    }

    /// An organisation (`org/<id>`), proven; nil: proven absent.
    public func organisation(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> (organisation: OrganisationRecord?, height: UInt64)
    {
        let key = VerifiedKeys.organisation(try GovChainClient.checked(id, "organisation id"))
        let (record, proven) = try await record(OrganisationRecord.self, at: key, height: height)
        return (record, proven)
    }

    /// A registered licence type (`licencetype/<code>`), proven; nil: proven absent.
    public func licenceType(_ code: String, height: UInt64? = nil) async throws(ClientError)
        -> (licenceType: LicenceType?, height: UInt64)
    {
        let key = VerifiedKeys.licenceType(try GovChainClient.checked(code, "licence type"))
        let (record, proven) = try await record(LicenceType.self, at: key, height: height)
        return (record, proven)
    }

    /// A service item of the duty registry (`duty/<item code>`), proven; nil: proven absent.
    public func dutyItem(_ code: String, height: UInt64? = nil) async throws(ClientError)
        -> (item: DutyItem?, height: UInt64)
    {
        let key = VerifiedKeys.dutyItem(try GovChainClient.checked(code, "service-item code"))
        let (record, proven) = try await record(DutyItem.self, at: key, height: height)
        return (record, proven)
    }
}

/// State keys of records `RecordKeys` (Contracts) does not name yet. They must stay those
/// of `GovernanceKeys.organisation`, `LicenceTypeKeys.type` and `DutyKeys.item`; a wrong
/// path here fails closed (the proof shows the record absent, never another record).
enum VerifiedKeys {
    static func organisation(_ id: String) -> StateKey { StateKey("org/\(id)") }
    static func licenceType(_ code: String) -> StateKey { StateKey("licencetype/\(code)") }
    static func dutyItem(_ code: String) -> StateKey { StateKey("duty/\(code)") }
}

extension BlockInfo {
    /// The view of a verified block, as `/v1/blocks/{height}` renders it.
    public init(_ verified: VerifiedBlock) {
        let header = verified.block.header
        height = header.height
        hash = header.hash
        round = header.round
        previousHash = header.previousHash
        txRoot = header.txRoot
        receiptsRoot = header.receiptsRoot
        stateRoot = header.stateRoot
        proposer = header.proposer
        timeMs = header.timeMs
        transactions = verified.block.transactions.map(\.id)
        certificate = Certificate(
            round: verified.certificate.round,
            signers: verified.certificate.signatures.map { UInt32($0.validatorIndex) })
        certifiedBlockHex = Hex.encode(
            verified.block.canonicalBytes + verified.certificate.canonicalBytes)
    }
}

extension BlockInfo.Certificate {
    init(round: UInt64, signers: [UInt32]) {
        self.round = round
        self.signers = signers
    }
}

extension TransactionInfo {
    /// The view of a proven transaction and receipt, as `/v1/transactions/{id}` renders it.
    public init(_ verified: VerifiedReceipt) {
        txID = verified.transaction.id
        status = "committed"
        height = verified.height
        index = verified.index
        code = verified.receipt.code
        message = verified.receipt.message
        events = verified.receipt.events.map(EventInfo.init)
        receiptHex = Hex.encode(verified.receipt.canonicalBytes)
        transactionHex = Hex.encode(verified.transaction.canonicalBytes)
    }
}

extension TransactionInfo.EventInfo {
    init(_ event: Event) {
        contract = event.contract
        type = event.type
        attributes = event.attributes
    }
}

extension GrantInfo {
    /// The view of a grant record (a proven state value).
    public init(_ record: GrantRecord) {
        let terms = record.terms
        self.terms = GrantTermsInfo(
            grantID: terms.grantID, holder: terms.holder,
            granteeOrganisation: terms.granteeOrganisation, scope: GrantScopeInfo(terms.scope),
            purpose: terms.purpose,
            consent: ConsentInfo(
                mode: String(describing: terms.consent.mode), channel: terms.consent.channel),
            validFromMs: terms.validFromMs, validUntilMs: terms.validUntilMs,
            delegable: terms.delegable)
        attestedBy = record.attestedBy
        parentGrantID = record.parentGrantID
        revoked = record.revoked
        grantedAtHeight = record.grantedAtHeight
        mandateID = record.mandateID
    }
}

extension GrantScopeInfo {
    init(_ scope: GrantScope) {
        licenceIDs = scope.licenceIDs
        licenceTypes = scope.licenceTypes
        dataCategories = scope.dataCategories
    }
}

extension ClaimInfo {
    /// The view of a claim record (a proven state value).
    public init(_ record: ClaimRecord) {
        claimID = record.claimID
        billID = record.billID
        category = record.category.map { String(describing: $0) }
        amountFen = record.amountFen
        reimburserOrganisation = record.reimburserOrganisation
        status = String(describing: record.status)
        claimedAtHeight = record.claimedAtHeight
    }
}

extension OrganisationInfo {
    /// The view of an organisation record (a proven state value).
    public init(_ record: OrganisationRecord) {
        id = record.id
        name = record.name
        creditCode = record.creditCode
        keys = record.keys
    }
}

extension LicenceTypeInfo {
    /// The view of a licence-type registration (a proven state value).
    public init(_ record: LicenceType) {
        code = record.code
        name = record.name
        issuers = record.issuers
        maxValidityDays = record.maxValidityDays
        reminderDays = record.reminderDays
    }
}

extension DutyItemInfo {
    /// The view of a service item (a proven state value).
    public init(_ record: DutyItem) {
        itemCode = record.itemCode
        name = record.name
        purpose = record.purpose
        organisations = record.organisations
        licenceTypes = record.licenceTypes
        dataCategories = record.dataCategories
    }
}
