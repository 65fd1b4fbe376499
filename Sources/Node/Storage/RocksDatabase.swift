internal import CRocksDB
internal import NIOConcurrencyHelpers
#if canImport(Glibc)
internal import Glibc
#endif

/// A RocksDB error, with RocksDB's own message.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "storage: \(message)" }
    public init(_ message: String) { self.message = message }

    /// A call on a database that was closed (the node is stopping).
    static func closed(_ path: String) -> StorageError {
        StorageError("database \(path) is closed")
    }
}

/// The column families of a node's database (docs/node.md "Storage").
public enum ColumnFamily: String, CaseIterable, Sendable {
    case blocks            // height (8 bytes BE) -> Block
    case certificates      // height -> CommitCertificate
    case blockHashes       // block hash -> height
    case transactions      // tx id -> height | index
    case receipts          // height | index -> Receipt
    case state             // contract key -> value (contract indexes live here, under idx/)
    case history           // key | height | index -> change record
    case stateTree         // sparse Merkle tree nodes
    case metadata          // last committed height, genesis hash, results of last block
    case safety            // consensus safety state
    case readAudit         // time ms | sequence -> ReadAuditView JSON (docs/api.md)

    var name: String { self == .blocks ? "default" : rawValue }

    /// Families earlier versions created and this one no longer uses. RocksDB refuses to
    /// open a database without naming every family it holds, so these are opened when
    /// present, and dropped when empty: `indexes` was created by every node and never
    /// written (secondary indexes have always lived in `state`).
    static let retiredNames = ["indexes"]
}

/// An open RocksDB database with GovChain's column families.
///
/// `@unchecked Sendable`: RocksDB documents `rocksdb_t` (and column family handles) as safe
/// for concurrent use from many threads; this class never mutates its own stored properties
/// after `init`, and write batches, iterators and options are created per call, never shared.
/// The handles are freed once, by `close()` (or `deinit` when nobody closed): `uses` makes
/// every call that touches them either run wholly before the close or refuse after it.
public final class RocksDatabase: @unchecked Sendable {
    private let handle: OpaquePointer
    private let options: OpaquePointer
    private let columnHandles: [ColumnFamily: OpaquePointer]
    /// Retired families that held data and were therefore kept (see `ColumnFamily.retiredNames`).
    private let retiredHandles: [OpaquePointer]
    private let syncWrite: OpaquePointer
    private let readOptions: OpaquePointer
    public let path: String
    /// Retired families found empty and dropped by this open (for the operator's log).
    public let droppedFamilies: [String]
    /// Calls in progress, and whether the database is closing or closed (see `close()`).
    private let uses = NIOLockedValueBox(Uses())

    private struct Uses {
        var active = 0
        var closing = false
    }

    /// Opens (creating if missing) the database at `path`. A second open of the same
    /// directory in one machine fails with RocksDB's LOCK error.
    public convenience init(path: String) throws(StorageError) {
        try self.init(path: path, alsoCreating: [])
    }

    /// `alsoCreating` makes extra (retired) families, as an older version did: tests use it
    /// to build the databases that version left behind.
    init(path: String, alsoCreating extra: [String]) throws(StorageError) {
        self.path = path
        let options = rocksdb_options_create()!
        rocksdb_options_set_create_if_missing(options, 1)
        rocksdb_options_set_create_missing_column_families(options, 1)
        rocksdb_options_increase_parallelism(options, 2)
        let existing = Set(Self.listFamilies(path: path, options: options))
        let retired = ColumnFamily.retiredNames.filter {
            existing.contains($0) || extra.contains($0)
        }
        let names = ColumnFamily.allCases.map(\.name) + retired
        let opened: (db: OpaquePointer, handles: [OpaquePointer])
        do { opened = try Self.open(path: path, options: options, names: names) } catch {
            rocksdb_options_destroy(options)
            throw error
        }
        self.handle = opened.db
        self.options = options
        var map: [ColumnFamily: OpaquePointer] = [:]
        for (family, handle) in zip(ColumnFamily.allCases, opened.handles) { map[family] = handle }
        self.columnHandles = map
        self.readOptions = rocksdb_readoptions_create()!
        var kept: [OpaquePointer] = []
        var dropped: [String] = []
        for (name, handle) in zip(retired, opened.handles.dropFirst(ColumnFamily.allCases.count)) {
            if extra.contains(name) || !Self.isEmpty(opened.db, handle, readOptions) {
                kept.append(handle)
                continue
            }
            var error: UnsafeMutablePointer<CChar>?
            rocksdb_drop_column_family(opened.db, handle, &error)
            rocksdb_column_family_handle_destroy(handle)
            if let error { _ = Self.consume(error) } else { dropped.append(name) }
        }
        self.retiredHandles = kept
        self.droppedFamilies = dropped
        self.syncWrite = rocksdb_writeoptions_create()!
        rocksdb_writeoptions_set_sync(syncWrite, 1)
    }

