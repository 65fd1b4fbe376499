public import Execution
public import Ledger

/// Reads of state as it was at the end of an earlier block, from the `history` family.
///
/// Every state write goes there: genesis state at height 0 (`initialise`) and each block's
/// final value per key, deletions included, in the batch that commits the block (`commit`).
/// Contract indexes (`idx/...`) are state keys and so are kept too; nothing prunes the family.
///
/// The family is keyed `len(key) u32 BE | key | height u64 BE` (`StorageKey.history`), so
/// it is ordered by key LENGTH first: the keys under one state prefix lie in one run per key
/// length. A prefix scan therefore walks each run that holds the prefix (found by seeking,
/// skipping empty lengths) and merges them into key order.
extension BlockStore {
    /// Bytes past any version suffix of a key (8 bytes, or 12 in the retired layout).
    private static let pastEveryVersion = [UInt8](repeating: 0xFF, count: 13)

    /// The first `limit` state entries, in key order, whose key starts with `prefix` and sorts
    /// after `after`, as state was at the end of block `height`: for each key its latest
    /// version at or before `height`, keys deleted by then left out.
    ///
    /// Cost: a few seeks per key examined and per distinct key length under the prefix; keys
    /// deleted at `height` are stepped over, so a prefix with many deletions costs more than
    /// the page it returns.
    /// - Throws: a read failure, or a history key of neither layout (corruption).
    public func stateEntries(
        withPrefix prefix: [UInt8], after: [UInt8]?, limit: Int, asOf height: UInt64
    ) throws(StorageError) -> [(key: [UInt8], value: [UInt8])] {
        guard limit > 0 else { return [] }
        // An `after` outside the prefix: before it, the scan starts at the prefix; past it,
        // no key of the prefix is left.
        var after = after
        if let position = after, !position.starts(with: prefix) {
            guard position.lexicographicallyPrecedes(prefix) else { return [] }
            after = nil
        }
        return try database.withIterator(.history) { iterator throws(StorageError) in
            var merged: [(key: [UInt8], value: [UInt8])] = []
            var length = prefix.count
            while length <= Int(UInt32.max) {
                let run = Self.lengthBytes(length)
                iterator.seek(run + prefix)
                guard iterator.isValid else { break }
                let found = iterator.key
                guard found.count >= 4 else { throw StorageError("history key shorter than its length") }
                let foundLength = Int(found.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
                guard foundLength >= length else { throw StorageError("history keys out of order") }
                if foundLength > length {
                    length = foundLength  // no key of this length; the next run that exists
                    continue
                }
                if found.dropFirst(4).starts(with: prefix) {
                    merged += try Self.run(
                        iterator, length: length, prefix: prefix, after: after, limit: limit,
                        height: height)
                }
                length += 1
            }
            // Each run is in key order; together they hold the first `limit` of the union.
            merged.sort { $0.key.lexicographicallyPrecedes($1.key) }
            return Array(merged.prefix(limit))
        }
    }

    /// Up to `limit` live entries of the keys of one length under `prefix`, after `after`.
    private static func run(
        _ iterator: RocksIterator, length: Int, prefix: [UInt8], after: [UInt8]?, limit: Int,
        height: UInt64
    ) throws(StorageError) -> [(key: [UInt8], value: [UInt8])] {
        let run = lengthBytes(length)
        if let after {
            // A key of this length sorts after `after` when it is after its first `length`
            // bytes (and, if longer than `after`, when it is not before `after` itself).
            if length <= after.count {
                iterator.seek(run + after.prefix(length) + pastEveryVersion)
            } else {
                iterator.seek(run + after)
            }
        } else {
            iterator.seek(run + prefix)
        }
        var entries: [(key: [UInt8], value: [UInt8])] = []
        while entries.count < limit, iterator.isValid {
            let found = iterator.key
            guard found.starts(with: run + prefix) else { break }
            let suffix = found.count - 4 - length
            guard suffix == 8 || suffix == 12 else {
                throw StorageError("history key with a \(suffix)-byte version suffix")
            }
            let key = Array(found[4..<(4 + length)])
            iterator.seekForPrev(StorageKey.historyBound(key, height: height))
            if iterator.isValid, iterator.key.starts(with: StorageKey.historyPrefix(key)) {
                let value = iterator.value
                if value.first == 1 { entries.append((key, Array(value.dropFirst()))) }
            }
            iterator.seek(StorageKey.historyPrefix(key) + pastEveryVersion)
        }
        return entries
    }

    private static func lengthBytes(_ length: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt32(length).bigEndian) { Array($0) }
    }

    /// The block time of `height` (genesis time for 0): the time a query "as of a height"
    /// judges validity at (licence checks, grant standing). nil beyond the tip.
    public func blockTimeMs(at height: UInt64) throws(StorageError) -> UInt64? {
        if height == 0 { return try genesis()?.genesisTimeMs }
        return try block(at: height)?.header.timeMs
    }
}
