public import Ledger

/// The answer to a licence check (亮证 / QR check).
public struct LicenceVerification: Hashable, Sendable {
    public let licenceID: String
    /// The licence record, if the id is known.
    public let record: LicenceRecord?
    /// Whether the presented file's digest is the one the issuer recorded.
    public let digestMatches: Bool
    /// issued, suspended, revoked, superseded, expired, not-yet-valid, or unknown.
    public let status: String

    /// Genuine (known, digest matches) and current (issued, within validity) at the time asked.
    public var isValid: Bool {
        record != nil && digestMatches && status == LicenceStatus.issued.name
    }
}

/// The answer to a bill check: genuine or not, what was claimed, by whom, what is left.
public struct BillVerification: Hashable, Sendable {
    public let billID: String
    public let record: BillRecord?
    /// Whether the check digest of the printed code matches the recorded one.
    public let checkMatches: Bool
    /// Whether the printed issue date (China time) is the recorded one.
    public let dateMatches: Bool
    public let claims: [ClaimRecord]

    public var isGenuine: Bool { record != nil && checkMatches && dateMatches }
    public var leftFen: UInt64 { record?.leftFen ?? 0 }
}

/// Read-only queries of every contract over a `StateStore` (the node's API serves these
/// at its latest height; historical heights are the node's business).
///
/// Every query that decodes stored records throws `StoredRecordError` when one does not
/// decode: the API answers that as a server error, and no stored bytes can trap the node
/// that serves the query.
public struct ContractQueries<Store: StateStore> {
    public let state: Store

    public init(state: Store) { self.state = state }

    // MARK: - Governance

    public var chainParameters: ChainParameters? {
        get throws(StoredRecordError) {
            try record(ChainParameters.self, GovernanceKeys.parameters)
        }
    }

    public func organisation(_ id: String) throws(StoredRecordError) -> OrganisationRecord? {
        try record(OrganisationRecord.self, GovernanceKeys.organisation(id))
    }

    /// Every organisation in id order.
    public var organisations: [OrganisationRecord] {
        get throws(StoredRecordError) { try records(OrganisationRecord.self, StateKey("org/")) }
    }

    public func key(_ publicKey: PublicKey) throws(StoredRecordError) -> KeyRecord? {
        try record(KeyRecord.self, GovernanceKeys.key(publicKey))
    }

    public func proposal(_ id: String) throws(StoredRecordError) -> Proposal? {
        try record(Proposal.self, GovernanceKeys.proposal(id))
    }

    /// A service item of the duty registry.
    public func dutyItem(_ code: String) throws(StoredRecordError) -> DutyItem? {
        try record(DutyItem.self, DutyKeys.item(code))
    }

    /// Every registered service item in item-code order.
    public var dutyItems: [DutyItem] {
        get throws(StoredRecordError) { try records(DutyItem.self, DutyKeys.prefix) }
    }

    /// A registered licence type.
    public func licenceType(_ code: String) throws(StoredRecordError) -> LicenceType? {
        try record(LicenceType.self, LicenceTypeKeys.type(code))
    }

    /// Every registered licence type in code order.
    public var licenceTypes: [LicenceType] {
        get throws(StoredRecordError) { try records(LicenceType.self, LicenceTypeKeys.prefix) }
    }

    /// The expiry reminders the chain made for a holder's licences, in licence-id order
    /// (the holder's wallet view).
    public func reminders(ofHolder holder: Hash256) throws(StoredRecordError)
        -> [ExpiryReminder]
    {
        try records(ExpiryReminder.self, ReminderKeys.holder(holder))
    }

    // MARK: - Licences and their use

    public func licence(_ id: String) throws(StoredRecordError) -> LicenceRecord? {
        try record(LicenceRecord.self, LicenceKeys.licence(id))
    }

