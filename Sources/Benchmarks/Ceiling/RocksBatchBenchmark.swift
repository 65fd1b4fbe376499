internal import CRocksDB
internal import Dispatch
internal import Foundation

/// Synced RocksDB write batches per second: a node commits each block (and everything it
/// changes) as one synced batch, so this is the storage side of the ceiling.
enum RocksBatchBenchmark {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Opens a fresh database under `directory`, commits synced batches of `entries` puts of
    /// `entryBytes` for `seconds`, deletes the database, and returns batches per second.
    static func run(directory: String, seconds: Double, entries: Int, entryBytes: Int) throws
        -> Double
    {
        let path = directory + "/rocks-ceiling-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let options = rocksdb_options_create()!
        defer { rocksdb_options_destroy(options) }
        rocksdb_options_set_create_if_missing(options, 1)
        var error: UnsafeMutablePointer<CChar>?
        guard let database = rocksdb_open(options, path, &error) else {
            defer { rocksdb_free(error) }
            throw Failure(
                description: "rocksdb_open \(path): \(error.map { String(cString: $0) } ?? "?")")
        }
        defer { rocksdb_close(database) }
        let sync = rocksdb_writeoptions_create()!
        defer { rocksdb_writeoptions_destroy(sync) }
        rocksdb_writeoptions_set_sync(sync, 1)
        var value = [UInt8](repeating: 0, count: entryBytes)
        for index in value.indices { value[index] = UInt8(truncatingIfNeeded: index &* 131 &+ 7) }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let start = DispatchTime.now().uptimeNanoseconds
        var batches = 0
        var keyCounter: UInt64 = 0
        while DispatchTime.now().uptimeNanoseconds < deadline {
            let batch = rocksdb_writebatch_create()!
            for _ in 0..<entries {
                keyCounter += 1
                var key = keyCounter.bigEndian
                withUnsafeBytes(of: &key) { keyBytes in
                    value.withUnsafeBytes { valueBytes in
                        rocksdb_writebatch_put(
                            batch, keyBytes.baseAddress!.assumingMemoryBound(to: CChar.self),
                            keyBytes.count,
                            valueBytes.baseAddress!.assumingMemoryBound(to: CChar.self),
                            valueBytes.count)
                    }
                }
            }
            rocksdb_write(database, sync, batch, &error)
            rocksdb_writebatch_destroy(batch)
            if let error {
                defer { rocksdb_free(error) }
                throw Failure(description: "rocksdb_write: \(String(cString: error))")
            }
            batches += 1
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(batches) / elapsed
    }
}