    /// Names of the families stored at `path`; none for a database that does not exist yet.
    static func listFamilies(path: String) -> [String] {
        // Fails only when memory runs out; then the open that follows reports it.
        guard let options = rocksdb_options_create() else { return [] }
        defer { rocksdb_options_destroy(options) }
        return listFamilies(path: path, options: options)
    }

    static func listFamilies(path: String, options: OpaquePointer) -> [String] {
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        guard let list = rocksdb_list_column_families(options, path, &count, &error) else {
            if let error { _ = consume(error) }
            return []
        }
        defer { rocksdb_list_column_families_destroy(list, count) }
        return (0..<count).compactMap { list[$0].map { String(cString: $0) } }
    }

    private static func open(
        path: String, options: OpaquePointer, names: [String]
    ) throws(StorageError) -> (db: OpaquePointer, handles: [OpaquePointer]) {
        var cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        var familyOptions: [OpaquePointer?] = names.map { _ in options }
        var handles = [OpaquePointer?](repeating: nil, count: names.count)
        var error: UnsafeMutablePointer<CChar>?
        let db = cNames.withUnsafeMutableBufferPointer { namesBuffer in
            namesBuffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { constNames in
                rocksdb_open_column_families(
                    options, path, Int32(names.count), constNames.baseAddress,
                    &familyOptions, &handles, &error)
            }
        }
        if let error { throw StorageError(consume(error)) }
        guard let db else { throw StorageError("rocksdb_open returned no handle for \(path)") }
        let opened = handles.compactMap { $0 }
        guard opened.count == names.count else {
            throw StorageError(
                "rocksdb_open returned \(opened.count) of \(names.count) column families")
        }
        return (db, opened)
    }

    private static func isEmpty(
        _ db: OpaquePointer, _ family: OpaquePointer, _ read: OpaquePointer
    ) -> Bool {
        // No iterator (out of memory): call it not empty, so the family is kept, not dropped.
        guard let iterator = rocksdb_create_iterator_cf(db, read, family) else { return false }
        defer { rocksdb_iter_destroy(iterator) }
        rocksdb_iter_seek_to_first(iterator)
        return rocksdb_iter_valid(iterator) == 0
    }

    deinit {
        // A database nobody closed (a CLI command, a test) is closed here; after `close()`
        // this does nothing, so the handles are never freed twice.
        close()
    }

    /// Closes the database: waits for calls in progress, then frees every RocksDB handle.
    /// Idempotent, and safe from any thread; every later call throws `StorageError.closed`
    /// instead of touching a freed handle. A node closes its database explicitly once its
    /// services have stopped, so the close never runs from whichever thread happens to drop
    /// the last reference while the process exits (RocksDB's globals may be gone by then).
    public func close() {
        let first = uses.withLockedValue { uses -> Bool in
            defer { uses.closing = true }
            return !uses.closing
        }
        guard first else { return }
        // Calls in progress are short (one get, one batch, one bounded scan): poll for them.
        while uses.withLockedValue({ $0.active }) > 0 { usleep(1_000) }
        for handle in columnHandles.values { rocksdb_column_family_handle_destroy(handle) }
        for handle in retiredHandles { rocksdb_column_family_handle_destroy(handle) }
        rocksdb_close(handle)
        rocksdb_writeoptions_destroy(syncWrite)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_options_destroy(options)
    }

    /// Whether `close()` has begun (the database refuses every call from then on).
    public var isClosed: Bool { uses.withLockedValue { $0.closing } }

    /// Runs `body` with the handles guaranteed open for its whole duration.
    private func using<T>(_ body: () throws(StorageError) -> T) throws(StorageError) -> T {
        let admitted = uses.withLockedValue { uses -> Bool in
            guard !uses.closing else { return false }
            uses.active += 1
            return true
        }
        guard admitted else { throw StorageError.closed(path) }
        defer { uses.withLockedValue { $0.active -= 1 } }
        Self.disablePerfCounters()
        return try body()
    }

