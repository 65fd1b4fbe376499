public import Foundation
public import Ledger
internal import TOMLKit

/// A node's configuration file (`config.toml` in its data directory). Paths are relative to
/// the file's directory. Unknown keys are an error, so a typo never silently falls back to a
/// default.
public struct NodeConfiguration: Codable, Sendable, Equatable {
    public struct P2P: Codable, Sendable, Equatable {
        /// host:port this validator listens on for peers (usually its genesis address).
        public var listen: String
        /// Largest peer frame accepted, in bytes.
        public var maxFrameBytes: Int

        enum CodingKeys: String, CodingKey {
            case listen
            case maxFrameBytes = "max_frame_bytes"
        }
    }

    public struct API: Codable, Sendable, Equatable {
        /// host:port of the HTTP/JSON API.
        public var listen: String
        /// Largest request body accepted, in bytes.
        public var maxBodyBytes: Int
        /// PEM certificate chain of the API's TLS endpoint (the node's certificate first).
        /// With `tls_key`, the API speaks HTTPS only; without both, plain HTTP.
        public var tlsCertificate: String?
        /// PEM private key of that certificate (mode 0600).
        public var tlsKey: String?
        /// "open" (anyone reaching the API reads everything) or "signed" (reads need a
        /// request signed by a key registered on chain, scoped by its organisation and
        /// roles: docs/api.md "Who may read what"). Default "open".
        public var reads: String?
        /// Routes answered unsigned even when reads are "signed" (default: all of status,
        /// genesis, licence-verify, openapi, explorer, metrics). Remove one to close it.
        public var openRoutes: [String]?
        /// How far a signed request's time may be from this node's clock, ms (default 60000).
        public var maxClockSkewMs: Int?
        /// Requests per second per caller (signing key, or IP address if unsigned), and the
        /// burst above that rate (defaults 500 and 1000).
        public var requestsPerSecond: Int?
        public var burst: Int?
        /// Open event streams per caller (default 4).
        public var eventStreamsPerCaller: Int?

        enum CodingKeys: String, CodingKey {
            case listen, reads, burst
            case maxBodyBytes = "max_body_bytes"
            case tlsCertificate = "tls_certificate"
            case tlsKey = "tls_key"
            case openRoutes = "open_routes"
            case maxClockSkewMs = "max_clock_skew_ms"
            case requestsPerSecond = "requests_per_second"
            case eventStreamsPerCaller = "event_streams_per_caller"
        }

        public init(listen: String, maxBodyBytes: Int, tlsCertificate: String? = nil, tlsKey: String? = nil) {
            self.listen = listen
            self.maxBodyBytes = maxBodyBytes
            self.tlsCertificate = tlsCertificate
            self.tlsKey = tlsKey
        }

        /// The access rules these settings give (validated by `NodeConfiguration.validate`).
        public var access: APIAccess {
            let defaults = APIAccess()
            return APIAccess(
                reads: reads.flatMap(APIAccess.Reads.init(rawValue:)) ?? defaults.reads,
                openRoutes: openRoutes.map(Set.init) ?? defaults.openRoutes,
                maxClockSkewMs: maxClockSkewMs.map { UInt64($0) } ?? defaults.maxClockSkewMs,
                requestsPerSecond: requestsPerSecond ?? defaults.requestsPerSecond, burst: burst ?? defaults.burst,
                eventStreamsPerCaller: eventStreamsPerCaller ?? defaults.eventStreamsPerCaller)
        }
    }

    public struct MempoolSettings: Codable, Sendable, Equatable {
        public var maxTransactions: Int
        public var maxBytes: Int
        public var maxPerSender: Int
        /// When the API sheds submissions with 429 busy (`AdmissionGate`); absent: defaults.
        public var minPending: Int?
        public var pendingSeconds: Double?
        public var maxAdmitting: Int?

        enum CodingKeys: String, CodingKey {
            case maxTransactions = "max_transactions"
            case maxBytes = "max_bytes"
            case maxPerSender = "max_per_sender"
            case minPending = "min_pending"
            case pendingSeconds = "pending_seconds"
            case maxAdmitting = "max_admitting"
        }

        /// The admission gate's limits these settings give (validated by `validate`).
        public var admission: AdmissionGate.Limits {
            let defaults = AdmissionGate.Limits()
            return AdmissionGate.Limits(
                minPending: minPending ?? defaults.minPending,
                pendingSeconds: pendingSeconds ?? defaults.pendingSeconds,
                maxAdmitting: maxAdmitting ?? defaults.maxAdmitting)
        }
    }

    /// Genesis JSON file.
    public var genesis: String
    /// The consensus key file (mode 0600): signs proposals and votes, nothing else.
    public var consensusKey: String
    /// The next consensus key, during a rotation (`rotateValidatorKeys`): the node signs with
    /// whichever of the two the validator set of each height names. Optional.
    public var nextConsensusKey: String?
    /// The network key file: the peer handshake's key (a validator's `networkKey`, a
    /// follower's admitted key).
    public var networkKey: String
    /// An organisation key file that signs the equivocation evidence this node reports.
    /// Optional: without it evidence is only logged.
    public var evidenceKey: String?
    /// RocksDB directory.
    public var database: String
    /// trace, debug, info, notice, warning, error or critical.
    public var logLevel: String
    public var p2p: P2P
    public var api: API
    public var mempool: MempoolSettings

    enum CodingKeys: String, CodingKey {
        case genesis, database
        case consensusKey = "consensus_key", nextConsensusKey = "next_consensus_key"
        case networkKey = "network_key", evidenceKey = "evidence_key"
        case logLevel = "log_level"
        case p2p, api, mempool
    }

