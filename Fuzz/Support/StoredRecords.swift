public import Contracts
import Ledger

/// One kind of record the contracts keep in state, with the key prefix it lives under.
public struct StoredRecordKind: Sendable {
    public let name: String
    public let keyPrefix: String
    /// Decodes and checks the canonical round trip; false when the bytes are refused.
    public let check: @Sendable ([UInt8]) -> Bool
}

/// Every record type a contract stores and later decodes with `decodeStored` (which traps
/// on bytes it cannot decode), keyed by where it is stored. The contract-call fuzzer
/// fails on a write no entry covers, so a new record type cannot slip past this list.
public enum StoredRecords {
    public static let kinds: [StoredRecordKind] = [
        kind(ChainParameters.self, "gov/parameters"),
        kind(FollowerList.self, "gov/followers"),
        kind(Contracts.Proposal.self, "gov/proposal/"),
        kind(OrganisationRecord.self, "org/"),
        kind(KeyRecord.self, "key/"),
        kind(LicenceRecord.self, "licence/"),
        kind(UseRecord.self, "use/"),
        kind(GrantRecord.self, "grant/"),
        kind(ClaimRecord.self, "claim/"),
        kind(BillRecord.self, "bill/"),
        kind(BillAlert.self, "alert/"),
        kind(EvidenceRecord.self, "evidence/"),
        kind(HistoryRecord.self, "history/"),
        kind(DutyItem.self, "duty/"),
        kind(DataUseRecord.self, "datause/"),
        StoredRecordKind(
            name: "data-use id", keyPrefix: "datauseid/",
            check: { $0.starts(with: Array("datause/".utf8)) }),
        kind(LicenceType.self, "licencetype/"),
        kind(ExpiryReminder.self, "reminder/"),
        // The commitment a holder key serves (bindHolderKey refuses it for any other).
        kind(Hash256.self, "holderkeyowner/"),
        kind(ReminderCursor.self, "cursor/reminders"),
        // A use id's value is the key of the use record it made, not a record.
        StoredRecordKind(
            name: "use id", keyPrefix: "useid/", check: { $0.starts(with: Array("use/".utf8)) }),
    ]

    /// Index entries: the key is the information and the value is empty.
    public static let indexPrefixes = ["idx/", "holderkey/"]

    public static func kind(forKey key: StateKey) -> StoredRecordKind? {
        kinds.first { key.bytes.starts(with: Array($0.keyPrefix.utf8)) }
    }

    public static func isIndex(_ key: StateKey) -> Bool {
        indexPrefixes.contains { key.bytes.starts(with: Array($0.utf8)) }
    }

    private static func kind<Record: CanonicalCodable & Equatable & Sendable>(
        _: Record.Type, _ prefix: String
    ) -> StoredRecordKind {
        StoredRecordKind(name: "\(Record.self)", keyPrefix: prefix) { bytes in
            checkCanonical(Record.self, bytes) != nil
        }
    }
}