    /// Turns off RocksDB's per-thread perf counters on the calling thread (BENCHMARKS.md,
    /// "Issue 11", section 4). RocksDB starts every thread at `kEnableCount`, so each key
    /// comparison in a memtable insert or a lookup also bumps a thread-local counter that
    /// nobody reads; in Debian's shared librocksdb that costs a `__tls_get_addr` call per
    /// comparison: a quarter of `rocksdb_write`'s CPU in a micro-benchmark of a block-sized
    /// batch, about a tenth of the block write's share in a node under load. The level is per
    /// thread and the calls here run on whichever thread-pool thread is free, so it is set
    /// on every call: one thread-local store.
    private static func disablePerfCounters() {
        rocksdb_set_perf_level(Int32(rocksdb_disable))
    }

    /// Reads one value, or nil when the key is absent.
    public func get(_ family: ColumnFamily, _ key: [UInt8]) throws(StorageError) -> [UInt8]? {
        try using { () throws(StorageError) -> [UInt8]? in try unguardedGet(family, key) }
    }

    private func unguardedGet(
        _ family: ColumnFamily, _ key: [UInt8]
    ) throws(StorageError) -> [UInt8]? {
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        let value = key.withUnsafeBufferPointer { keyBuffer in
            keyBuffer.withMemoryRebound(to: CChar.self) { raw in
                rocksdb_get_cf(handle, readOptions, columnHandles[family]!, raw.baseAddress, raw.count, &length, &error)
            }
        }
        if let error { throw StorageError(RocksDatabase.consume(error)) }
        guard let value else { return nil }
        defer { rocksdb_free(value) }
        return Array(UnsafeRawBufferPointer(start: value, count: length))
    }

    /// Applies a batch atomically and durably (fsync before returning): a crash leaves either
    /// none or all of it.
    public func write(_ batch: WriteBatch) throws(StorageError) {
        try using { () throws(StorageError) in
            // A put made after the close was dropped (see `WriteBatch.put`): never write
            // what is left of such a batch.
            guard !batch.isIncomplete else { throw StorageError.closed(path) }
            var error: UnsafeMutablePointer<CChar>?
            batch.withHandle { rocksdb_write(handle, syncWrite, $0, &error) }
            if let error { throw StorageError(RocksDatabase.consume(error)) }
        }
    }

    /// Key-ordered entries with keys starting with `prefix`, at most `limit` of them,
    /// starting at `from` (inclusive) when given.
    public func scan(
        _ family: ColumnFamily, prefix: [UInt8], from start: [UInt8]? = nil, limit: Int = .max
    ) throws(StorageError) -> [(key: [UInt8], value: [UInt8])] {
        try using { () throws(StorageError) in
            unguardedScan(family, prefix: prefix, from: start, limit: limit)
        }
    }

    private func unguardedScan(
        _ family: ColumnFamily, prefix: [UInt8], from start: [UInt8]?, limit: Int
    ) -> [(key: [UInt8], value: [UInt8])] {
        let iterator = rocksdb_create_iterator_cf(handle, readOptions, columnHandles[family]!)!
        defer { rocksdb_iter_destroy(iterator) }
        let seekKey = start ?? prefix
        seekKey.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { rocksdb_iter_seek(iterator, $0.baseAddress, $0.count) }
        }
        var results: [(key: [UInt8], value: [UInt8])] = []
        while results.count < limit, rocksdb_iter_valid(iterator) != 0 {
            var keyLength = 0
            var valueLength = 0
            let keyPointer = rocksdb_iter_key(iterator, &keyLength)!
            let key = Array(UnsafeRawBufferPointer(start: keyPointer, count: keyLength))
            guard key.starts(with: prefix) else { break }
            let valuePointer = rocksdb_iter_value(iterator, &valueLength)
            let value = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: valueLength)) } ?? []
            results.append((key, value))
            rocksdb_iter_next(iterator)
        }
        return results
    }

    /// The last entry whose key is <= `key` and starts with `prefix` (for "as of height").
    public func last(
        _ family: ColumnFamily, prefix: [UInt8], atOrBefore key: [UInt8]
    ) throws(StorageError) -> (key: [UInt8], value: [UInt8])? {
        try using { () throws(StorageError) in
            unguardedLast(family, prefix: prefix, atOrBefore: key)
        }
    }

    private func unguardedLast(
        _ family: ColumnFamily, prefix: [UInt8], atOrBefore key: [UInt8]
    ) -> (key: [UInt8], value: [UInt8])? {
        let iterator = rocksdb_create_iterator_cf(handle, readOptions, columnHandles[family]!)!
        defer { rocksdb_iter_destroy(iterator) }
        key.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                rocksdb_iter_seek_for_prev(iterator, $0.baseAddress, $0.count)
            }
        }
        guard rocksdb_iter_valid(iterator) != 0 else { return nil }
        var keyLength = 0
        var valueLength = 0
        let found = Array(UnsafeRawBufferPointer(start: rocksdb_iter_key(iterator, &keyLength)!, count: keyLength))
        guard found.starts(with: prefix) else { return nil }
        let valuePointer = rocksdb_iter_value(iterator, &valueLength)
        return (found, valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: valueLength)) } ?? [])
    }

    /// Runs `body` with an iterator over `family`, the database held open throughout (for
    /// seek-based scans that `scan` and `last` cannot express). The iterator is destroyed
    /// when `body` returns: `body` must not keep it.
    func withIterator<T>(
        _ family: ColumnFamily, _ body: (RocksIterator) throws(StorageError) -> T
    ) throws(StorageError) -> T {
        try using { () throws(StorageError) -> T in
            let iterator = RocksIterator(
                rocksdb_create_iterator_cf(handle, readOptions, columnHandles[family]!)!)
            defer { rocksdb_iter_destroy(iterator.pointer) }
            let result = try body(iterator)
            try iterator.checkError()
            return result
        }
    }

    /// Runs `body` with a family's handle while the database is open; false once it closed.
    func withColumnHandle(_ family: ColumnFamily, _ body: (OpaquePointer) -> Void) -> Bool {
        do {
            try using { () throws(StorageError) in body(columnHandles[family]!) }
            return true
        } catch {
            return false
        }
    }

    private static func consume(_ error: UnsafeMutablePointer<CChar>) -> String {
        defer { rocksdb_free(error) }
        return String(cString: error)
    }
}

