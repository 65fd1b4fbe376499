internal import NIOFoundationEssentialsCompat
public import Hummingbird
internal import HummingbirdCore
internal import HummingbirdTLS
internal import NIOSSL
internal import Prometheus
internal import Contracts
internal import Foundation
public import Ledger
internal import Execution
internal import GovChainAPI
public import Logging

/// The node's HTTP/JSON API (Hummingbird): submit transactions, read receipts, blocks with
/// certificates, contract state with proofs, status and Prometheus metrics.
/// docs/api.md lists every route.
public enum APIServer {
    /// - Parameters:
    ///   - tls: PEM certificate chain and key files: the API then speaks HTTPS only.
    ///   - onListening: told the bound port once the server listens (port 0 picks a free
    ///     one, as tests do).
    public static func makeApplication(
        runtime: NodeRuntime, host: String, port: Int, maxBodyBytes: Int,
        tls: (certificateChain: String, privateKey: String)? = nil, access: APIAccess = APIAccess(), logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: RequestAuthenticationMiddleware(
            runtime: runtime, replays: ReplayCache(capacity: 1_000_000), maxSkewMs: access.maxClockSkewMs))
        router.add(middleware: CallerRateLimitMiddleware(
            limiter: CallerRateLimiter(ratePerSecond: access.requestsPerSecond, burst: access.burst)))
        let routes = APIRoutes(
            runtime: runtime, maxBodyBytes: maxBodyBytes, access: access, readAudit: ReadAuditLog(),
            streams: StreamCounter(perCaller: access.eventStreamsPerCaller))
        routes.register(on: router)
        let server: HTTPServerBuilder
        if let tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChain)
            let key = try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            server = try .tls(.http1(), tlsConfiguration: configuration)
        } else {
            server = .http1()
        }
        return Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}

struct APIRoutes: Sendable {
    let runtime: NodeRuntime
    let maxBodyBytes: Int
    let access: APIAccess
    let readAudit: ReadAuditLog
    let streams: StreamCounter

