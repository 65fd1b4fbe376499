internal import Contracts
internal import Foundation
public import Ledger

/// Typed queries over the node's read routes (docs/api.md), answered as of the last
/// committed block of the first node that answers. A missing object is `nil`; a node that
/// answers with a document of the wrong shape is `.verificationFailed`; no node answering is
/// `.unreachable`.
extension GovChainClient {
    // MARK: - Governance

    /// Every organisation in id order.
    public func organisations() async throws(ClientError) -> [OrganisationInfo] {
        try await list(OrganisationInfo.self, "/v1/organisations")
    }

    public func organisation(_ id: String) async throws(ClientError) -> OrganisationInfo? {
        try await object(
            OrganisationInfo.self, "/v1/organisations/\(try Self.checked(id, "organisation id"))")
    }

    // MARK: - Licences

    public func licence(_ id: String) async throws(ClientError) -> LicenceInfo? {
        try await object(LicenceInfo.self, "/v1/licences/\(try Self.checked(id, "licence id"))")
    }

    /// The QR check: is the licence genuine (the presented file has the recorded digest) and
    /// current at the last block time?
    /// - Parameters:
    ///   - id: the licence identifier printed on the licence.
    ///   - fileDigest: SHA-256 of the presented licence file.
    public func verifyLicence(id: String, fileDigest: Hash256) async throws(ClientError)
        -> LicenceCheck
    {
        let path =
            "/v1/licences/\(try Self.checked(id, "licence id"))/verify?digest=\(fileDigest.hex)"
        guard let check = try await object(LicenceCheck.self, path) else {
            throw .verificationFailed("no answer to \(path)")
        }
        return check
    }

    /// Every version of the licence record, oldest first.
    public func licenceHistory(_ id: String) async throws(ClientError) -> [RecordVersion<
        LicenceInfo
    >] {
        try await history("/v1/licences/\(try Self.checked(id, "licence id"))/history") { bytes in
            LicenceInfo(try LicenceRecord(canonicalBytes: bytes))
        }
    }

    /// Every recorded use of a licence, in chain order.
    public func uses(ofLicence id: String) async throws(ClientError) -> [LicenceUseInfo] {
        try await list(
            LicenceUseInfo.self, "/v1/licences/\(try Self.checked(id, "licence id"))/uses")
    }

    /// The licences issued to a holder commitment.
    public func licences(ofHolder holder: Hash256) async throws(ClientError) -> [LicenceInfo] {
        try await list(LicenceInfo.self, "/v1/holders/\(holder.hex)/licences")
    }

    // MARK: - Authorisations

    public func grant(_ id: String) async throws(ClientError) -> GrantInfo? {
        try await object(GrantInfo.self, "/v1/grants/\(try Self.checked(id, "grant id"))")
    }

    /// A holder's grants (delegations included) that are live at the last block time.
    public func liveGrants(ofHolder holder: Hash256) async throws(ClientError) -> [GrantInfo] {
        try await list(GrantInfo.self, "/v1/holders/\(holder.hex)/grants")
    }

    // MARK: - Bills and claims

    public func bill(_ id: String) async throws(ClientError) -> BillInfo? {
        try await object(BillInfo.self, "/v1/bills/\(try Self.checked(id, "bill id"))")
    }

    /// The claims and alerts of a bill and what new claims may still take; nil for an
    /// unknown bill.
    public func claims(ofBill id: String) async throws(ClientError) -> BillClaims? {
        try await object(BillClaims.self, "/v1/bills/\(try Self.checked(id, "bill id"))/claims")
    }

    /// What new claims may still take from a bill, in fen; nil for an unknown bill.
    public func amountLeft(ofBill id: String) async throws(ClientError) -> UInt64? {
        try await claims(ofBill: id)?.leftFen
    }

    /// Every version of the bill record (claims, settlements, reversals), oldest first.
    public func billHistory(_ id: String) async throws(ClientError) -> [RecordVersion<BillInfo>] {
        try await history("/v1/bills/\(try Self.checked(id, "bill id"))/history") { bytes in
            BillInfo(try BillRecord(canonicalBytes: bytes))
        }
    }

    /// Checks a printed bill: its id, check code (for a tax e-invoice, the total in fen as
    /// decimal text) and issue date (开票日期, `YYYY-MM-DD` in China time). The code never
    /// leaves this machine: it is compared by digest.
    public func verifyBill(id: String, checkCode: String, issueDate: String) async
        throws(ClientError) -> BillCheck
    {
        let claims = try await claims(ofBill: id)
        guard let bill = try await bill(id) else {
            return BillCheck(
                billID: id, genuine: false, dateMatches: false, bill: nil, claims: [])
        }
        let matches = bill.checkDigest == Self.billCheckDigest(billID: id, checkCode: checkCode)
        let dateMatches = ChinaCalendar.date(ofMs: bill.issuedAtMs).description == issueDate
        return BillCheck(
            billID: id, genuine: matches && dateMatches, dateMatches: dateMatches, bill: bill,
            claims: claims?.claims ?? [])
    }

