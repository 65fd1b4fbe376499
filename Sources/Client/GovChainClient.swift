public import AsyncHTTPClient
public import Contracts
internal import Foundation
public import GovChainAPI
public import Ledger
internal import NIOCore
internal import NIOFoundationCompat
internal import NIOHTTP1

/// A committed transaction's outcome as the client saw it.
public struct CommittedReceipt: Sendable, Equatable {
    public let txID: Hash256
    public let height: UInt64
    public let index: UInt32
    public let code: UInt32
    public let message: String
    public let events: [Event]
}

/// The service platform's handle on GovChain: builds, signs and submits typed contract
/// calls, waits for commit with a deadline, and fails over between nodes.
public final class GovChainClient: Sendable {
    public let endpoints: [String]
    public let chainID: String
    let signer: SigningKey?
    let http: HTTPClient
    /// Transactions stay valid for this many blocks after the height the client last saw.
    public let validityBlocks: UInt64

    /// - Parameters:
    ///   - endpoints: node API base URLs, e.g. `http://127.0.0.1:8600` or `https://...`; tried
    ///     in turn.
    ///   - signer: the department's signing key (nil for a read-only client).
    public init(
        endpoints: [String], chainID: String, signer: SigningKey?, validityBlocks: UInt64 = 200,
        http: HTTPClient = GovChainClient.failFastHTTPClient
    ) throws(ClientError) {
        guard !endpoints.isEmpty else { throw .invalidInput("at least one node endpoint is needed") }
        self.endpoints = endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.chainID = chainID
        self.signer = signer
        self.validityBlocks = validityBlocks
        self.http = http
    }

    // MARK: - Transactions

    /// Builds, signs and submits `call`, and waits until it is committed.
    /// - Returns: the receipt of a successful call.
    /// - Throws: `.refused` when the contract refused it (with its status code), `.timeout`
    ///   when the deadline passed (resubmitting `transaction(for:)`'s result is safe).
    public func submit(_ call: ContractCall, deadline: Duration = .seconds(20)) async throws(ClientError) -> CommittedReceipt {
        let tx = try await transaction(for: call)
        return try await submit(tx, deadline: deadline)
    }

