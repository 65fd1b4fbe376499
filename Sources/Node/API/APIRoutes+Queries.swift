internal import Contracts
internal import Foundation
internal import GovChainAPI
public import Hummingbird
internal import Ledger

/// Read-only contract queries, each answered with a GovChainAPI type: a single record in a
/// `RecordAnswer` (with its state proof on `?prove=true`), a list as a `Page` (`cursor`,
/// `limit`), both as of `?height=` (default: the latest committed block).
extension APIRoutes {
    func registerQueries(on router: Router<APIRequestContext>) {
        registerGovernanceQueries(on: router)
        registerLicenceQueries(on: router)
        registerAuthorisationQueries(on: router)
        registerBillQueries(on: router)
        registerValidatorSets(on: router)
    }

    private func registerGovernanceQueries(on router: Router<APIRequestContext>) {
        router.get("/v1/organisations") { request, context in
            try await paged(request, context, { _ in .anyCaller }) { queries, _, page in
                try Self.mapPage(queries.organisations(page: page)) { try Self.organisationView($0, queries) }
            }
        }
        router.get("/v1/organisations/:id") { request, context in
            let id = try pathID(context, "id")
            return try await single(request, context, { _ in .anyCaller }, "organisation \(id)", key: RecordKeys.organisation(id)) { queries, _ in
                try queries.organisation(id).map { try Self.organisationView($0, queries) }
            }
        }
        router.get("/v1/validators") { request, context in
            try await list(request, context, { _ in .anyCaller }, sortKey: { (validator: ValidatorView) in validator.publicKey }) { queries, _ in
                // The set governance records; the genesis set until a change was executed.
                try (queries.validators ?? runtime.genesis.validators).map(ValidatorView.init)
            }
        }
        router.get("/v1/proposals") { request, context in
            let status = try Self.filter(request, ProposalStatus.self)
            return try await paged(request, context, { _ in .anyCaller }) { queries, _, page in
                try Self.mapPage(queries.proposals(status: status, page: page)) { ProposalView($0) }
            }
        }
        router.get("/v1/proposals/:id") { request, context in
            let id = try pathID(context, "id")
            return try await single(request, context, { _ in .anyCaller }, "proposal \(id)", key: RecordKeys.proposal(id)) { queries, _ in
                try queries.proposal(id).map(ProposalView.init)
            }
        }
        router.get("/v1/duty-items") { request, context in
            try await list(request, context, { _ in .anyCaller }, sortKey: \DutyItemView.itemCode) { queries, _ in
                try queries.dutyItems.map(DutyItemView.init)
            }
        }
        router.get("/v1/duty-items/:code") { request, context in
            let code = try pathID(context, "code")
            return try await single(request, context, { _ in .anyCaller }, "service item \(code)", key: RecordKeys.dutyItem(code)) { queries, _ in
                try queries.dutyItem(code).map(DutyItemView.init)
            }
        }
        router.get("/v1/licence-types") { request, context in
            try await list(request, context, { _ in .anyCaller }, sortKey: \LicenceTypeView.code) { queries, _ in
                try queries.licenceTypes.map(LicenceTypeView.init)
            }
        }
        router.get("/v1/licence-types/:code") { request, context in
            let code = try pathID(context, "code")
            return try await single(request, context, { _ in .anyCaller }, "licence type \(code)", key: RecordKeys.licenceType(code)) { queries, _ in
                try queries.licenceType(code).map(LicenceTypeView.init)
            }
        }
        router.get("/v1/evidence") { request, context in
            try await list(request, context, { _ in .anyCaller }, sortKey: { (evidence: EvidenceView) in evidence.evidenceHex }) { queries, _ in
                try queries.evidence.map(EvidenceView.init)
            }
        }
    }

