public import Ledger

/// One page of a list query: at most the request's limit of items, in the query's stable
/// order, and where the next page starts.
public struct QueryPage<Item> {
    public let items: [Item]
    /// Pass it back as `PageRequest.cursor` for the next page; nil when the list is done.
    /// A page may hold fewer items than the limit (even none) and still have a next page:
    /// a filtered walk stops after `PageRequest.scanBudget` stored entries.
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension QueryPage: Sendable where Item: Sendable {}
extension QueryPage: Equatable where Item: Equatable {}
extension QueryPage: Hashable where Item: Hashable {}

/// Where a page starts and how long it may be. The limit is clamped, never refused; the
/// cursor is checked against the query it is used with (`QueryError.invalidCursor`).
public struct PageRequest: Hashable, Sendable {
    public static let defaultLimit = 100
    public static let maxLimit = 500
    /// Stored entries one page may examine, matching or not: a filter that matches rarely
    /// answers short pages with a cursor instead of reading without end.
    public static let scanBudget = 5_000
    /// The longest state key a cursor may name (contract keys are far shorter).
    static let maxCursorKeyBytes = 1_024

    /// The opaque cursor of the previous page's `nextCursor`, or nil for the first page.
    public let cursor: String?
    /// Items per page, within 1...`maxLimit`.
    public let limit: Int

    /// - Parameters:
    ///   - cursor: the previous page's `nextCursor`, or nil (an empty string counts as nil).
    ///   - limit: wanted items per page; nil means `defaultLimit`, and any value is clamped
    ///     to 1...`maxLimit`.
    public init(cursor: String? = nil, limit: Int? = nil) {
        self.cursor = cursor?.isEmpty == true ? nil : cursor
        self.limit = min(max(limit ?? Self.defaultLimit, 1), Self.maxLimit)
    }

    /// The state key the cursor names: the last key a previous page examined under `prefix`.
    /// - Throws: `QueryError.invalidCursor` for text that is not such a cursor.
    func position(under prefix: StateKey) throws(QueryError) -> StateKey? {
        guard let cursor else { return nil }
        guard cursor.utf8.count <= 2 * Self.maxCursorKeyBytes else {
            throw .invalidCursor("cursor is longer than any this query gives")
        }
        guard cursor.utf8.allSatisfy(Self.isLowercaseHex), let bytes = Hex.decode(cursor) else {
            throw .invalidCursor("cursor is not the lowercase hex a page gives")
        }
        let key = StateKey(bytes: bytes)
        guard key.hasPrefix(prefix), key.bytes.count > prefix.bytes.count else {
            throw .invalidCursor("cursor belongs to another query")
        }
        return key
    }

    static func cursor(after key: StateKey) -> String { Hex.encode(key.bytes) }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}

/// Why a list query gave no page.
public enum QueryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The cursor is not one this query gave (a client error: HTTP 400).
    case invalidCursor(String)
    /// A stored record does not decode (a server error: HTTP 500).
    case storedRecord(StoredRecordError)

    public var description: String {
        switch self {
        case let .invalidCursor(reason): "invalid cursor: \(reason)"
        case let .storedRecord(error): error.description
        }
    }
}
