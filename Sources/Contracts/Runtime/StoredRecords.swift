public import Ledger

/// A stored record that does not decode, or a record that state guarantees but is missing
/// (a claim's bill, a key's organisation, the chain parameters).
///
/// Only the contracts write state, and every list or string they write is bounded by the
/// same limit its decoder enforces, so this never means "a participant sent one too many":
/// it means corrupt storage or a broken upgrade. A transaction that meets it fails with
/// `StatusCode.storedRecordCorrupt` (every node holds the same bytes, so every node fails
/// it alike) and a query throws it; neither traps, so no stored bytes can stop a node.
public struct StoredRecordError: Error, Hashable, Sendable, CustomStringConvertible {
    public let key: StateKey
    public let recordType: String
    public let reason: String

    public init(key: StateKey, recordType: String, reason: String) {
        self.key = key
        self.recordType = recordType
        self.reason = reason
    }

    public var description: String { "\(recordType) at \(key) is unreadable: \(reason)" }

    /// The refusal a transaction that needed the record gets.
    var contractError: ContractError { ContractError(.storedRecordCorrupt, description) }
}

enum StoredRecords {
    /// Decodes the record stored at `key`, naming the key and type if it does not decode.
    static func decode<Record: CanonicalDecodable>(
        _: Record.Type, _ bytes: [UInt8], key: StateKey
    ) throws(StoredRecordError) -> Record {
        do {
            return try Record(canonicalBytes: bytes)
        } catch {
            throw StoredRecordError(
                key: key, recordType: "\(Record.self)", reason: error.description)
        }
    }

    /// The error for a record that another record (or genesis) guarantees but is absent,
    /// or that disagrees with the record that refers to it.
    static func corrupt<Record>(_: Record.Type, at key: StateKey, _ reason: String)
        -> StoredRecordError
    {
        StoredRecordError(key: key, recordType: "\(Record.self)", reason: reason)
    }
}