    private func registerLicenceQueries(on router: Router<APIRequestContext>) {
        router.get("/v1/licences/:id") { request, context in
            let id = try pathID(context, "id")
            return try await single(request, context, { (licence: LicenceView) in Self.licenceRule(licence) }, "licence \(id)", key: RecordKeys.licence(id)) { queries, _ in
                try queries.licence(id).map(LicenceView.init)
            }
        }
        // The licence QR check, as of a height: the licence's state then, at that block's time.
        router.get("/v1/licences/:id/verify") { request, context in
            let id = try pathID(context, "id")
            guard let digest = request.uri.queryParameters.get("digest").flatMap(Hash256.init(hex:)) else {
                throw APIError.badRequest("digest must be the licence file's digest in hex (64 characters)")
            }
            let parameters = try QueryParameters(request)
            _ = try requireCaller(context, route: "licence-verify")
            return try await answer(parameters) { queries, height, store in
                let atMs = try store.blockTimeMs(at: height) ?? runtime.genesis.genesisTimeMs
                let result = try queries.verifyLicence(id: id, fileDigest: digest, atMs: atMs)
                return LicenceVerificationView(result, asOfHeight: height)
            }
        }
        router.get("/v1/licences/:id/uses") { request, context in
            let id = try pathID(context, "id")
            return try await paged(request, context, { queries in try Self.licenceRule(queries.licence(id).map(LicenceView.init)) }) {
                queries, _, page in try Self.mapPage(queries.uses(ofLicence: id, page: page)) { LicenceUseView($0) }
            }
        }
        router.get("/v1/holders/:commitment/uses") { request, context in
            let holder = try commitment(context)
            return try await paged(request, context, { _ in Self.personRule(holder) }) { queries, _, page in
                try Self.mapPage(queries.uses(ofHolder: holder, page: page)) { LicenceUseView($0) }
            }
        }
        router.get("/v1/organisations/:id/uses") { request, context in
            // The uses an organisation recorded: that organisation (and auditors) read them.
            let id = try pathID(context, "id")
            return try await paged(request, context, { _ in .personal(organisations: [id], roles: [], people: []) }) {
                queries, _, page in try Self.mapPage(queries.uses(byOrganisation: id, page: page)) { LicenceUseView($0) }
            }
        }
        router.get("/v1/licences/:id/history") { request, context in
            let id = try pathID(context, "id")
            return try await list(request, context, { queries in try Self.licenceRule(queries.licence(id).map(LicenceView.init)) }, sortKey: Self.historyOrder) { queries, _ in
                try Self.history(queries.licenceHistory(id), key: RecordKeys.licence(id), LicenceRecord.self, LicenceView.init)
            }
        }
        router.get("/v1/holders/:commitment/licences") { request, context in
            let holder = try commitment(context)
            return try await list(request, context, { _ in Self.personRule(holder) }, sortKey: \LicenceView.id) { queries, _ in
                try queries.licences(ofHolder: holder).map(LicenceView.init)
            }
        }
        router.get("/v1/holders/:commitment/reminders") { request, context in
            let holder = try commitment(context)
            return try await list(request, context, { _ in Self.personRule(holder) }, sortKey: \ReminderView.licenceID) { queries, _ in
                try queries.reminders(ofHolder: holder).map(ReminderView.init)
            }
        }
    }

    private func registerAuthorisationQueries(on router: Router<APIRequestContext>) {
        router.get("/v1/grants/:id/uses") { request, context in
            let id = try pathID(context, "id")
            return try await paged(request, context, { queries in
                try Self.grantRule(queries.grant(id))
            }) { queries, _, page in try Self.mapPage(queries.uses(ofGrant: id, page: page)) { LicenceUseView($0) } }
        }
        router.get("/v1/grants/:id") { request, context in
            let id = try pathID(context, "id")
            return try await single(request, context, { (grant: GrantView) in
                .personal(organisations: [grant.granteeOrganisation], roles: [.identityProvider],
                          people: Hash256(hex: grant.holder).map { [$0] } ?? [])
            }, "grant \(id)", key: RecordKeys.grant(id)) { queries, atMs in
                try queries.grant(id).map { GrantView($0, status: try queries.status(of: $0, atMs: atMs)) }
            }
        }
        router.get("/v1/holders/:commitment/grants") { request, context in
            let holder = try commitment(context)
            // All grants by default: revoked and expired ones are part of the record.
            let status = try Self.filter(request, GrantStatus.self)
            return try await paged(request, context, { _ in Self.personRule(holder) }) { queries, atMs, page in
                try Self.mapPage(queries.grants(ofHolder: holder, status: status, atMs: atMs, page: page)) {
                    GrantView($0.grant, status: $0.status)
                }
            }
        }
        router.get("/v1/holders/:commitment/data-uses") { request, context in
            let holder = try commitment(context)
            return try await list(request, context, { _ in Self.personRule(holder) }, sortKey: { (use: DataUseView) in sortable(use.height) + "/" + use.useID }) {
                queries, _ in try queries.dataUses(ofHolder: holder).map(DataUseView.init)
            }
        }
        router.get("/v1/holders/:commitment/mandates") { request, context in
            let holder = try commitment(context)
            return try await list(request, context, { _ in Self.personRule(holder) }, sortKey: \MandateView.mandateID) { queries, _ in
                try queries.mandates(ofPrincipal: holder).map(MandateView.init)
            }
        }
        router.get("/v1/mandates/:id") { request, context in
            let id = try pathID(context, "id")
            return try await single(request, context, { (mandate: MandateView) in
                .personal(organisations: [], roles: [.identityProvider],
                          people: [mandate.principal, mandate.agent].compactMap(Hash256.init(hex:)))
            }, "mandate \(id)", key: RecordKeys.mandate(id)) { queries, _ in
                try queries.mandate(id).map(MandateView.init)
            }
        }
    }