    /// A signed transaction for `call` with a fresh unique id, valid for `validityBlocks`.
    public func transaction(for call: ContractCall) async throws(ClientError) -> Transaction {
        guard let signer else { throw .invalidInput("this client has no signing key") }
        let height = try await status().height
        var generator = SystemRandomNumberGenerator()
        let uniqueID = (0..<Transaction.uniqueIDByteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return call.transaction(chainID: chainID, signer: signer, uniqueID: uniqueID, validUntilHeight: height + validityBlocks)
    }

    /// Submits a signed transaction and waits for its commit. Idempotent: submitting the same
    /// transaction again (after a timeout, to another node) never applies it twice.
    public func submit(_ tx: Transaction, deadline: Duration = .seconds(20)) async throws(ClientError) -> CommittedReceipt {
        guard tx.chainID == chainID else { throw .invalidInput("transaction is for chain \(tx.chainID)") }
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        let body = Array(try encodeJSON(SubmitRequest(transaction: Hex.encode(tx.canonicalBytes))))
        // A node that sheds load answers `429 busy` with `Retry-After` before reading the
        // body: the next node may have room; when every node is busy, the client waits the
        // shortest Retry-After (within the deadline) and goes round again.
        while true {
            var busy: (retryAfterSeconds: Int, refusal: ClientError)?
            var accepted = false
            var failures: [String] = []
            endpoints: for endpoint in rotation() {
                let remainingMs = max(0, (end - clock.now).milliseconds)
                guard remainingMs > 0 else { break }
                do {
                    let (status, answer, retryAfter) = try await exchange(
                        .POST, endpoint + "/v1/transactions?wait=true&timeout_ms=\(remainingMs)", body: body,
                        timeoutMs: remainingMs + 2_000)
                    switch status {
                    case 200:
                        return try Self.receipt(from: Self.decode(TransactionView.self, answer, "/v1/transactions"), txID: tx.id)
                    case 202:
                        accepted = true
                        break endpoints
                    case 409:  // duplicate (pending somewhere) or already committed: the same tx, look it up
                        if let done = try await lookup(tx.id, at: endpoint) { return try Self.check(done) }
                        accepted = true
                        break endpoints
                    default:
                        let refusal = Self.rejection(status: status, body: answer)
                        guard status == 429, case let .rejected(_, code, _) = refusal, code == "busy" else { throw refusal }
                        let wait = retryAfter ?? 1
                        if wait < busy?.retryAfterSeconds ?? .max { busy = (wait, refusal) }
                    }
                } catch let error as ClientError {
                    if case .rejected = error { throw error }
                    if case .refused = error { throw error }
                    failures.append("\(endpoint): \(error)")
                } catch {
                    failures.append("\(endpoint): \(error)")
                }
            }
            if accepted { return try await poll(tx.id, until: end) }
            guard let busy else { throw .unreachable(failures) }
            let resume = clock.now.advanced(by: .seconds(max(busy.retryAfterSeconds, 1)))
            guard resume < end else { throw busy.refusal }
            do { try await Task.sleep(until: resume, clock: clock) } catch { throw busy.refusal }
        }
    }

    /// Polls every node until the transaction shows up committed or the deadline passes.
    func poll(_ id: Hash256, until end: ContinuousClock.Instant) async throws(ClientError) -> CommittedReceipt {
        while ContinuousClock().now < end {
            for endpoint in rotation() {
                if let done = try? await lookup(id, at: endpoint) { return try Self.check(done) }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        throw .timeout(txID: id.hex)
    }

    /// The committed receipt of `id` at one node (refusals included), nil while it is
    /// pending or unknown there.
    func lookup(_ id: Hash256, at endpoint: String) async throws -> CommittedReceipt? {
        let (status, answer) = try await request(.GET, endpoint + "/v1/transactions/\(id.hex)", body: nil, timeoutMs: 5_000)
        guard status == 200 else { return nil }
        let view = try Self.decode(TransactionView.self, answer, "/v1/transactions/\(id.hex)")
        guard view.status == "committed" else { return nil }
        return try Self.parseReceipt(view, txID: id)
    }

    // MARK: - Reads

    /// The status of the first node that answers.
    public func status() async throws(ClientError) -> NodeStatus {
        guard let status = try await get(NodeStatus.self, "/v1/status") else {
            throw .verificationFailed("no status document")
        }
        return status
    }

    /// GETs `path` from the first node that answers and decodes it as `Value` (the
    /// GovChainAPI type the route answers with); 404 becomes nil, any other refusal the
    /// node's `ErrorView` as `.rejected`.
    public func get<Value: Decodable>(_: Value.Type, _ path: String) async throws(ClientError) -> Value? {
        var failures: [String] = []
        for endpoint in rotation() {
            do {
                let (status, body) = try await request(.GET, endpoint + path, body: nil, timeoutMs: 10_000)
                if status == 404 { return nil }
                guard status == 200 else { throw Self.rejection(status: status, body: body) }
                return try Self.decode(Value.self, body, path)
            } catch let error as ClientError {
                if case .rejected = error { throw error }
                if case .verificationFailed = error { throw error }
                failures.append("\(endpoint): \(error)")
            } catch {
                failures.append("\(endpoint): \(error)")
            }
        }
        throw .unreachable(failures)
    }
}

/// `POST /v1/transactions`' JSON body.
struct SubmitRequest: Encodable {
    let transaction: String
}

extension GovChainClient {
    /// The default HTTP client: a node that is down must fail at once so the next node is
    /// tried (AsyncHTTPClient's shared client retries connecting until the request deadline,
    /// which turns one dead node into a timeout). Lives for the process, like `.shared`.
    /// For `https://` nodes it trusts the system's store; a network with its own CA passes
    /// `http: makeHTTPClient(caFile:)` instead.
    public static let failFastHTTPClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: failFastConfiguration(connectTimeout: .seconds(3)))

    /// No connection retries and a short connect timeout.
    static func failFastConfiguration(connectTimeout: Duration) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .milliseconds(connectTimeout.milliseconds)
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}

extension NodeStatus {
    /// Makes the node's suite this process's (see `CryptoSuite`): for a tool that trusts
    /// the node it asks; an auditor pins genesis instead (`TrustRoot`).
    public func activateSuite() throws(ClientError) {
        do {
            let suite = try CryptoSuite(genesisName: cryptoSuite)
            try CryptoSuite.activate(
                suite, sm2UserID: sm2UserID.map { Array($0.utf8) } ?? SM2.defaultUserID)
        } catch {
            throw .invalidInput("node's crypto suite: \(error)")
        }
    }
}
