public import Contracts
public import GovChainAPI
public import Ledger

// Proven answers in the GovChainAPI types the query routes answer with (`BlockView`,
// `LicenceView`, ...): a caller (the `govchain` CLI) shows the same document whether it
// trusted a node or checked it, and every field of a verified one comes from certified or
// proven bytes, none from the node's JSON.

extension VerifiedReader {
    /// The last block the first answering node has, its certificate checked.
    public func latestBlock() async throws(ClientError) -> VerifiedBlock {
        try await block(try await client.status().height)
    }

    /// An organisation with its keys' roles, every record proven at one height; nil:
    /// proven absent.
    public func organisation(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> (organisation: OrganisationView?, height: UInt64)
    {
        let checked = try GovChainClient.checked(id, "organisation id")
        let (record, proven) = try await record(
            OrganisationRecord.self, at: RecordKeys.organisation(checked),
            route: "/v1/organisations/\(checked)", height: height)
        guard let record else { return (nil, proven) }
        var keys: [PublicKey: KeyRecord] = [:]
        for key in record.keys {
            // `key/<hex>`: GovernanceKeys.key in Contracts (RecordKeys does not name it).
            let (keyRecord, _) = try await self.record(
                KeyRecord.self, at: StateKey("key/\(key.hex)"), height: proven)
            keys[key] = keyRecord
        }
        return (OrganisationView(record, keys: keys), proven)
    }

    /// A registered licence type, proven; nil: proven absent.
    public func licenceType(_ code: String, height: UInt64? = nil) async throws(ClientError)
        -> (licenceType: LicenceTypeView?, height: UInt64)
    {
        let checked = try GovChainClient.checked(code, "licence type")
        let (record, proven) = try await record(
            LicenceType.self, at: RecordKeys.licenceType(checked),
            route: "/v1/licence-types/\(checked)", height: height)
        return (record.map(LicenceTypeView.init), proven)
    }

    /// A service item of the duty registry, proven; nil: proven absent.
    public func dutyItem(_ code: String, height: UInt64? = nil) async throws(ClientError)
        -> (item: DutyItemView?, height: UInt64)
    {
        let checked = try GovChainClient.checked(code, "service-item code")
        let (record, proven) = try await record(
            DutyItem.self, at: RecordKeys.dutyItem(checked), route: "/v1/duty-items/\(checked)",
            height: height)
        return (record.map(DutyItemView.init), proven)
    }

    /// A mandate, proven; nil: proven absent.
    public func mandate(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> (mandate: MandateView?, height: UInt64)
    {
        let checked = try GovChainClient.checked(id, "mandate id")
        let (record, proven) = try await record(
            MandateRecord.self, at: RecordKeys.mandate(checked), route: "/v1/mandates/\(checked)",
            height: height)
        return (record.map(MandateView.init), proven)
    }
}

extension BlockView {
    /// The view of a verified block, as `/v1/blocks/{height}` renders it.
    public init(_ verified: VerifiedBlock) {
        self.init(
            block: verified.block, certificate: verified.certificate,
            certifiedBytes: verified.block.canonicalBytes + verified.certificate.canonicalBytes)
    }
}

extension TransactionView {
    /// The view of a proven transaction and receipt, as `/v1/transactions/{id}` renders it.
    public init(_ verified: VerifiedReceipt) {
        self = .committed(
            verified.transaction.id, height: verified.height, index: verified.index,
            receipt: verified.receipt)
        transactionHex = Hex.encode(verified.transaction.canonicalBytes)
    }
}

extension VerifiedReader {
    /// A grant with its standing at the block time of the proven height, every record the
    /// standing depends on (parent grants, mandates) proven at that height too; nil: proven
    /// absent.
    public func grantView(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> (grant: GrantView?, height: UInt64)
    {
        let (record, proven) = try await grant(id, height: height)
        guard let record else { return (nil, proven) }
        let timeMs = try await block(proven).block.header.timeMs
        let status = try await standing(of: record, atMs: timeMs, height: proven)
        return (GrantView(record, status: status), proven)
    }

    /// The walk of `GrantLiveness.status` (Contracts, internal), over proven records: the
    /// grant, its mandate, then its parent, up to 16 links. It must stay that walk.
    func standing(of grant: GrantRecord, atMs: UInt64, height: UInt64) async throws(ClientError)
        -> GrantStatus
    {
        func standing(revoked: Bool, from: UInt64, until: UInt64) -> GrantStatus? {
            if revoked { return .revoked }
            if atMs < from { return .notYetValid }
            if atMs > until { return .expired }
            return nil
        }
        var current = grant
        for _ in 0..<16 {
            let terms = current.terms
            if let reason = standing(
                revoked: current.revoked, from: terms.validFromMs, until: terms.validUntilMs)
            {
                return reason
            }
            if let mandateID = current.mandateID {
                let (mandate, _) = try await record(
                    MandateRecord.self, at: RecordKeys.mandate(mandateID), height: height)
                guard let mandate else { return .revoked }
                if let reason = standing(
                    revoked: mandate.revoked, from: mandate.mandate.validFromMs,
                    until: mandate.mandate.validUntilMs)
                {
                    return reason
                }
            }
            guard let parentID = current.parentGrantID else { return .live }
            let (parent, _) = try await record(
                GrantRecord.self, at: RecordKeys.grant(parentID), height: height)
            guard let parent else { return .revoked }
            current = parent
        }
        return .revoked
    }
}