    /// Is the licence with this id genuine (file digest as recorded) and current at `atMs`?
    public func verifyLicence(id: String, fileDigest: Hash256, atMs: UInt64)
        throws(StoredRecordError) -> LicenceVerification
    {
        guard let licence = try licence(id) else {
            return LicenceVerification(
                licenceID: id, record: nil, digestMatches: false, status: "unknown")
        }
        return LicenceVerification(
            licenceID: id, record: licence, digestMatches: licence.fileDigest == fileDigest,
            status: licence.effectiveStatus(atMs: atMs))
    }

    /// Every version of the licence record, oldest first: the licence trail.
    public func licenceHistory(_ id: String) throws(StoredRecordError) -> [HistoryRecord] {
        try history(of: LicenceKeys.licence(id))
    }

    public func licences(ofHolder holder: Hash256) throws(StoredRecordError) -> [LicenceRecord] {
        try indexedRecords(StateKey("idx/licence-holder/\(holder.hex)/")) {
            id throws(StoredRecordError) in try licence(id)
        }
    }

    /// Every recorded use of a licence, in chain order.
    public func uses(ofLicence id: String) throws(StoredRecordError) -> [UseRecord] {
        try records(UseRecord.self, LicenceKeys.uses(id))
    }

    /// Every recorded use of a holder's data, in chain order.
    public func dataUses(ofHolder holder: Hash256) throws(StoredRecordError) -> [DataUseRecord] {
        try records(DataUseRecord.self, DataUseKeys.uses(holder))
    }

    // MARK: - Authorisations

    public func grant(_ id: String) throws(StoredRecordError) -> GrantRecord? {
        try record(GrantRecord.self, GrantKeys.grant(id))
    }

    /// A holder's grants (delegations included) that are live at `atMs`, in grant-id order.
    public func liveGrants(ofHolder holder: Hash256, atMs: UInt64) throws(StoredRecordError)
        -> [GrantRecord]
    {
        let grants = try indexedRecords(GrantKeys.byHolder(holder)) {
            id throws(StoredRecordError) in try grant(id)
        }
        var live: [GrantRecord] = []
        for grant in grants {
            let isLive = try GrantLiveness.isLive(
                grant, atMs: atMs, lookup: { id throws(StoredRecordError) in try self.grant(id) },
                mandate: { id throws(StoredRecordError) in try self.mandate(id) })
            if isLive { live.append(grant) }
        }
        return live
    }

    /// A mandate (person-to-person delegation).
    public func mandate(_ id: String) throws(StoredRecordError) -> MandateRecord? {
        try record(MandateRecord.self, MandateKeys.mandate(id))
    }

    /// Every mandate a principal gave, in mandate-id order (revoked and expired included).
    public func mandates(ofPrincipal principal: Hash256) throws(StoredRecordError)
        -> [MandateRecord]
    {
        try indexedRecords(MandateKeys.byPrincipal(principal)) {
            id throws(StoredRecordError) in try mandate(id)
        }
    }

    /// Whether a key is bound to a holder commitment now.
    public func isHolderKeyBound(_ holder: Hash256, _ key: PublicKey) -> Bool {
        state.value(for: GrantKeys.holderKey(holder, key)) != nil
    }

    // MARK: - Bills and claims

    public func bill(_ id: String) throws(StoredRecordError) -> BillRecord? {
        try record(BillRecord.self, BillKeys.bill(id))
    }

    /// Checks a printed bill: number, check digest and issue date (开票日期, China time).
    /// - Parameters:
    ///   - checkDigest: `BillCheckDigest.make` of the printed check code, computed by the
    ///     verifier (the contracts never see a check code).
    public func verifyBill(
        number: BillNumber, checkDigest: Hash256, issueDate: ChinaCalendar.Date
    )
        throws(StoredRecordError) -> BillVerification
    {
        let id = number.billID
        let bill = try bill(id)
        let matches = bill.map { $0.checkDigest == checkDigest } ?? false
        let dateMatches = bill.map { ChinaCalendar.date(ofMs: $0.issuedAtMs) == issueDate } ?? false
        return BillVerification(
            billID: id, record: bill, checkMatches: matches, dateMatches: dateMatches,
            claims: try claims(ofBill: id))
    }

