public import Ledger

/// One version of a key in its history: the value a transaction left (nil = deleted),
/// where in the chain it happened. The licence trail and the bill trail are read from these.
public struct HistoryRecord: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public let height: UInt64
    public let txIndex: UInt32
    public let txID: Hash256
    public let value: [UInt8]?

    public init(height: UInt64, txIndex: UInt32, txID: Hash256, value: [UInt8]?) {
        self.height = height
        self.txIndex = txIndex
        self.txID = txID
        self.value = value
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(HistoryRecord.version)
        encoder.encode(height)
        encoder.encode(txIndex)
        encoder.encode(txID)
        encoder.encode(value != nil)
        if let value { encoder.encode(bytes: value) }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "HistoryRecord", supported: 1...1)
        height = try decoder.decode(UInt64.self)
        txIndex = try decoder.decode(UInt32.self)
        txID = try decoder.decode(Hash256.self)
        value = try decoder.decode(Bool.self) ? try decoder.decodeBytes() : nil
    }
}

/// A history record with the key it belongs to, as `BlockResult.history` lists them.
public struct HistoryEntry: Hashable, Sendable {
    public let key: StateKey
    public let record: HistoryRecord
}

/// The history key space: `history/<key> 0x00 <height u64 BE> <tx index u32 BE>`.
///
/// Records live in state (so the state root commits to the trail and queries need only a
/// `StateStore`); the 0x00 separator cannot occur in an ASCII contract key, so the history
/// of `licence/A` never mixes with that of `licence/A/x`, and big-endian numbers sort the
/// versions in chain order.
public enum HistoryKeys {
    static let prefix = Array("history/".utf8)
    static let indexPrefix = Array("idx/".utf8)

    /// The prefix under which every version of `key` is stored.
    public static func prefix(of key: StateKey) -> StateKey {
        StateKey(bytes: prefix + key.bytes + [0])
    }

    static func key(of key: StateKey, height: UInt64, txIndex: UInt32) -> StateKey {
        var encoder = CanonicalEncoder(reservingCapacity: 12)
        encoder.encode(height)
        encoder.encode(txIndex)
        return StateKey(bytes: prefix(of: key).bytes + encoder.bytes)
    }

    /// Whether changes of `key` are recorded: records are, while history records,
    /// secondary-index entries (`idx/`) and the block-end cursors (`cursor/`) are derived
    /// data and would only double the trail.
    static func isTracked(_ key: StateKey) -> Bool {
        !key.bytes.starts(with: prefix) && !key.bytes.starts(with: indexPrefix)
            && !key.bytes.starts(with: cursorPrefix)
    }

    static let cursorPrefix = Array("cursor/".utf8)
}