    public static func defaults(p2pListen: String, apiListen: String) -> NodeConfiguration {
        NodeConfiguration(
            genesis: "genesis.json", consensusKey: "consensus.key", nextConsensusKey: nil,
            networkKey: "network.key", evidenceKey: "evidence.key", database: "db", logLevel: "info",
            p2p: P2P(listen: p2pListen, maxFrameBytes: 16 << 20),
            api: API(listen: apiListen, maxBodyBytes: 1 << 20),
            mempool: MempoolSettings(maxTransactions: 50_000, maxBytes: 64 << 20, maxPerSender: 10_000))
    }

    /// Reads `config.toml`; relative paths are resolved against its directory.
    public static func load(from path: String) throws -> NodeConfiguration {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var configuration = try TOMLDecoder(strictDecoding: true).decode(NodeConfiguration.self, from: text)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ value: String) -> String {
            value.hasPrefix("/") ? value : directory.appendingPathComponent(value).path
        }
        configuration.genesis = resolve(configuration.genesis)
        configuration.consensusKey = resolve(configuration.consensusKey)
        configuration.nextConsensusKey = configuration.nextConsensusKey.map(resolve)
        configuration.networkKey = resolve(configuration.networkKey)
        configuration.evidenceKey = configuration.evidenceKey.map(resolve)
        configuration.database = resolve(configuration.database)
        configuration.api.tlsCertificate = configuration.api.tlsCertificate.map(resolve)
        configuration.api.tlsKey = configuration.api.tlsKey.map(resolve)
        try configuration.validate()
        return configuration
    }

    /// Ranges every number in the file must fall in. Checked at load, so an operator's
    /// typo is a clear error naming the key instead of a trap in the transport's or the
    /// mempool's own assertions.
    public static let maxFrameBytesRange = (64 << 10)...(1 << 30)
    public static let maxBodyBytesRange = 1_024...(256 << 20)

    public func validate() throws(ConfigurationError) {
        guard (api.tlsCertificate == nil) == (api.tlsKey == nil) else {
            throw ConfigurationError(key: "api.tls_certificate and api.tls_key", message: "give both or neither")
        }
        func check(
            _ value: Int, _ range: ClosedRange<Int>, _ key: String
        ) throws(ConfigurationError) {
            guard range.contains(value) else {
                throw ConfigurationError(key: key, value: value, range: range)
            }
        }
        if let reads = api.reads, APIAccess.Reads(rawValue: reads) == nil {
            throw ConfigurationError(key: "api.reads", message: "\"\(reads)\" is neither \"open\" nor \"signed\"")
        }
        for route in api.openRoutes ?? [] where !APIAccess.allOpenRoutes.contains(route) {
            throw ConfigurationError(
                key: "api.open_routes", message: "\"\(route)\" is not one of \(APIAccess.allOpenRoutes.sorted())")
        }
        try check(api.maxClockSkewMs ?? 60_000, 1_000...600_000, "api.max_clock_skew_ms")
        try check(api.requestsPerSecond ?? 500, 1...1_000_000, "api.requests_per_second")
        try check(api.burst ?? 1_000, 1...10_000_000, "api.burst")
        try check(api.eventStreamsPerCaller ?? 4, 1...256, "api.event_streams_per_caller")
        try check(p2p.maxFrameBytes, Self.maxFrameBytesRange, "p2p.max_frame_bytes")
        try check(api.maxBodyBytes, Self.maxBodyBytesRange, "api.max_body_bytes")
        try check(mempool.maxTransactions, 1...10_000_000, "mempool.max_transactions")
        try check(mempool.maxBytes, 1...(1 << 40), "mempool.max_bytes")
        try check(mempool.maxPerSender, 1...10_000_000, "mempool.max_per_sender")
        try check(mempool.minPending ?? 1, 1...10_000_000, "mempool.min_pending")
        try check(mempool.maxAdmitting ?? 1, 1...100_000, "mempool.max_admitting")
        if let seconds = mempool.pendingSeconds, !(seconds >= 0 && seconds <= 3_600) {
            throw ConfigurationError(key: "mempool.pending_seconds", message: "\(seconds) is not within 0...3600")
        }
    }

    /// The frame limit must carry the largest block genesis allows (as a proposal, a
    /// decision and a sync response), or the chain stalls at the first such block.
    /// - Returns: nil when it does, else the reason.
    public func frameLimitProblem(for parameters: ConsensusParameters, validators: Int) -> String? {
        // Transactions' bytes, a length prefix per transaction, the header, and a
        // certificate of one signature (index + 64 bytes) per validator, with room to spare.
        let largest = UInt64(parameters.maxBlockBytes) + 8 * UInt64(parameters.maxBlockTransactions)
            + 128 * UInt64(validators) + (64 << 10)
        guard UInt64(p2p.maxFrameBytes) < largest else { return nil }
        return "p2p.max_frame_bytes = \(p2p.maxFrameBytes) cannot carry a block of maxBlockBytes "
            + "\(parameters.maxBlockBytes) (needs at least \(largest)): raise it"
    }

    public func write(to path: String) throws {
        let text: String = try TOMLEncoder().encode(self)
        let header = "# GovChain node configuration. Paths are relative to this file.\n"
        try (header + text).write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// A configuration value outside its range, or keys that do not go together.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let key: String
    public let description: String

    public init(key: String, value: Int, range: ClosedRange<Int>) {
        self.key = key
        description = "config.toml: \(key) = \(value) is outside \(range.lowerBound)...\(range.upperBound)"
    }

    public init(key: String, message: String) {
        self.key = key
        description = "config.toml: \(key): \(message)"
    }
}

/// "host:port" split for listeners and dialers.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port)
        else { return nil }
        host = String(text[..<colon])
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}