    /// A payer's bill wallet with, per bill, who claimed what (DOMAIN.md's bill wallet).
    public func billWalletClaims(ofPayer payer: Hash256) throws(StoredRecordError)
        -> [(bill: BillRecord, claims: [ClaimRecord])]
    {
        var entries: [(bill: BillRecord, claims: [ClaimRecord])] = []
        for bill in try billWallet(ofPayer: payer) {
            entries.append((bill, try claims(ofBill: bill.id)))
        }
        return entries
    }

    /// A reimburser's claim (claim ids are scoped by reimburser).
    public func claim(reimburser: String, id: String) throws(StoredRecordError) -> ClaimRecord? {
        try record(ClaimRecord.self, ClaimKeys.claim(reimburser, id))
    }

    /// Every claim of a bill in (reimburser, claim id) order.
    public func claims(ofBill id: String) throws(StoredRecordError) -> [ClaimRecord] {
        try indexedRecords(ClaimKeys.byBill(id)) { tail throws(StoredRecordError) in
            // `<reimburser>/<claim id>`: ids never contain `/`, so one split is exact.
            let parts = tail.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            return try claim(reimburser: String(parts[0]), id: String(parts[1]))
        }
    }

    /// What new claims may still take from a bill, or nil for an unknown bill.
    public func amountLeft(ofBill id: String) throws(StoredRecordError) -> UInt64? {
        try bill(id)?.leftFen
    }

    /// A payer's bill wallet: every bill (red bills included) issued to the commitment.
    public func billWallet(ofPayer payer: Hash256) throws(StoredRecordError) -> [BillRecord] {
        try indexedRecords(BillKeys.byPayer(payer)) { id throws(StoredRecordError) in try bill(id) }
    }

    /// Every version of the bill record (claims, settlements, reversals): the bill trail.
    public func billHistory(_ id: String) throws(StoredRecordError) -> [HistoryRecord] {
        try history(of: BillKeys.bill(id))
    }

    public func alerts(ofBill id: String) throws(StoredRecordError) -> [BillAlert] {
        try records(BillAlert.self, BillKeys.alerts(id))
    }

    // MARK: - Evidence and history

    /// Recorded equivocation evidence in evidence-hash order.
    public var evidence: [EvidenceRecord] {
        get throws(StoredRecordError) { try records(EvidenceRecord.self, EvidenceContract.prefix) }
    }

    /// Every recorded version of any tracked key, oldest first.
    public func history(of key: StateKey) throws(StoredRecordError) -> [HistoryRecord] {
        try records(HistoryRecord.self, HistoryKeys.prefix(of: key))
    }

    // MARK: - Helpers

    func record<Record: CanonicalDecodable>(_: Record.Type, _ key: StateKey)
        throws(StoredRecordError) -> Record?
    {
        guard let bytes = state.value(for: key) else { return nil }
        return try StoredRecords.decode(Record.self, bytes, key: key)
    }

    func records<Record: CanonicalDecodable>(_: Record.Type, _ prefix: StateKey)
        throws(StoredRecordError) -> [Record]
    {
        var records: [Record] = []
        for entry in state.entries(withPrefix: prefix) {
            records.append(try StoredRecords.decode(Record.self, entry.value, key: entry.key))
        }
        return records
    }

    /// The records an index lists (the last path component of each key under `prefix` is
    /// the id), skipping ids whose record is gone.
    func indexedRecords<Record>(
        _ prefix: StateKey, _ lookup: (String) throws(StoredRecordError) -> Record?
    ) throws(StoredRecordError) -> [Record] {
        var records: [Record] = []
        for entry in state.entries(withPrefix: prefix) {
            let id = String(decoding: entry.key.bytes.dropFirst(prefix.bytes.count), as: UTF8.self)
            if let record = try lookup(id) { records.append(record) }
        }
        return records
    }
}

extension ContractQueries: Sendable where Store: Sendable {}