/// Changes to apply atomically. Not Sendable: build it in the task that writes it.
public final class WriteBatch {
    private let handle: OpaquePointer
    private let database: RocksDatabase
    /// A put or delete arrived after the database closed and was dropped: the batch must
    /// never be written (`RocksDatabase.write` refuses it).
    private(set) var isIncomplete = false

    public init(for database: RocksDatabase) {
        self.handle = rocksdb_writebatch_create()!
        self.database = database
    }

    deinit { rocksdb_writebatch_destroy(handle) }

    public var count: Int { Int(rocksdb_writebatch_count(handle)) }

    public func put(_ family: ColumnFamily, _ key: [UInt8], _ value: [UInt8]) {
        let open = database.withColumnHandle(family) { column in
            key.withUnsafeBufferPointer { keyBuffer in
                value.withUnsafeBufferPointer { valueBuffer in
                    keyBuffer.withMemoryRebound(to: CChar.self) { rawKey in
                        valueBuffer.withMemoryRebound(to: CChar.self) { rawValue in
                            rocksdb_writebatch_put_cf(
                                handle, column, rawKey.baseAddress, rawKey.count,
                                rawValue.baseAddress, rawValue.count)
                        }
                    }
                }
            }
        }
        if !open { isIncomplete = true }
    }

    public func delete(_ family: ColumnFamily, _ key: [UInt8]) {
        let open = database.withColumnHandle(family) { column in
            key.withUnsafeBufferPointer { keyBuffer in
                keyBuffer.withMemoryRebound(to: CChar.self) {
                    rocksdb_writebatch_delete_cf(handle, column, $0.baseAddress, $0.count)
                }
            }
        }
        if !open { isIncomplete = true }
    }

    func withHandle<T>(_ body: (OpaquePointer) -> T) -> T { body(handle) }
}

/// A RocksDB iterator lent by `RocksDatabase.withIterator` for the length of one call.
struct RocksIterator {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    /// Positions at the first key >= `key`.
    func seek(_ key: [UInt8]) {
        key.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                rocksdb_iter_seek(pointer, $0.baseAddress, $0.count)
            }
        }
    }

    /// Positions at the last key <= `key`.
    func seekForPrev(_ key: [UInt8]) {
        key.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                rocksdb_iter_seek_for_prev(pointer, $0.baseAddress, $0.count)
            }
        }
    }

    func next() { rocksdb_iter_next(pointer) }

    var isValid: Bool { rocksdb_iter_valid(pointer) != 0 }

    /// The current key; call only while `isValid`.
    var key: [UInt8] {
        var length = 0
        let bytes = rocksdb_iter_key(pointer, &length)!
        return Array(UnsafeRawBufferPointer(start: bytes, count: length))
    }

    /// The current value; call only while `isValid`.
    var value: [UInt8] {
        var length = 0
        guard let bytes = rocksdb_iter_value(pointer, &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: length))
    }

    /// An I/O error that ended the iteration early (RocksDB then reports "not valid").
    func checkError() throws(StorageError) {
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(pointer, &error)
        guard let error else { return }
        defer { rocksdb_free(error) }
        throw StorageError(String(cString: error))
    }
}