    func register(on router: Router<APIRequestContext>) {
        router.get("/v1/status") { _, context in
            _ = try requireCaller(context, route: "status")
            // CORS open: the explorer's operations view reads every node's status from one page.
            return WireResponse(runtime.status, headers: [.accessControlAllowOrigin: "*"])
        }
        router.get("/openapi.json") { _, context in
            _ = try requireCaller(context, route: "openapi")
            guard let document = OpenAPIDocument.bytes else { throw APIError.notFound("openapi.json") }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
        router.get("/metrics") { _, context in
            _ = try requireCaller(context, route: "metrics")
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4",
                                            .accessControlAllowOrigin: "*"],
                     body: .init(byteBuffer: ByteBuffer(string: runtime.metrics.exposition())))
        }
        router.post("/v1/transactions") { request, context in try await submit(request, context) }
        router.get("/v1/transactions/:id") { _, context in try await transaction(context) }
        router.get("/v1/blocks/latest") { _, context in
            try authoriseWithoutState(try requireCaller(context), .auditors)
            return try await block(height: runtime.blockStore.lastHeight)
        }
        router.get("/v1/blocks/:height") { _, context in
            try authoriseWithoutState(try requireCaller(context), .auditors)
            guard let height = UInt64(try context.parameters.require("height")) else {
                throw APIError.badRequest("height must be a non-negative integer")
            }
            return try await block(height: height)
        }
        router.get("/v1/state/proof") { request, context in
            try authoriseWithoutState(try requireCaller(context), .auditors)
            return try await stateProof(request)
        }
        router.get("/v1/genesis") { _, context in
            _ = try requireCaller(context, route: "genesis")
            return genesisView()
        }
        registerQueries(on: router)
        registerExplorer(on: router)
        registerEvents(on: router)
        registerReadAudit(on: router)
    }

    // MARK: - Transactions

    func submit(_ request: Request, _ context: APIRequestContext) async throws -> WireResponse<TransactionView> {
        let query = request.uri.queryParameters
        let wait = query.get("wait").map { $0 == "true" || $0 == "1" } ?? false
        let timeoutMs = try Self.unsignedParameter(query.get("timeout_ms"), name: "timeout_ms")
            .map { min($0, 60_000) } ?? 10_000
        let tx = try await admit(request)
        let id = tx.id
        guard wait else { return WireResponse(.pending(id), status: .accepted) }
        let runtime = runtime
        let done = await runtime.notifier.wait(for: id, timeoutMs: timeoutMs) { runtime.committedTransaction(id) }
        guard let done else { return WireResponse(.pending(id), status: .accepted) }
        return WireResponse(Self.receiptView(id: id, done))
    }

    /// Reads and admits the submitted transaction, inside an admission slot: a node that
    /// holds more than it commits within seconds refuses at once, before reading the body
    /// or spending a lookup or a signature check on it.
    func admit(_ request: Request) async throws -> Transaction {
        if let refusal = runtime.admission.enter(pending: runtime.mempool.count) {
            runtime.metrics.transactionsRefused.increment()
            throw Self.busy(
                "node busy: \(refusal.reason); retry later", retryAfterSeconds: refusal.retryAfterSeconds)
        }
        defer { runtime.admission.leave() }
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: maxBodyBytes) } catch {
            throw APIError(.contentTooLarge, "too_large", "request body exceeds \(maxBodyBytes) bytes")
        }
        let bytes = try transactionBytes(body, contentType: request.headers[.contentType])
        switch await runtime.submit(bytes: bytes) {
        case let .success(admitted): return admitted
        case let .failure(error): throw Self.apiError(error)
        }
    }

    /// `429 busy` with the seconds to wait before retrying.
    static func busy(_ message: String, retryAfterSeconds: Int) -> APIError {
        var error = APIError(.tooManyRequests, "busy", message)
        error.headers[.retryAfter] = String(retryAfterSeconds)
        return error
    }

    func transactionBytes(_ body: ByteBuffer, contentType: String?) throws -> [UInt8] {
        if contentType?.hasPrefix("application/octet-stream") == true { return Array(buffer: body) }
        struct Submission: Decodable { let transaction: String }
        let submission: Submission
        do { submission = try JSONDecoder().decode(Submission.self, from: Data(buffer: body)) } catch {
            throw APIError.badRequest("expected JSON {\"transaction\": \"<hex of the canonical bytes>\"}")
        }
        guard let bytes = Hex.decode(submission.transaction) else {
            throw APIError.badRequest("transaction is not hex")
        }
        return bytes
    }

    /// A non-negative integer query parameter: absent is nil, anything else that is not a
    /// UInt64 is the caller's mistake (400), never silently read as the default.
    static func unsignedParameter(_ text: String?, name: String) throws -> UInt64? {
        guard let text else { return nil }
        guard let value = UInt64(text) else {
            throw APIError.badRequest("\(name) must be a non-negative integer below 2^64")
        }
        return value
    }

    static func apiError(_ error: AdmissionError) -> APIError {
        switch error {
        case .malformed: APIError(.badRequest, "malformed", error.description)
        case .tooLarge: APIError(.contentTooLarge, "too_large", error.description)
        case .wrongChain: APIError(.badRequest, "wrong_chain", error.description)
        case .expired, .validityTooLong: APIError(.badRequest, "expired", error.description)
        case .invalidSignature: APIError(.unauthorized, "invalid_signature", error.description)
        case .notPermitted: APIError(.forbidden, "not_permitted", error.description)
        case .alreadyCommitted: APIError(.conflict, "already_committed", error.description)
        case .duplicate: APIError(.conflict, "duplicate", error.description)
        case .busy: busy(error.description, retryAfterSeconds: 1)
        case .unavailable: APIError(.serviceUnavailable, "unavailable", error.description)
        }
    }

    static func receiptView(id: Hash256, _ done: CommittedTransaction) -> TransactionView {
        .committed(id, height: done.location.height, index: done.location.index, receipt: done.receipt)
    }

    func transaction(_ context: APIRequestContext) async throws -> WireResponse<TransactionView> {
        guard let id = Hash256(hex: try context.parameters.require("id")) else {
            throw APIError.badRequest("transaction id must be 64 hex characters")
        }
        let caller = try requireCaller(context)
        let runtime = runtime
        let found = try await runtime.store.run { store -> (CommittedTransaction, Block, [Receipt])? in
            guard let location = try store.location(ofTransaction: id), let block = try store.block(at: location.height)
            else { return nil }
            let receipts = try store.receipts(at: location.height)
            // The index is a stored record: one that points past its block is corruption,
            // answered as a storage failure, never an out-of-range trap.
            let index = Int(location.index)
            guard index < receipts.count, index < block.transactions.count else {
                throw StorageError(
                    "tx \(id.hex) is indexed at \(location.height)/\(index) beyond its block")
            }
            // A transaction is read by auditors and by the organisation that sent it; the
            // check runs in this same pool hop (and reads nothing when reads are open).
            if access.reads == .signed {
                let queries = ContractQueries(state: RocksStateStore(database: store.database))
                let organisation = try queries.key(block.transactions[index].sender)?.organisationID
                try authorise(
                    caller, .personal(organisations: organisation.map { [$0] } ?? [], roles: [], people: []),
                    queries: queries, request: "GET /v1/transactions/\(id.hex)", store: store)
            }
            let done = CommittedTransaction(location: location, receipt: receipts[index])
            return (done, block, receipts)
        }
        guard let (done, block, receipts) = found else {
            if runtime.mempool.contains(id) { return WireResponse(.pending(id)) }
            throw APIError.notFound("transaction \(id.hex)")
        }
        let index = Int(done.location.index)  // checked against both lists above
        var view = Self.receiptView(id: id, done)
        view.transactionHex = Hex.encode(block.transactions[index].canonicalBytes)
        // The receipts root of block h is carried by header h+1 (roots lag one block).
        view.receiptProofHex = Hex.encode(MerkleTree.proof(leaves: receipts.map(\.canonicalBytes), index: index).canonicalBytes)
        view.txProofHex = Hex.encode(MerkleTree.proof(leaves: block.transactions.map(\.canonicalBytes), index: index).canonicalBytes)
        return WireResponse(view)
    }

    // MARK: - Genesis

    /// The genesis this node runs, with its canonical bytes: a verifier that already trusts a
    /// genesis hash checks these bytes against it; one that does not yet can pin it here
    /// (the explorer shows the hash so a person can compare it with the one handed over).
    func genesisView() -> WireResponse<GenesisView> { WireResponse(GenesisView(runtime.genesis)) }

    // MARK: - Blocks

    func block(height: UInt64) async throws -> WireResponse<BlockView> {
        let found = try await runtime.store.run { store -> CertifiedBlock? in
            try APIError.checkHeld("block \(height)", height: height, store: store)
            guard let block = try store.block(at: height), let certificate = try store.certificate(at: height) else { return nil }
            return CertifiedBlock(block: block, certificate: certificate)
        }
        guard let found else { throw APIError.notFound("block \(height)") }
        return WireResponse(BlockView(block: found.block, certificate: found.certificate, certifiedBytes: found.canonicalBytes))
    }

    // MARK: - State proofs

    /// `?key=<path or hex>&height=h`: the key's value after block h (default: the latest
    /// block) and a sparse-Merkle proof, of presence or absence, to that height's state root.
    func stateProof(_ request: Request) async throws -> WireResponse<StateProofView> {
        let query = request.uri.queryParameters
        guard let text = query.get("key"), !text.isEmpty, text.unicodeScalars.count <= 1_024 else {
            throw APIError.badRequest("key is required, at most 1024 characters")
        }
        let encoding = query.get("encoding") ?? "text"
        guard encoding == "text" || encoding == "hex" else { throw APIError.badRequest("encoding must be text or hex") }
        let key = encoding == "hex" ? Hex.decode(text) : Array(text.utf8)
        guard let key else { throw APIError.badRequest("key is not hex") }
        let last = runtime.blockStore.lastHeight
        let height = try Self.unsignedParameter(query.get("height"), name: "height") ?? last
        // height + 1 is reported below: a tip at UInt64.max has no certifying block anyway.
        guard height <= last, height < UInt64.max else {
            throw APIError.notFound("height \(height)")
        }
        let proof = try await runtime.store.run { store in
            try Self.proof(key: key, text: text, height: height, store: store)
        }
        return WireResponse(proof)
    }

    /// `key`'s value after block `height` and its sparse-Merkle proof (presence or absence)
    /// to that height's state root, which header `height + 1` carries.
    static func proof(key: [UInt8], text: String, height: UInt64, store: BlockStore) throws -> StateProofView {
        try APIError.checkHeld("state at height \(height)", height: height, store: store)
        guard let answer = try store.stateProof(key: key, asOf: height) else {
            throw APIError.notFound("results of height \(height)")
        }
        return StateProofView(
            key: text, keyBytes: key, height: height, stateRoot: answer.stateRoot, value: answer.value,
            proof: answer.proof.canonicalBytes)
    }
}