    private func registerBillQueries(on router: Router<APIRequestContext>) {
        router.get("/v1/bills/:id") { request, context in
            let id = try pathID(context, "id")
            return try await single(request, context, { (bill: BillView) in Self.billRule(bill) }, "bill \(id)", key: RecordKeys.bill(id)) { queries, _ in
                try queries.bill(id).map(BillView.init)
            }
        }
        router.get("/v1/bills/:id/claims") { request, context in
            let id = try pathID(context, "id")
            let parameters = try QueryParameters(request)
            let caller = try requireCaller(context)
            return try await answer(parameters) { queries, height, store in
                guard let bill = try queries.bill(id) else { throw APIError.notFound("bill \(id)") }
                try authorise(
                    caller, Self.billRule(BillView(bill)), queries: queries,
                    request: "GET /v1/bills/\(id)/claims", store: store)
                return BillClaimsView(
                    bill: bill, claims: try queries.claims(ofBill: id), alerts: try queries.alerts(ofBill: id),
                    asOfHeight: height)
            }
        }
        router.get("/v1/bills/:id/history") { request, context in
            let id = try pathID(context, "id")
            return try await list(request, context, { queries in try Self.billRule(queries.bill(id).map(BillView.init)) }, sortKey: Self.historyOrder) { queries, _ in
                try Self.history(queries.billHistory(id), key: RecordKeys.bill(id), BillRecord.self, BillView.init)
            }
        }
        router.get("/v1/payers/:commitment/bills") { request, context in
            let payer = try commitment(context)
            return try await list(request, context, { _ in Self.personRule(payer) }, sortKey: { (entry: WalletBillView) in entry.bill.id }) { queries, _ in
                try queries.billWalletClaims(ofPayer: payer).map { WalletBillView(bill: $0.bill, claims: $0.claims) }
            }
        }
        router.get("/v1/reimbursers/:organisation/claims") { request, context in
            let organisation = try pathID(context, "organisation")
            let status = try Self.filter(request, ClaimStatus.allCases, name: \.name)
            return try await paged(request, context, { _ in
                .personal(organisations: [organisation], roles: [.reimburser], people: [])
            }) { queries, _, page in
                try Self.mapPage(queries.claims(ofReimburser: organisation, status: status, page: page)) { ClaimView($0) }
            }
        }
        router.get("/v1/alerts") { request, context in
            let status = try Self.filter(request, BillAlertStatus.self)
            return try await paged(request, context, { _ in .personal(organisations: [], roles: [.reimburser], people: []) }) {
                queries, _, page in try Self.mapPage(queries.alerts(status: status, page: page)) { AlertStandingView($0) }
            }
        }
        // Claim ids are scoped by reimburser (issue 13 item 5), so a claim is named by both.
        router.get("/v1/reimbursers/:organisation/claims/:id") { request, context in
            let organisation = try pathID(context, "organisation")
            let id = try pathID(context, "id")
            return try await single(
                request, context, { _ in .personal(organisations: [organisation], roles: [.reimburser], people: []) },
                "claim \(id) of \(organisation)", key: RecordKeys.claim(reimburser: organisation, id: id)
            ) { queries, _ in
                try queries.claim(reimburser: organisation, id: id).map(ClaimView.init)
            }
        }
    }

    // MARK: - Orders and conversions

    /// A licence: its issuer, identity providers and the holder's bound keys.
    static func licenceRule(_ licence: LicenceView?) -> ReadRule {
        .personal(
            organisations: licence.map { [$0.issuerOrganisation] } ?? [], roles: [.identityProvider],
            people: licence.flatMap { Hash256(hex: $0.holder) }.map { [$0] } ?? [])
    }

