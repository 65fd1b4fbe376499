public import AsyncHTTPClient
public import Contracts
internal import Foundation
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
    ///   - endpoints: node API base URLs, e.g. `http://127.0.0.1:8600`; tried in turn.
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
        let body = Array(try encodeJSON(["transaction": Hex.encode(tx.canonicalBytes)]))
        var failures: [String] = []
        var submitted = false
        for endpoint in rotation() {
            let remainingMs = max(0, (end - clock.now).milliseconds)
            guard remainingMs > 0 else { break }
            do {
                let (status, json) = try await request(
                    .POST, endpoint + "/v1/transactions?wait=true&timeout_ms=\(remainingMs)", body: body,
                    timeoutMs: remainingMs + 2_000)
                switch status {
                case 200: return try Self.receipt(from: json, txID: tx.id)
                case 202:
                    submitted = true
                case 409:  // duplicate (pending somewhere) or already committed: the same tx, look it up
                    submitted = true
                    if let done = try await lookup(tx.id, at: endpoint) { return try Self.check(done) }
                default:
                    throw Self.rejection(status: status, json: json)
                }
                break
            } catch let error as ClientError {
                if case .rejected = error { throw error }
                if case .refused = error { throw error }
                failures.append("\(endpoint): \(error)")
            } catch {
                failures.append("\(endpoint): \(error)")
            }
        }
        guard submitted else { throw .unreachable(failures) }
        return try await poll(tx.id, until: end)
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
        let (status, json) = try await request(.GET, endpoint + "/v1/transactions/\(id.hex)", body: nil, timeoutMs: 5_000)
        guard status == 200, json["status"] as? String == "committed" else { return nil }
        return try Self.parseReceipt(json, txID: id)
    }

    // MARK: - Reads

    public struct Status: Sendable, Equatable {
        public let chainID: String
        public let nodeID: String
        public let height: UInt64
        public let lastBlockHash: String
        public let catchingUp: Bool
        public let peers: Int
        public let mempoolSize: Int
        /// The chain's crypto suite ("ed25519-sha256" when a node does not say).
        public let cryptoSuite: String
        /// The SM2 user id of an "sm2-sm3" chain.
        public let sm2UserID: String?

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

    /// The status of the first node that answers.
    public func status() async throws(ClientError) -> Status {
        let json = try await getJSON("/v1/status")
        guard let height = (json["height"] as? NSNumber)?.uint64Value, let chain = json["chain_id"] as? String else {
            throw .verificationFailed("malformed status document")
        }
        return Status(
            chainID: chain, nodeID: json["node_id"] as? String ?? "", height: height,
            lastBlockHash: json["last_block_hash"] as? String ?? "", catchingUp: json["catching_up"] as? Bool ?? false,
            peers: (json["peers"] as? [Any])?.count ?? 0, mempoolSize: json["mempool_size"] as? Int ?? 0,
            cryptoSuite: json["crypto_suite"] as? String ?? CryptoSuite.ed25519SHA256.rawValue,
            sm2UserID: json["sm2_user_id"] as? String)
    }

    /// GETs a JSON document from the first node that answers; 404 becomes nil.
    public func getJSONIfPresent(_ path: String) async throws(ClientError) -> Any? {
        var failures: [String] = []
        for endpoint in rotation() {
            do {
                let (status, json) = try await requestAny(.GET, endpoint + path, body: nil, timeoutMs: 10_000)
                if status == 404 { return nil }
                guard status == 200 else { throw Self.rejection(status: status, json: json as? [String: Any] ?? [:]) }
                return json
            } catch let error as ClientError {
                if case .rejected = error { throw error }
                failures.append("\(endpoint): \(error)")
            } catch {
                failures.append("\(endpoint): \(error)")
            }
        }
        throw .unreachable(failures)
    }

    public func getJSON(_ path: String) async throws(ClientError) -> [String: Any] {
        guard let json = try await getJSONIfPresent(path) else { throw .rejected(status: 404, code: "not_found", message: path) }
        guard let object = json as? [String: Any] else { throw .verificationFailed("expected a JSON object from \(path)") }
        return object
    }
}

extension GovChainClient {
    /// The default HTTP client: a node that is down must fail at once so the next node is
    /// tried (AsyncHTTPClient's shared client retries connecting until the request deadline,
    /// which turns one dead node into a timeout). Lives for the process, like `.shared`.
    public static let failFastHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(3)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
