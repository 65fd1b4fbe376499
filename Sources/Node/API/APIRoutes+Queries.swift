internal import Contracts
internal import Foundation
public import Hummingbird
internal import Ledger

/// Read-only contract queries. Answers are JSON views of the stored records, as of the
/// latest committed block.
extension APIRoutes {
    func registerQueries(on router: Router<BasicRequestContext>) {
        router.get("/v1/organisations") { _, _ in try await query { try $0.organisations } }
        router.get("/v1/organisations/:id") { _, context in
            let id = try context.parameters.require("id")
            return try await found("organisation \(id)") { try $0.organisation(id) }
        }
        router.get("/v1/licences/:id") { _, context in
            let id = try context.parameters.require("id")
            return try await found("licence \(id)") { try $0.licence(id) }
        }
        router.get("/v1/licences/:id/verify") { request, context in
            let id = try context.parameters.require("id")
            guard let digest = request.uri.queryParameters.get("digest").flatMap(Hash256.init(hex:)) else {
                throw APIError.badRequest("digest must be the licence file's SHA-256 in hex")
            }
            let atMs = runtime.status.lastBlockTimeMs
            return try await query { queries in
                let result = try queries.verifyLicence(id: id, fileDigest: digest, atMs: atMs)
                return ["licence_id": result.licenceID, "valid": result.isValid, "digest_matches": result.digestMatches,
                        "status": result.status, "as_of_height": runtime.blockStore.lastHeight,
                        "record": result.record.map { JSONView.make($0) } as Any] as [String: Any]
            }
        }
        router.get("/v1/licences/:id/uses") { _, context in
            let id = try context.parameters.require("id")
            return try await query { try $0.uses(ofLicence: id) }
        }
        router.get("/v1/licences/:id/history") { _, context in
            let id = try context.parameters.require("id")
            return try await query { try $0.licenceHistory(id) }
        }
        router.get("/v1/grants/:id") { _, context in
            let id = try context.parameters.require("id")
            return try await found("grant \(id)") { try $0.grant(id) }
        }
        router.get("/v1/holders/:commitment/grants") { _, context in
            let holder = try commitment(context)
            let atMs = runtime.status.lastBlockTimeMs
            return try await query { try $0.liveGrants(ofHolder: holder, atMs: atMs) }
        }
        router.get("/v1/holders/:commitment/licences") { _, context in
            let holder = try commitment(context)
            return try await query { try $0.licences(ofHolder: holder) }
        }
        registerBillQueries(on: router)
        registerRegistryQueries(on: router)
    }

    /// The registries governance keeps (issue 13): service items (权责事项).
    private func registerRegistryQueries(on router: Router<BasicRequestContext>) {
        router.get("/v1/duty-items") { _, _ in try await query { try $0.dutyItems } }
        router.get("/v1/mandates/:id") { _, context in
            let id = try context.parameters.require("id")
            return try await found("mandate \(id)") { try $0.mandate(id) }
        }
        router.get("/v1/holders/:commitment/data-uses") { _, context in
            let holder = try commitment(context)
            return try await query { try $0.dataUses(ofHolder: holder) }
        }
        router.get("/v1/holders/:commitment/mandates") { _, context in
            let holder = try commitment(context)
            return try await query { try $0.mandates(ofPrincipal: holder) }
        }
        router.get("/v1/licence-types") { _, _ in try await query { try $0.licenceTypes } }
        router.get("/v1/licence-types/:code") { _, context in
            let code = try context.parameters.require("code")
            return try await found("licence type \(code)") { try $0.licenceType(code) }
        }
        router.get("/v1/holders/:commitment/reminders") { _, context in
            let holder = try commitment(context)
            return try await query { try $0.reminders(ofHolder: holder) }
        }
        router.get("/v1/duty-items/:code") { _, context in
            let code = try context.parameters.require("code")
            return try await found("service item \(code)") { try $0.dutyItem(code) }
        }
    }

    private func registerBillQueries(on router: Router<BasicRequestContext>) {
        router.get("/v1/bills/:id") { _, context in
            let id = try context.parameters.require("id")
            return try await found("bill \(id)") { try $0.bill(id) }
        }
        router.get("/v1/bills/:id/claims") { _, context in
            let id = try context.parameters.require("id")
            return try await query { queries -> Any in
                guard let bill = try queries.bill(id) else { throw APIError.notFound("bill \(id)") }
                return ["bill_id": id, "left_fen": bill.leftFen, "as_of_height": runtime.blockStore.lastHeight,
                        "claims": try queries.claims(ofBill: id).map { JSONView.make($0) },
                        "alerts": try queries.alerts(ofBill: id).map { JSONView.make($0) }] as [String: Any]
            }
        }
        router.get("/v1/bills/:id/history") { _, context in
            let id = try context.parameters.require("id")
            return try await query { try $0.billHistory(id) }
        }
        router.get("/v1/payers/:commitment/bills") { _, context in
            let payer = try commitment(context)
            // Each bill with who claimed what of it (the bill wallet of DOMAIN.md).
            return try await query { queries -> Any in
                try queries.billWalletClaims(ofPayer: payer).map { entry -> [String: Any] in
                    var view = JSONView.make(entry.bill) as? [String: Any] ?? [:]
                    view["claims"] = entry.claims.map { JSONView.make($0) }
                    return view
                }
            }
        }
        // Claim ids are scoped by reimburser (issue 13 item 5), so a claim is named by both.
        router.get("/v1/reimbursers/:organisation/claims/:id") { _, context in
            let organisation = try context.parameters.require("organisation")
            let id = try context.parameters.require("id")
            return try await found("claim \(id) of \(organisation)") {
                try $0.claim(reimburser: organisation, id: id)
            }
        }
        router.get("/v1/evidence") { _, _ in try await query { try $0.evidence } }
    }

    private func commitment(_ context: BasicRequestContext) throws -> Hash256 {
        guard let value = Hash256(hex: try context.parameters.require("commitment")) else {
            throw APIError.badRequest("commitment must be 64 hex characters (HMAC-SHA-256)")
        }
        return value
    }

    /// Runs a query against committed state on the thread pool. A failed state read looks
    /// like an absent key to the contracts, so the answer is checked afterwards: any failed
    /// read (even under a 404 the query threw) turns it into a 500 `storage_error`. A stored
    /// record that does not decode is this node's storage failing, not the client's request:
    /// a 500 `corrupt_record`.
    private func query(
        _ body: @escaping @Sendable (ContractQueries<RocksStateStore>) throws -> Any
    ) async throws -> JSONResponse {
        do {
            let view = try await runtime.store.run { store in
                let state = RocksStateStore(database: store.database)
                let answer: Any
                do { answer = try body(ContractQueries(state: state)) } catch {
                    try state.checkReads()
                    throw error
                }
                try state.checkReads()
                return SendableBox(JSONView.make(answer))
            }
            return JSONResponse(view.value)
        } catch let error as StoredRecordError {
            throw APIError(.internalServerError, "corrupt_record", error.description)
        }
    }

    private func found(_ what: String, _ body: @escaping @Sendable (ContractQueries<RocksStateStore>) throws -> Any?) async throws -> JSONResponse {
        try await query { queries in
            guard let value = try body(queries) else { throw APIError.notFound(what) }
            return value
        }
    }
}

/// Carries a JSON view (plain Foundation values, built and then only read) out of the
/// thread-pool closure. `@unchecked`: the value is never mutated after creation.
struct SendableBox: @unchecked Sendable {
    let value: Any
    init(_ value: Any) { self.value = value }
}
