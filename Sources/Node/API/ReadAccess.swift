internal import Contracts
internal import Foundation
internal import GovChainAPI
public import Hummingbird
public import Ledger
internal import NIOConcurrencyHelpers

/// Who may read what through the API (issue 14; docs/api.md "Who may read what").
public struct APIAccess: Sendable, Equatable {
    public enum Reads: String, Sendable, Codable {
        /// Anyone reaching the API reads everything (a closed test network).
        case open
        /// Reads need a signed request, scoped by the caller's organisation and roles.
        case signed
    }

    public var reads: Reads
    /// Routes answered without a signature even when reads are signed: any of `status`,
    /// `genesis`, `licence-verify` (the public QR check), `openapi`, `explorer`, `metrics`.
    public var openRoutes: Set<String>
    public var maxClockSkewMs: UInt64
    public var requestsPerSecond: Int
    public var burst: Int
    public var eventStreamsPerCaller: Int

    public static let allOpenRoutes: Set<String> = ["status", "genesis", "licence-verify", "openapi", "explorer", "metrics"]

    public init(
        reads: Reads = .open, openRoutes: Set<String> = APIAccess.allOpenRoutes, maxClockSkewMs: UInt64 = 60_000,
        requestsPerSecond: Int = 500, burst: Int = 1_000, eventStreamsPerCaller: Int = 4
    ) {
        self.reads = reads
        self.openRoutes = openRoutes
        self.maxClockSkewMs = maxClockSkewMs
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.eventStreamsPerCaller = eventStreamsPerCaller
    }
}

/// Who may read one answer, beyond auditors (who read everything).
enum ReadRule: Sendable {
    /// Any registered key (registries: organisations, licence types, validators...).
    case anyCaller
    /// Auditors only (whole blocks, raw state, the event stream, the read audit).
    case auditors
    /// Personal data: these organisations, holders of these roles, and keys bound to these
    /// person commitments. A read by an organisation or role (a department, not the person
    /// and not an auditor) is recorded in the read audit.
    case personal(organisations: [String], roles: [Role], people: [Hash256])
}

extension APIRoutes {
    /// Whether the request may be answered at all before any state is read: nil caller with
    /// open reads or an open route; else the signed caller; else 401.
    func requireCaller(_ context: APIRequestContext, route: String? = nil) throws -> Caller? {
        guard access.reads == .signed else { return context.caller }
        if let route, access.openRoutes.contains(route) { return context.caller }
        guard let caller = context.caller else {
            throw APIError(.unauthorized, "unauthenticated", "this route needs a signed request (docs/api.md)")
        }
        return caller
    }

    /// Applies `rule` for `caller` (state is read through `queries` for key bindings), and
    /// records a department's read of personal data. Throws 403 when the caller may not read.
    func authorise<Store: StateStore>(
        _ caller: Caller?, _ rule: ReadRule, queries: ContractQueries<Store>, request: String, store: BlockStore
    ) throws {
        guard access.reads == .signed, let caller, !caller.isAuditor else { return }
        switch rule {
        case .anyCaller:
            return
        case .auditors:
            throw APIError(.forbidden, "forbidden", "only auditors read this")
        case let .personal(organisations, roles, people):
            if people.contains(where: { queries.isHolderKeyBound($0, caller.key) }) { return }
            guard organisations.contains(caller.organisation) || roles.contains(where: caller.has) else {
                throw APIError(.forbidden, "forbidden", "\(caller.organisation) may not read this")
            }
            try readAudit.record(caller: caller, request: request, store: store)
        }
    }
}

/// Every read of personal data by a department, kept by this node (who, what, when): the
/// seeds' "all use of a user's data is recorded" applied to reads. Written synchronously
/// before the answer leaves, so an answer is never given unrecorded.
final class ReadAuditLog: Sendable {
    private let sequence = NIOLockedValueBox<UInt64>(0)

    func record(caller: Caller, request: String, store: BlockStore) throws {
        let nowMs = UInt64(max(0, Date().timeIntervalSince1970 * 1_000))
        let next = sequence.withLockedValue { value -> UInt64 in
            value &+= 1
            return value
        }
        let entry = ReadAuditView(
            timeMs: nowMs, organisation: caller.organisation, key: caller.key.hex, request: request)
        let key = Self.bigEndian(nowMs) + Self.bigEndian(next)
        let batch = WriteBatch(for: store.database)
        batch.put(.readAudit, key, Array(try WireJSON.encode(entry)))
        try store.database.write(batch)
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }
}

extension APIRoutes {
    /// `authorise` for rules that need no state (any caller, auditors only).
    func authoriseWithoutState(_ caller: Caller?, _ rule: ReadRule) throws {
        guard access.reads == .signed, let caller, !caller.isAuditor else { return }
        switch rule {
        case .anyCaller: return
        case .auditors, .personal: throw APIError(.forbidden, "forbidden", "only auditors read this")
        }
    }
}

extension APIRoutes {
    /// `GET /v1/read-audit?cursor=&limit=`: the reads of personal data this node recorded,
    /// oldest first, for auditors.
    func registerReadAudit(on router: Router<APIRequestContext>) {
        router.get("/v1/read-audit") { request, context in
            try authoriseWithoutState(try requireCaller(context), .auditors)
            let parameters = try QueryParameters(request)
            let start = try parameters.cursor.map { cursor -> [UInt8] in
                guard let key = Hex.decode(cursor), key.count == 16 else {
                    throw APIError.badRequest("cursor must be a next_cursor value from an earlier page")
                }
                return key + [0]  // just after the last entry of the previous page
            }
            let entries = try await runtime.store.run { store in
                try store.database.scan(.readAudit, prefix: [], from: start, limit: parameters.limit + 1)
            }
            var items: [ReadAuditView] = []
            for entry in entries.prefix(parameters.limit) {
                guard let item = try? WireJSON.decode(ReadAuditView.self, from: Data(entry.value)) else {
                    throw APIError(.internalServerError, "corrupt_record", "read audit entry \(Hex.encode(entry.key))")
                }
                items.append(item)
            }
            let next = entries.count > parameters.limit ? entries.prefix(parameters.limit).last.map { Hex.encode($0.key) } : nil
            return WireResponse(Page(asOfHeight: runtime.blockStore.lastHeight, items: items, nextCursor: next))
        }
    }
}