    /// A bill: its issuer, reimbursers and the payer's bound keys.
    static func billRule(_ bill: BillView?) -> ReadRule {
        .personal(
            organisations: bill.map { [$0.issuerOrganisation] } ?? [], roles: [.reimburser],
            people: bill.flatMap { Hash256(hex: $0.payer) }.map { [$0] } ?? [])
    }

    /// A person's own lists (licences, grants, wallet...): identity providers and the
    /// person's bound keys; departments read them record by record, not by person.
    static func personRule(_ person: Hash256) -> ReadRule {
        .personal(organisations: [], roles: [.identityProvider], people: [person])
    }

    static func useOrder(_ use: LicenceUseView) -> String { sortable(use.height) + "/" + use.useID }

    static func historyOrder<Record>(_ entry: HistoryEntryView<Record>) -> String {
        sortable(entry.height) + "/" + sortable(UInt64(entry.txIndex))
    }

    /// History entries with each stored version decoded into its view (a version that does
    /// not decode is this node's storage failing: `StoredRecordError`, answered as a 500).
    static func history<Record: CanonicalDecodable, View>(
        _ records: [HistoryRecord], key: StateKey, _: Record.Type, _ view: (Record) -> View
    ) throws -> [HistoryEntryView<View>] {
        try records.map { entry in
            let record: View? = try entry.value.map { bytes in
                do { return view(try Record(canonicalBytes: bytes)) } catch {
                    throw StoredRecordError(key: key, recordType: "\(Record.self)", reason: "\(error)")
                }
            }
            return HistoryEntryView(height: entry.height, txIndex: entry.txIndex, txID: entry.txID, record: record)
        }
    }

    static func organisationView(
        _ record: OrganisationRecord, _ queries: ContractQueries<QueryState>
    ) throws -> OrganisationView {
        var keys: [PublicKey: KeyRecord] = [:]
        for key in record.keys { keys[key] = try queries.key(key) }
        return OrganisationView(record, keys: keys)
    }

    private func commitment(_ context: APIRequestContext) throws -> Hash256 {
        guard let value = Hash256(hex: try context.parameters.require("commitment")) else {
            throw APIError.badRequest("commitment must be 64 hex characters")
        }
        return value
    }

    // MARK: - Running queries

    /// A single record as of the asked height, 404 when absent; with `prove=true`, its
    /// sparse-Merkle proof at that height.
    private func single<View: Codable & Sendable & Hashable>(
        _ request: Request, _ context: APIRequestContext, _ rule: @escaping @Sendable (View) -> ReadRule,
        _ what: String, key: StateKey,
        _ body: @escaping @Sendable (ContractQueries<QueryState>, UInt64) throws -> View?
    ) async throws -> WireResponse<RecordAnswer<View>> {
        let parameters = try QueryParameters(request)
        let caller = try requireCaller(context)
        let asked = "GET " + request.uri.description
        return try await answer(parameters) { queries, height, store in
            let atMs = try store.blockTimeMs(at: height) ?? runtime.genesis.genesisTimeMs
            guard let record = try body(queries, atMs) else { throw APIError.notFound(what) }
            try authorise(caller, rule(record), queries: queries, request: asked, store: store)
            let proof = parameters.prove
                ? try Self.proof(key: key.bytes, text: String(decoding: key.bytes, as: UTF8.self), height: height, store: store)
                : nil
            return RecordAnswer(asOfHeight: height, record: record, proof: proof)
        }
    }

    /// A page of a list as of the asked height. `body` gets the queries and the block time
    /// of that height (for rules that depend on time, such as a grant's liveness).
    func list<Item: Codable & Sendable & Hashable>(
        _ request: Request, _ context: APIRequestContext,
        _ rule: @escaping @Sendable (ContractQueries<QueryState>) throws -> ReadRule,
        sortKey: @escaping @Sendable (Item) -> String,
        _ body: @escaping @Sendable (ContractQueries<QueryState>, UInt64) throws -> [Item]
    ) async throws -> WireResponse<Page<Item>> {
        let parameters = try QueryParameters(request)
        let caller = try requireCaller(context)
        let asked = "GET " + request.uri.description
        return try await answer(parameters) { queries, height, store in
            try authorise(caller, try rule(queries), queries: queries, request: asked, store: store)
            let atMs = try store.blockTimeMs(at: height) ?? runtime.genesis.genesisTimeMs
            let page = parameters.page(try body(queries, atMs), sortKey: sortKey)
            return Page(asOfHeight: height, items: page.items, nextCursor: page.nextCursor)
        }
    }

