public import Contracts
internal import Foundation
public import GovChainAPI
public import Ledger

/// Typed queries over the node's read routes (docs/api.md), decoded into the GovChainAPI
/// types the node encodes with. Every query reads as of `height` (nil: the answering
/// node's latest block). A missing object is `nil`; a document of the wrong shape is
/// `.verificationFailed`; no node answering is `.unreachable`. A list follows the pages'
/// cursors to its end (`page(_:_:cursor:limit:height:)` reads one page).
extension GovChainClient {
    // MARK: - Governance

    /// Every organisation, in id order, with its keys.
    public func organisations(height: UInt64? = nil) async throws(ClientError) -> [OrganisationView]
    {
        try await all(OrganisationView.self, "/v1/organisations", height: height)
    }

    public func organisation(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> OrganisationView?
    {
        try await record(
            OrganisationView.self, "/v1/organisations/\(try Self.checked(id, "organisation id"))",
            height: height)
    }

    /// The validator set governance records.
    public func validators(height: UInt64? = nil) async throws(ClientError) -> [ValidatorView] {
        try await all(ValidatorView.self, "/v1/validators", height: height)
    }

    /// The follower nodes governance admits.
    public func followers(height: UInt64? = nil) async throws(ClientError) -> [FollowerView] {
        try await all(FollowerView.self, "/v1/followers", height: height)
    }

    /// Governance proposals in id order: all, or only the pending or the executed ones.
    public func proposals(executed: Bool? = nil, height: UInt64? = nil) async throws(ClientError)
        -> [ProposalView]
    {
        let filter = executed.map { $0 ? "?status=executed" : "?status=pending" } ?? ""
        return try await all(ProposalView.self, "/v1/proposals" + filter, height: height)
    }

    public func proposal(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> ProposalView?
    {
        try await record(
            ProposalView.self, "/v1/proposals/\(try Self.checked(id, "proposal id"))",
            height: height)
    }

    /// Every registered service item (权责事项), in item-code order.
    public func dutyItems(height: UInt64? = nil) async throws(ClientError) -> [DutyItemView] {
        try await all(DutyItemView.self, "/v1/duty-items", height: height)
    }

    public func dutyItem(_ code: String, height: UInt64? = nil) async throws(ClientError)
        -> DutyItemView?
    {
        try await record(
            DutyItemView.self, "/v1/duty-items/\(try Self.checked(code, "service-item code"))",
            height: height)
    }

    /// Every registered licence type, in code order.
    public func licenceTypes(height: UInt64? = nil) async throws(ClientError) -> [LicenceTypeView] {
        try await all(LicenceTypeView.self, "/v1/licence-types", height: height)
    }

    public func licenceType(_ code: String, height: UInt64? = nil) async throws(ClientError)
        -> LicenceTypeView?
    {
        try await record(
            LicenceTypeView.self, "/v1/licence-types/\(try Self.checked(code, "licence type"))",
            height: height)
    }

    /// Recorded equivocation evidence.
    public func evidence(height: UInt64? = nil) async throws(ClientError) -> [EvidenceView] {
        try await all(EvidenceView.self, "/v1/evidence", height: height)
    }

    // MARK: - Licences

    public func licence(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> LicenceView?
    {
        try await record(
            LicenceView.self, "/v1/licences/\(try Self.checked(id, "licence id"))", height: height)
    }

    /// The QR check: is the licence genuine (the presented file has the recorded digest) and
    /// current at the block time of `height` (default: the latest block)?
    public func verifyLicence(id: String, fileDigest: Hash256, height: UInt64? = nil)
        async throws(ClientError)
        -> LicenceVerificationView
    {
        let path =
            "/v1/licences/\(try Self.checked(id, "licence id"))/verify?digest=\(fileDigest.hex)"
            + (height.map { "&height=\($0)" } ?? "")
        guard let check = try await get(LicenceVerificationView.self, path) else {
            throw .verificationFailed("no answer to \(path)")
        }
        return check
    }

    /// Every version of the licence record, oldest first.
    public func licenceHistory(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> [HistoryEntryView<LicenceView>]
    {
        try await all(
            HistoryEntryView<LicenceView>.self,
            "/v1/licences/\(try Self.checked(id, "licence id"))/history", height: height)
    }

    /// Every recorded use of a licence, in chain order.
    public func uses(ofLicence id: String, height: UInt64? = nil) async throws(ClientError)
        -> [LicenceUseView]
    {
        try await all(
            LicenceUseView.self, "/v1/licences/\(try Self.checked(id, "licence id"))/uses",
            height: height)
    }

    /// The licences issued to a holder commitment.
    public func licences(ofHolder holder: Hash256, height: UInt64? = nil) async throws(ClientError)
        -> [LicenceView]
    {
        try await all(LicenceView.self, "/v1/holders/\(holder.hex)/licences", height: height)
    }

    /// The expiry reminders (到期提醒) the chain made for a holder's licences.
    public func reminders(ofHolder holder: Hash256, height: UInt64? = nil) async throws(ClientError)
        -> [ReminderView]
    {
        try await all(ReminderView.self, "/v1/holders/\(holder.hex)/reminders", height: height)
    }

    // MARK: - Authorisations

    public func grant(_ id: String, height: UInt64? = nil) async throws(ClientError) -> GrantView? {
        try await record(
            GrantView.self, "/v1/grants/\(try Self.checked(id, "grant id"))", height: height)
    }

    /// A holder's grants (delegations, revoked and expired ones included), each with its
    /// standing at the block time of `height`; `status` keeps only those of that standing.
    public func grants(ofHolder holder: Hash256, status: GrantStatus? = nil, height: UInt64? = nil)
        async throws(ClientError) -> [GrantView]
    {
        let filter = status.map { "?status=\($0.rawValue)" } ?? ""
        return try await all(
            GrantView.self, "/v1/holders/\(holder.hex)/grants" + filter, height: height)
    }

    /// Every use of a holder's licences, in chain order.
    public func uses(ofHolder holder: Hash256, height: UInt64? = nil) async throws(ClientError)
        -> [LicenceUseView]
    {
        try await all(LicenceUseView.self, "/v1/holders/\(holder.hex)/uses", height: height)
    }

    /// Every use made under a grant, in chain order.
    public func uses(ofGrant id: String, height: UInt64? = nil) async throws(ClientError)
        -> [LicenceUseView]
    {
        try await all(
            LicenceUseView.self, "/v1/grants/\(try Self.checked(id, "grant id"))/uses",
            height: height)
    }

    /// Every use an organisation recorded, in chain order.
    public func uses(ofOrganisation id: String, height: UInt64? = nil) async throws(ClientError)
        -> [LicenceUseView]
    {
        try await all(
            LicenceUseView.self,
            "/v1/organisations/\(try Self.checked(id, "organisation id"))/uses", height: height)
    }

    /// A holder's grants that are live at the latest block time.
    public func liveGrants(ofHolder holder: Hash256) async throws(ClientError) -> [GrantView] {
        try await grants(ofHolder: holder, status: .live)
    }

    /// A mandate (person-to-person delegation), nil if none has that id.
    public func mandate(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> MandateView?
    {
        try await record(
            MandateView.self, "/v1/mandates/\(try Self.checked(id, "mandate id"))", height: height)
    }

    /// The mandates a holder gave, revoked and expired ones included.
    public func mandates(ofPrincipal principal: Hash256, height: UInt64? = nil)
        async throws(ClientError) -> [MandateView]
    {
        try await all(MandateView.self, "/v1/holders/\(principal.hex)/mandates", height: height)
    }

    /// Every recorded use of a holder's data, in chain order.
    public func dataUses(ofHolder holder: Hash256, height: UInt64? = nil) async throws(ClientError)
        -> [DataUseView]
    {
        try await all(DataUseView.self, "/v1/holders/\(holder.hex)/data-uses", height: height)
    }

    /// One page of the reads of personal data the first answering node recorded, oldest
    /// first (auditors only: the client must sign with an auditor's key). Each node keeps its
    /// own log, so give the client one endpoint to page through one node's.
    public func readAudit(cursor: String? = nil, limit: Int? = nil) async throws(ClientError)
        -> Page<ReadAuditView>
    {
        try await page(ReadAuditView.self, "/v1/read-audit", cursor: cursor, limit: limit)
    }

    // MARK: - Blocks and transactions

    /// The block at `height`, nil above the node's last height.
    public func block(height: UInt64) async throws(ClientError) -> BlockView? {
        try await get(BlockView.self, "/v1/blocks/\(height)")
    }

    /// The last committed block of the first node that answers.
    public func latestBlock() async throws(ClientError) -> BlockView {
        guard let block = try await get(BlockView.self, "/v1/blocks/latest") else {
            throw .verificationFailed("no latest block")
        }
        return block
    }

    /// A transaction and, once committed, its receipt (refusals included: see `code`);
    /// nil when no node answering knows it.
    public func transactionInfo(_ id: Hash256) async throws(ClientError) -> TransactionView? {
        try await get(TransactionView.self, "/v1/transactions/\(id.hex)")
    }

    // MARK: - Records and pages

    /// One page of a list route: `limit` items (1...500, the node's default 100) after
    /// `cursor` (a `next_cursor` the node handed out, with the same `height`).
    public func page<Item: Codable & Sendable & Hashable>(
        _: Item.Type, _ path: String, cursor: String? = nil, limit: Int? = nil,
        height: UInt64? = nil
    ) async throws(ClientError) -> Page<Item> {
        var parameters: [String] = []
        if let cursor {
            let encoded =
                cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor
            parameters.append("cursor=\(encoded)")
        }
        if let limit { parameters.append("limit=\(limit)") }
        if let height { parameters.append("height=\(height)") }
        let route = Self.appending(parameters, to: path)
        // An unknown parent (a licence, a bill) is an empty list, as before pages.
        return try await get(Page<Item>.self, route)
            ?? Page(asOfHeight: height ?? 0, items: [], nextCursor: nil)
    }

    /// Every item of a list route, following `next_cursor` at one height (that of the first
    /// page), at most `maxPages` pages of 500.
    func all<Item: Codable & Sendable & Hashable>(
        _: Item.Type, _ path: String, height: UInt64?, maxPages: Int = 200
    )
        async throws(ClientError) -> [Item]
    {
        var page = try await page(Item.self, path, limit: 500, height: height)
        var items = page.items
        var pages = 1
        while let cursor = page.nextCursor {
            guard pages < maxPages else {
                throw .verificationFailed("\(path): more than \(maxPages) pages")
            }
            page = try await self.page(
                Item.self, path, cursor: cursor, limit: 500, height: page.asOfHeight)
            items += page.items
            pages += 1
        }
        return items
    }

    /// A single record's envelope (`?prove=true` attaches its state proof; nil: not found).
    public func answer<Record: Codable & Sendable & Hashable>(
        _: Record.Type, _ path: String, height: UInt64? = nil, prove: Bool = false
    ) async throws(ClientError) -> RecordAnswer<Record>? {
        var parameters: [String] = []
        if let height { parameters.append("height=\(height)") }
        if prove { parameters.append("prove=true") }
        return try await get(RecordAnswer<Record>.self, Self.appending(parameters, to: path))
    }

    func record<Record: Codable & Sendable & Hashable>(
        _: Record.Type, _ path: String, height: UInt64?
    )
        async throws(ClientError) -> Record?
    {
        try await answer(Record.self, path, height: height)?.record
    }

    static func appending(_ parameters: [String], to path: String) -> String {
        guard !parameters.isEmpty else { return path }
        return path + (path.contains("?") ? "&" : "?") + parameters.joined(separator: "&")
    }

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
}
