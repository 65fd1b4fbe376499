public import Ledger

/// A state key: raw bytes compared lexicographically, so "key order" means the same thing
/// in memory, in RocksDB (bytewise comparator) and in every node's write set.
///
/// Contract keys are ASCII paths (`licence/<id>`); history keys append binary suffixes.
public struct StateKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A key from an ASCII path such as `licence/<id>`.
    public init(_ path: String) { self.bytes = Array(path.utf8) }

    public static func < (lhs: StateKey, rhs: StateKey) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// Whether this key starts with `prefix` (a prefix scan's membership test).
    public func hasPrefix(_ prefix: StateKey) -> Bool {
        bytes.count >= prefix.bytes.count && bytes.starts(with: prefix.bytes)
    }

    /// Printable form: the ASCII path, with any binary bytes in hex.
    public var description: String {
        let printable = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        return printable ? String(decoding: bytes, as: UTF8.self) : Hex.encode(bytes)
    }
}

/// One stored key and its value.
public struct StateEntry: Hashable, Sendable {
    public let key: StateKey
    public let value: [UInt8]

    public init(key: StateKey, value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// One change of a block's write set: the key's final value, or nil for a deletion.
public struct StateWrite: Hashable, Sendable {
    public let key: StateKey
    public let value: [UInt8]?

    public init(key: StateKey, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// The read-only state a block executes over (the node's RocksDB state column family, or
/// `InMemoryState` in tests). Implementations must return scans in ascending key order.
public protocol StateStore {
    /// The value stored under `key`, or nil.
    func value(for key: StateKey) -> [UInt8]?
    /// Every entry whose key starts with `prefix`, in ascending key order.
    func entries(withPrefix prefix: StateKey) -> [StateEntry]
    /// The first `limit` entries (in ascending key order) whose key starts with `prefix` and
    /// sorts after `after` (from the first one when `after` is nil): a bounded, resumable
    /// scan. Fewer than `limit` entries means the prefix holds no more after the last one.
    /// A `limit` below 1 returns nothing.
    func entries(withPrefix prefix: StateKey, after: StateKey?, limit: Int) -> [StateEntry]
}

extension StateStore {
    /// The scan for stores with no ordered seek of their own: it reads the whole prefix and
    /// keeps one page. Stores that can seek (`InMemoryState`, the node's RocksDB stores)
    /// implement the requirement themselves.
    public func entries(withPrefix prefix: StateKey, after: StateKey?, limit: Int)
        -> [StateEntry]
    {
        guard limit > 0 else { return [] }
        var page: [StateEntry] = []
        for entry in entries(withPrefix: prefix) where after.map({ $0 < entry.key }) ?? true {
            page.append(entry)
            if page.count == limit { break }
        }
        return page
    }
}

extension StateKey {
    /// The least key greater than this one (this key followed by a zero byte): where a scan
    /// that resumes after this key seeks to.
    public var successor: StateKey { StateKey(bytes: bytes + [0]) }
}

/// A sorted in-memory state: the test twin of the node's state column family, also handy
/// for auditors re-executing a chain.
public struct InMemoryState: StateStore, Sendable {
    private var storage: [StateKey: [UInt8]] = [:]
    // Kept sorted so scans and digests never depend on Dictionary order.
    private var sortedKeys: [StateKey] = []

    public init() {}

    /// A state holding `writes` applied to an empty store.
    public init(applying writes: [StateWrite]) { apply(writes) }

    public func value(for key: StateKey) -> [UInt8]? { storage[key] }

    public func entries(withPrefix prefix: StateKey) -> [StateEntry] {
        var result: [StateEntry] = []
        var index = lowerBound(prefix)
        while index < sortedKeys.count, sortedKeys[index].hasPrefix(prefix) {
            let key = sortedKeys[index]
            if let value = storage[key] { result.append(StateEntry(key: key, value: value)) }
            index += 1
        }
        return result
    }

    public func entries(withPrefix prefix: StateKey, after: StateKey?, limit: Int)
        -> [StateEntry]
    {
        guard limit > 0 else { return [] }
        var result: [StateEntry] = []
        let start = after.map { max($0.successor, prefix) } ?? prefix
        var index = lowerBound(start)
        while result.count < limit, index < sortedKeys.count, sortedKeys[index].hasPrefix(prefix) {
            let key = sortedKeys[index]
            if let value = storage[key] { result.append(StateEntry(key: key, value: value)) }
            index += 1
        }
        return result
    }

    /// Applies a write set (puts and deletions).
    public mutating func apply(_ writes: [StateWrite]) {
        for write in writes {
            if let value = write.value {
                if storage.updateValue(value, forKey: write.key) == nil {
                    sortedKeys.insert(write.key, at: lowerBound(write.key))
                }
            } else if storage.removeValue(forKey: write.key) != nil {
                sortedKeys.remove(at: lowerBound(write.key))
            }
        }
    }

    /// Every entry in key order.
    public var allEntries: [StateEntry] {
        sortedKeys.map { StateEntry(key: $0, value: storage[$0]!) }
    }

    public var count: Int { sortedKeys.count }

    /// The chain hash over the sorted entries: equal on every node that executed the same blocks.
    public var digest: Hash256 {
        var encoder = CanonicalEncoder(reservingCapacity: 64 * sortedKeys.count)
        for key in sortedKeys {
            encoder.encode(bytes: key.bytes)
            encoder.encode(bytes: storage[key]!)
        }
        return ChainHash.hash(encoder.bytes)
    }

    private func lowerBound(_ key: StateKey) -> Int {
        var low = 0
        var high = sortedKeys.count
        while low < high {
            let middle = (low + high) / 2
            if sortedKeys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
