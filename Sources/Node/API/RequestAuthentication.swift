internal import Contracts
internal import Foundation
public import GovChainAPI
public import Hummingbird
public import Ledger
internal import NIOConcurrencyHelpers

/// Who made a request: a key the chain registered to an organisation, which signed the
/// request (docs/api.md "Signed requests").
public struct Caller: Sendable, Equatable {
    public let key: PublicKey
    public let organisation: String
    public let roles: [Role]

    public func has(_ role: Role) -> Bool { roles.contains(role) }
    public var isAuditor: Bool { has(.auditor) }
}

/// The request context of every API route: Hummingbird's core context and the caller the
/// signature check found (nil: the request was not signed).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?
    /// The peer's IP address: what an unsigned request is counted by for rate limits.
    public let remoteIP: String

    public init(source: Source) {
        coreContext = .init(source: source)
        caller = nil
        remoteIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Who the per-caller limits count this request against.
    var limitIdentity: String { caller.map { "key:" + $0.key.hex } ?? "ip:" + remoteIP }
}

extension RequestSignature {
    /// The four fields of an `Authorization: GovChain ...` header, or nil if it is not one.
    static func parse(_ header: String) -> (key: String, time: String, nonce: String, signature: String)? {
        guard header.hasPrefix(scheme + " "), header.count <= 1_024 else { return nil }
        var fields: [String: String] = [:]
        for part in header.dropFirst(scheme.count + 1).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2, fields[String(pair[0])] == nil else { return nil }
            fields[String(pair[0])] = String(pair[1])
        }
        guard fields.count == 4, let key = fields["key"], let time = fields["time"], let nonce = fields["nonce"],
              let signature = fields["signature"]
        else { return nil }
        return (key, time, nonce, signature)
    }
}

/// Nonces seen within the allowed clock skew, so that a signed request cannot be replayed:
/// a nonce is remembered until its request's time is older than the skew, which is when the
/// time check alone refuses it. Bounded: when full of live nonces it refuses new requests
/// (429) rather than forgetting one that could then be replayed.
final class ReplayCache: Sendable {
    private let entries = NIOLockedValueBox<[String: UInt64]>([:])
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    enum Outcome { case fresh, replayed, full }

    func admit(_ id: String, expiresAtMs: UInt64, nowMs: UInt64) -> Outcome {
        entries.withLockedValue { entries in
            if let expiry = entries[id], expiry >= nowMs { return .replayed }
            if entries.count >= capacity { entries = entries.filter { $0.value >= nowMs } }
            guard entries.count < capacity else { return .full }
            entries[id] = expiresAtMs
            return .fresh
        }
    }
}

/// Checks the `Authorization` header of every request: a signed request names a key the
/// chain registered (its organisation and roles become the request's `caller`); a request
/// with a bad, stale or replayed signature is refused with 401 whatever route it asks for.
/// An unsigned request goes on with no caller; the routes decide what it may read.
struct RequestAuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let runtime: NodeRuntime
    let replays: ReplayCache
    let maxSkewMs: UInt64

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard let fields = RequestSignature.parse(header) else {
            throw APIError(.unauthorized, "unauthenticated", "Authorization must be `GovChain key=, time=, nonce=, signature=`")
        }
        guard let key = PublicKey(hex: fields.key), let signature = Signature(hex: fields.signature),
              let timeMs = UInt64(fields.time), fields.nonce.count >= 16, fields.nonce.count <= 64,
              Hex.decode(fields.nonce) != nil
        else {
            throw APIError(.unauthorized, "unauthenticated", "malformed key, time, nonce (16 to 64 hex) or signature")
        }
        let nowMs = UInt64(max(0, Date().timeIntervalSince1970 * 1_000))
        let skew = timeMs > nowMs ? timeMs - nowMs : nowMs - timeMs
        guard skew <= maxSkewMs else {
            throw APIError(.unauthorized, "stale_request", "request time is \(skew) ms from the node's clock (at most \(maxSkewMs))")
        }
        // Only GET requests are signed: a transaction carries its own signature.
        var request = request
        let body = Array(buffer: try await request.collectBody(upTo: 1 << 16))
        let message = RequestSignature.message(
            chainID: runtime.genesis.chainID, method: request.method.rawValue, path: request.uri.path,
            query: request.uri.query ?? "", body: body, timeMs: timeMs, nonce: fields.nonce)
        guard key.isValidSignature(signature, for: message) else {
            throw APIError(.unauthorized, "invalid_signature", "the request signature does not verify")
        }
        let record = try await runtime.store.run { store in
            try ContractQueries(state: RocksStateStore(database: store.database)).key(key)
        }
        guard let record else {
            throw APIError(.unauthorized, "unknown_key", "key \(key.hex) is not registered on chain")
        }
        switch replays.admit(key.hex + "/" + fields.nonce, expiresAtMs: timeMs &+ maxSkewMs, nowMs: nowMs) {
        case .fresh: break
        case .replayed: throw APIError(.unauthorized, "replayed", "this nonce was already used")
        case .full:
            var busy = APIError(.tooManyRequests, "busy", "too many signed requests in flight: retry later")
            busy.headers[.retryAfter] = "1"
            throw busy
        }
        var context = context
        context.caller = Caller(key: key, organisation: record.organisationID, roles: record.roles)
        return try await next(request, context)
    }
}