    /// `BillRecord.checkDigest` recomputed client-side (it is internal to Contracts): the
    /// domain and layout must stay those of Sources/Contracts/Bills/BillRecord.swift.
    static func billCheckDigest(billID: String, checkCode: String) -> Hash256 {
        ChainHash.hash(Array(("govchain/bill-check/v1\u{0}" + billID + "\u{0}" + checkCode).utf8))
    }

    /// A payer's bill wallet: every bill (red bills included) issued to the commitment,
    /// each with who claimed what of it.
    public func billWallet(ofPayer payer: Hash256) async throws(ClientError) -> [WalletBill] {
        try await list(WalletBill.self, "/v1/payers/\(payer.hex)/bills")
    }

    /// A reimburser's claim: claim ids are scoped by reimburser, so both name it.
    public func claim(reimburser: String, id: String) async throws(ClientError) -> ClaimInfo? {
        let organisation = try Self.checked(reimburser, "reimburser organisation id")
        return try await object(
            ClaimInfo.self,
            "/v1/reimbursers/\(organisation)/claims/\(try Self.checked(id, "claim id"))")
    }

    // MARK: - Evidence, blocks, transactions

    /// Recorded equivocation evidence, in evidence-hash order.
    public func evidence() async throws(ClientError) -> [EvidenceInfo] {
        try await list(EvidenceInfo.self, "/v1/evidence")
    }

    /// The block at `height`, nil above the node's last height.
    public func block(height: UInt64) async throws(ClientError) -> BlockInfo? {
        try await object(BlockInfo.self, "/v1/blocks/\(height)")
    }

    /// The last committed block of the first node that answers.
    public func latestBlock() async throws(ClientError) -> BlockInfo {
        guard let block = try await object(BlockInfo.self, "/v1/blocks/latest") else {
            throw .verificationFailed("no latest block")
        }
        return block
    }

    /// A transaction and, once committed, its receipt (refusals included: see `code`);
    /// nil when no node answering knows it.
    public func transactionInfo(_ id: Hash256) async throws(ClientError) -> TransactionInfo? {
        try await object(TransactionInfo.self, "/v1/transactions/\(id.hex)")
    }

    // MARK: - Helpers

    /// Ids become path components: checked before sending so nothing can change the route.
    static func checked(_ id: String, _ what: String) throws(ClientError) -> String {
        let allowed = id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "-"):
                true
            default: false
            }
        }
        guard (1...128).contains(id.utf8.count), allowed else {
            throw .invalidInput("\(what) \"\(id)\" must be 1...128 of A-Z a-z 0-9 . _ -")
        }
        return id
    }

    func object<Value: Decodable>(_: Value.Type, _ path: String) async throws(ClientError) -> Value?
    {
        guard let json = try await getJSONIfPresent(path) else { return nil }
        return try Self.decode(Value.self, json, path)
    }

    func list<Element: Decodable>(_: Element.Type, _ path: String) async throws(ClientError)
        -> [Element]
    {
        guard let json = try await getJSONIfPresent(path) else { return [] }
        if let text = json as? String, text.isEmpty { return [] }  // see `KeyedDecodingContainer.list`
        return try Self.decode([Element].self, json, path)
    }

    private struct HistoryDocument: Decodable {
        let height: UInt64
        let txIndex: UInt32
        let txID: Hash256
        let value: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            height = try container.decode(UInt64.self, forKey: .height)
            txIndex = try container.decode(UInt32.self, forKey: .txIndex)
            txID = try container.decode(Hash256.self, forKey: .txID)
            value = try container.optional(String.self, forKey: .value)
        }

        enum CodingKeys: String, CodingKey { case height, txIndex, txID, value }
    }

    /// A record trail: each entry's canonical bytes decoded with `decode`.
    func history<Record: Codable & Sendable & Hashable>(
        _ path: String, _ decode: ([UInt8]) throws -> Record
    ) async throws(ClientError) -> [RecordVersion<Record>] {
        try await list(HistoryDocument.self, path).map { (entry) throws(ClientError) in
            var record: Record?
            if let hex = entry.value {
                guard let bytes = Hex.decode(hex), let decoded = try? decode(bytes) else {
                    throw .verificationFailed(
                        "history entry at height \(entry.height) does not decode")
                }
                record = decoded
            }
            return RecordVersion(
                height: entry.height, txIndex: entry.txIndex, txID: entry.txID, record: record)
        }
    }

    static func decode<Value: Decodable>(_: Value.Type, _ json: Any, _ path: String)
        throws(ClientError) -> Value
    {
        do {
            let data = try JSONSerialization.data(
                withJSONObject: json, options: [.fragmentsAllowed])
            return try JSONDecoder().decode(Value.self, from: data)
        } catch {
            throw .verificationFailed("malformed answer to \(path): \(error)")
        }
    }
}