/// The OpenAPI 3.1 description of this API (Sources/Node/API/openapi.json, a bundled
/// resource), from which a Java or Python service platform generates its client; its schemas
/// are the GovChainAPI types, held together by Tests/python/test_api_conformance.py.
enum OpenAPIDocument {
    static let bytes: [UInt8]? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url)
        else { return nil }
        return Array(data)
    }()

    /// Each documented path as its segments (`{name}` matches any one segment) with the
    /// methods it declares: what a 405 answer's `Allow` header lists.
    static let routes: [(segments: [Substring], methods: [String])] = {
        struct Document: Decodable { let paths: [String: [String: AnyDecodable]] }
        struct AnyDecodable: Decodable { init(from decoder: any Decoder) throws {} }
        guard let bytes, let document = try? JSONDecoder().decode(Document.self, from: Data(bytes)) else { return [] }
        return document.paths.map { path, operations in
            (path.split(separator: "/"), operations.keys.map { $0.uppercased() }.sorted())
        }
    }()

    /// The methods the document declares for `path`, or nil when it documents no such path.
    static func methods(forPath path: String) -> [String]? {
        let segments = path.split(separator: "/")
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { template, segment in
                template.hasPrefix("{") || template == segment
            }
            if matches { return route.methods }
        }
        return nil
    }
}