    /// A page of a list the contracts page themselves (cursor = the last state key looked at),
    /// as of the asked height. `body` gets the queries, that height's block time and the page.
    private func paged<Item: Codable & Sendable & Hashable>(
        _ request: Request, _ context: APIRequestContext,
        _ rule: @escaping @Sendable (ContractQueries<QueryState>) throws -> ReadRule,
        _ body: @escaping @Sendable (ContractQueries<QueryState>, UInt64, PageRequest) throws -> QueryPage<Item>
    ) async throws -> WireResponse<Page<Item>> {
        let parameters = try QueryParameters(request)
        let caller = try requireCaller(context)
        let asked = "GET " + request.uri.description
        let page = PageRequest(cursor: parameters.cursor, limit: parameters.limit)
        return try await answer(parameters) { queries, height, store in
            try authorise(caller, try rule(queries), queries: queries, request: asked, store: store)
            let atMs = try store.blockTimeMs(at: height) ?? runtime.genesis.genesisTimeMs
            let items = try body(queries, atMs, page)
            return Page(asOfHeight: height, items: items.items, nextCursor: items.nextCursor)
        }
    }

    /// A contract page's items turned into their views (a query error into its answer).
    static func mapPage<Record, View>(
        _ page: @autoclosure () throws(QueryError) -> QueryPage<Record>, _ view: (Record) throws -> View
    ) throws -> QueryPage<View> {
        let records: QueryPage<Record>
        do { records = try page() } catch {
            switch error {
            case let .invalidCursor(reason): throw APIError.badRequest("cursor: \(reason)")
            case let .storedRecord(stored): throw stored
            }
        }
        return QueryPage(items: try records.items.map(view), nextCursor: records.nextCursor)
    }

    /// `?status=`: one of the filter's values, or nil (all).
    static func filter<Filter: RawRepresentable & CaseIterable>(
        _ request: Request, _: Filter.Type
    ) throws -> Filter? where Filter.RawValue == String {
        try filter(request, Array(Filter.allCases), name: \.rawValue)
    }

    static func filter<Filter>(_ request: Request, _ cases: [Filter], name: (Filter) -> String) throws -> Filter? {
        guard let text = request.uri.queryParameters.get("status"), text != "all" else { return nil }
        guard let value = cases.first(where: { name($0) == text }) else {
            throw APIError.badRequest("status must be all or one of \(cases.map(name).joined(separator: ", "))")
        }
        return value
    }

    /// A grant: its grantee, identity providers and the holder's bound keys.
    static func grantRule(_ grant: GrantRecord?) -> ReadRule {
        .personal(
            organisations: grant.map { [$0.terms.granteeOrganisation] } ?? [], roles: [.identityProvider],
            people: grant.map { [$0.terms.holder] } ?? [])
    }

    /// Runs a query against committed state on the thread pool. A failed state read looks
    /// like an absent key to the contracts, so the answer is checked afterwards: any failed
    /// read (even under a 404 the query threw) turns it into a 500 `storage_error`. A stored
    /// record that does not decode is this node's storage failing, not the client's request:
    /// a 500 `corrupt_record`.
    func answer<Answer: Encodable & Sendable>(
        _ parameters: QueryParameters,
        _ body: @escaping @Sendable (ContractQueries<QueryState>, UInt64, BlockStore) throws -> Answer
    ) async throws -> WireResponse<Answer> {
        let last = runtime.blockStore.lastHeight
        let height = parameters.height ?? last
        guard height <= last else { throw APIError.notFound("height \(height) (the latest is \(last))") }
        do {
            let value = try await runtime.store.run { store in
                let state = try QueryState.reader(store, height: height, latest: last)
                let answer: Answer
                do { answer = try body(ContractQueries(state: state), height, store) } catch {
                    try state.checkReads()
                    throw error
                }
                try state.checkReads()
                return answer
            }
            return WireResponse(value)
        } catch let error as StoredRecordError {
            throw APIError(.internalServerError, "corrupt_record", error.description)
        }
    }
}
