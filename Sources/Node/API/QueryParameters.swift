internal import Foundation
public import Hummingbird
internal import Ledger

/// The query parameters every read route shares: `height` (answer as of that block, default
/// the latest), `prove` (single records: add the state proof), `cursor` and `limit` (lists).
/// Anything malformed is the caller's mistake (400), never silently read as the default.
struct QueryParameters: Sendable {
    static let defaultLimit = 100
    static let maxLimit = 500

    /// The height asked for, or nil for the latest committed block.
    let height: UInt64?
    let prove: Bool
    /// Where the previous page ended: the hex of the last item's sort key.
    let cursor: String?
    let limit: Int

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        height = try APIRoutes.unsignedParameter(query.get("height"), name: "height")
        prove = try Self.flag(query.get("prove"), name: "prove")
        if let text = query.get("cursor") {
            // A cursor is the hex of a sort key this node handed out; anything else is refused
            // here rather than compared against keys.
            guard !text.isEmpty, text.count <= 1_024, Hex.decode(text) != nil else {
                throw APIError.badRequest("cursor must be a next_cursor value from an earlier page")
            }
            cursor = text
        } else {
            cursor = nil
        }
        let limit = try APIRoutes.unsignedParameter(query.get("limit"), name: "limit") ?? UInt64(Self.defaultLimit)
        guard (1...UInt64(Self.maxLimit)).contains(limit) else {
            throw APIError.badRequest("limit must be between 1 and \(Self.maxLimit)")
        }
        self.limit = Int(limit)
    }

    static func flag(_ text: String?, name: String) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1": return true
        default: throw APIError.badRequest("\(name) must be true or false")
        }
    }

    /// One page of `items` (any order): sorted by `sortKey`, those after the cursor, at most
    /// `limit` of them, and the cursor of the next page when more remain.
    func page<Item>(_ items: [Item], sortKey: (Item) -> String) -> (items: [Item], nextCursor: String?) {
        // Lower-case hex sorts as the bytes it encodes do, so the cursors compare as strings.
        let keyed = items.map { (key: Hex.encode(Array(sortKey($0).utf8)), item: $0) }.sorted { $0.key < $1.key }
        let after = cursor.map { cursor in keyed.firstIndex { $0.key > cursor } ?? keyed.endIndex } ?? keyed.startIndex
        let end = min(after + limit, keyed.endIndex)
        let slice = keyed[after..<end]
        return (slice.map(\.item), end < keyed.endIndex ? slice.last?.key : nil)
    }
}

/// Fixed-width decimal, so that numeric sort keys (heights) sort as numbers do.
func sortable(_ value: UInt64) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
}

extension APIRoutes {
    /// A record id from the path, percent-decoded, 1 to 128 characters (what the document
    /// declares); anything else is refused before it reaches a state key.
    func pathID(_ context: APIRequestContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        guard let text = raw.removingPercentEncoding, (1...128).contains(text.unicodeScalars.count) else {
            throw APIError.badRequest("\(name) must be 1 to 128 characters")
        }
        return text
    }
}
