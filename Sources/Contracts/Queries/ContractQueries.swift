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
    /// Whether the check code (the total in fen for a tax e-invoice) matches.
    public let checkMatches: Bool
    public let claims: [ClaimRecord]

    public var isGenuine: Bool { record != nil && checkMatches }
    public var leftFen: UInt64 { record?.leftFen ?? 0 }
}

/// Read-only queries of every contract over a `StateStore` (the node's API serves these
/// at its latest height; historical heights are the node's business).
public struct ContractQueries<Store: StateStore> {
    public let state: Store

    public init(state: Store) { self.state = state }

    // MARK: - Governance

    public var chainParameters: ChainParameters? {
        record(ChainParameters.self, GovernanceKeys.parameters)
    }

    public func organisation(_ id: String) -> OrganisationRecord? {
        record(OrganisationRecord.self, GovernanceKeys.organisation(id))
    }

    /// Every organisation in id order.
    public var organisations: [OrganisationRecord] {
        records(OrganisationRecord.self, StateKey("org/"))
    }

    public func key(_ publicKey: PublicKey) -> KeyRecord? {
        record(KeyRecord.self, GovernanceKeys.key(publicKey))
    }

    public func proposal(_ id: String) -> Proposal? {
        record(Proposal.self, GovernanceKeys.proposal(id))
    }

    // MARK: - Licences and their use

    public func licence(_ id: String) -> LicenceRecord? {
        record(LicenceRecord.self, LicenceKeys.licence(id))
    }

    /// Is the licence with this id genuine (file digest as recorded) and current at `atMs`?
    public func verifyLicence(id: String, fileDigest: Hash256, atMs: UInt64) -> LicenceVerification
    {
        guard let licence = licence(id) else {
            return LicenceVerification(
                licenceID: id, record: nil, digestMatches: false, status: "unknown")
        }
        return LicenceVerification(
            licenceID: id, record: licence, digestMatches: licence.fileDigest == fileDigest,
            status: licence.effectiveStatus(atMs: atMs))
    }

    /// Every version of the licence record, oldest first: the licence trail.
    public func licenceHistory(_ id: String) -> [HistoryRecord] {
        history(of: LicenceKeys.licence(id))
    }

    public func licences(ofHolder holder: Hash256) -> [LicenceRecord] {
        indexed(StateKey("idx/licence-holder/\(holder.hex)/")).compactMap(licence)
    }

    /// Every recorded use of a licence, in chain order.
    public func uses(ofLicence id: String) -> [UseRecord] {
        records(UseRecord.self, LicenceKeys.uses(id))
    }

    // MARK: - Authorisations

    public func grant(_ id: String) -> GrantRecord? {
        record(GrantRecord.self, GrantKeys.grant(id))
    }

    /// A holder's grants (delegations included) that are live at `atMs`, in grant-id order.
    public func liveGrants(ofHolder holder: Hash256, atMs: UInt64) -> [GrantRecord] {
        indexed(GrantKeys.byHolder(holder)).compactMap(grant).filter { grant in
            GrantLiveness.isLive(grant, atMs: atMs) { self.grant($0) }
        }
    }

    // MARK: - Bills and claims

    public func bill(_ id: String) -> BillRecord? { record(BillRecord.self, BillKeys.bill(id)) }

    /// Checks a printed bill: number plus check code (for a tax e-invoice, the total in fen).
    public func verifyBill(number: BillNumber, checkCode: String) -> BillVerification {
        let id = number.billID
        let bill = bill(id)
        let matches =
            bill.map { $0.checkDigest == BillRecord.checkDigest(billID: id, checkCode: checkCode) }
            ?? false
        return BillVerification(
            billID: id, record: bill, checkMatches: matches, claims: claims(ofBill: id))
    }

    public func claim(_ id: String) -> ClaimRecord? {
        record(ClaimRecord.self, ClaimKeys.claim(id))
    }

    /// Every claim of a bill in claim-id order.
    public func claims(ofBill id: String) -> [ClaimRecord] {
        indexed(ClaimKeys.byBill(id)).compactMap(claim)
    }

    /// What new claims may still take from a bill, or nil for an unknown bill.
    public func amountLeft(ofBill id: String) -> UInt64? { bill(id)?.leftFen }

    /// A payer's bill wallet: every bill (red bills included) issued to the commitment.
    public func billWallet(ofPayer payer: Hash256) -> [BillRecord] {
        indexed(BillKeys.byPayer(payer)).compactMap(bill)
    }

    /// Every version of the bill record (claims, settlements, reversals): the bill trail.
    public func billHistory(_ id: String) -> [HistoryRecord] { history(of: BillKeys.bill(id)) }

    public func alerts(ofBill id: String) -> [BillAlert] {
        records(BillAlert.self, BillKeys.alerts(id))
    }

    // MARK: - Evidence and history

    /// Recorded equivocation evidence in evidence-hash order.
    public var evidence: [EvidenceRecord] { records(EvidenceRecord.self, EvidenceContract.prefix) }

    /// Every recorded version of any tracked key, oldest first.
    public func history(of key: StateKey) -> [HistoryRecord] {
        records(HistoryRecord.self, HistoryKeys.prefix(of: key))
    }

    // MARK: - Helpers

    private func record<Record: CanonicalDecodable>(_: Record.Type, _ key: StateKey) -> Record? {
        state.value(for: key).map { ContractContext.decodeStored(Record.self, $0, key: key) }
    }

    private func records<Record: CanonicalDecodable>(_: Record.Type, _ prefix: StateKey) -> [Record]
    {
        state.entries(withPrefix: prefix).map {
            ContractContext.decodeStored(Record.self, $0.value, key: $0.key)
        }
    }

    /// The ids an index lists: the last path component of each key under `prefix`.
    private func indexed(_ prefix: StateKey) -> [String] {
        state.entries(withPrefix: prefix).map {
            String(decoding: $0.key.bytes.dropFirst(prefix.bytes.count), as: UTF8.self)
        }
    }
}

extension ContractQueries: Sendable where Store: Sendable {}
