public import Ledger

/// A block's state as one transaction sees it: the store, then the writes of earlier
/// transactions of the block, then this transaction's own writes (read-your-writes).
///
/// `changes` are kept in a dictionary for lookups only; everything that leaves the view
/// (scans, write sets) is sorted by key first, so no hash-seed order can leak. A class, so
/// handing it to each transaction's context never copies the block's changes.
final class Overlay {
    let base: any StateStore
    private(set) var blockChanges: [StateKey: [UInt8]?] = [:]
    private(set) var txChanges: [StateKey: [UInt8]?] = [:]

    init(base: any StateStore) { self.base = base }

    func value(for key: StateKey) -> [UInt8]? {
        if let change = txChanges[key] { return change }
        if let change = blockChanges[key] { return change }
        return base.value(for: key)
    }

    func put(_ value: [UInt8], for key: StateKey) { txChanges[key] = .some(value) }

    func delete(_ key: StateKey) { txChanges[key] = .some(nil) }

    /// Entries with `prefix` in key order, with both overlays applied.
    func entries(withPrefix prefix: StateKey) -> [StateEntry] {
        var merged: [StateKey: [UInt8]?] = [:]
        for entry in base.entries(withPrefix: prefix) { merged[entry.key] = .some(entry.value) }
        for (key, value) in blockChanges where key.hasPrefix(prefix) { merged[key] = value }
        for (key, value) in txChanges where key.hasPrefix(prefix) { merged[key] = value }
        return merged.keys.sorted().compactMap { key in
            merged[key]!.map { StateEntry(key: key, value: $0) }
        }
    }

    /// The current transaction's changes in key order.
    var sortedTxChanges: [StateWrite] {
        txChanges.keys.sorted().map { StateWrite(key: $0, value: txChanges[$0]!) }
    }

    /// Drops the current transaction's writes (a refused call leaves state untouched).
    func discardTransaction() { txChanges = [:] }

    /// Folds the current transaction's writes into the block, adding one history record per
    /// tracked key it changed.
    func commitTransaction(height: UInt64, txIndex: UInt32, txID: Hash256) -> [HistoryEntry] {
        var history: [HistoryEntry] = []
        for write in sortedTxChanges {
            blockChanges[write.key] = .some(write.value)
            guard HistoryKeys.isTracked(write.key) else { continue }
            let record = HistoryRecord(
                height: height, txIndex: txIndex, txID: txID, value: write.value)
            history.append(HistoryEntry(key: write.key, record: record))
            let recordKey = HistoryKeys.key(of: write.key, height: height, txIndex: txIndex)
            blockChanges[recordKey] = .some(record.canonicalBytes)
        }
        txChanges = [:]
        return history
    }

    /// The block's write set: each changed key once, with its final value, in key order.
    var blockWrites: [StateWrite] {
        precondition(txChanges.isEmpty, "a transaction is still open")
        return blockChanges.keys.sorted().map { StateWrite(key: $0, value: blockChanges[$0]!) }
    }
}
