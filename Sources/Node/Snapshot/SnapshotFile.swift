internal import Foundation
public import Ledger

/// The offline snapshot file (docs/node.md, "State snapshots"):
///
/// ```
/// magic   "GOVCHAIN-SNAPSHOT-1\n"  (20 bytes; the digit is the format version)
/// u32 BE  manifest length, at most SnapshotLimits.maxManifestBytes
/// bytes   SnapshotManifest (canonical)
/// bytes   chunk 0, chunk 1, ...  each exactly manifest.chunks[i].byteCount bytes
/// (end of file: trailing bytes are refused)
/// ```
///
/// No checksum: the manifest is proven by two certificates and the state root, and each
/// chunk by its subtree root, so any altered byte is caught by a check that names it.
public enum SnapshotFile {
    public static let magic = Array("GOVCHAIN-SNAPSHOT-1\n".utf8)

    /// Writes `path` through a `.partial` file renamed into place, so a stopped write
    /// leaves no file that looks whole.
    public static func write(
        manifest: SnapshotManifest, chunks: [[UInt8]], to path: String
    ) throws(SnapshotFileError) {
        precondition(chunks.count == manifest.chunks.count, "one encoding per listed chunk")
        let manifestBytes = manifest.canonicalBytes
        guard manifestBytes.count <= SnapshotLimits.maxManifestBytes else {
            throw SnapshotFileError("manifest of \(manifestBytes.count) bytes exceeds the format's limit")
        }
        let partial = path + ".partial"
        do {
            _ = FileManager.default.createFile(atPath: partial, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: partial) else {
                throw SnapshotFileError("cannot write \(partial)")
            }
            defer { try? handle.close() }
            try handle.write(contentsOf: magic)
            try handle.write(contentsOf: withUnsafeBytes(of: UInt32(manifestBytes.count).bigEndian) { Array($0) })
            try handle.write(contentsOf: manifestBytes)
            for chunk in chunks { try handle.write(contentsOf: chunk) }
            try handle.synchronize()
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch let error as SnapshotFileError {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw SnapshotFileError("writing \(path): \(error)")
        }
    }

    /// Reads a snapshot file piece by piece: the manifest first (decoded, not yet
    /// verified), then each chunk's bytes, never more than one chunk in memory.
    public final class Reader {
        public let manifest: SnapshotManifest
        private let handle: FileHandle
        private var nextIndex = 0
        let path: String

        public init(path: String) throws(SnapshotFileError) {
            self.path = path
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw SnapshotFileError("cannot read \(path)")
            }
            self.handle = handle
            let head = try Self.read(handle, SnapshotFile.magic.count + 4, what: "header", path: path)
            guard head.starts(with: SnapshotFile.magic) else {
                if head.starts(with: Array("GOVCHAIN-SNAPSHOT-".utf8)) {
                    throw SnapshotFileError("\(path) is a snapshot of a format version this build does not read")
                }
                throw SnapshotFileError("\(path) is not a GovChain snapshot")
            }
            let length = Int(head.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            guard length <= SnapshotLimits.maxManifestBytes else {
                throw SnapshotFileError("manifest of \(length) bytes exceeds the format's limit")
            }
            let bytes = try Self.read(handle, length, what: "manifest", path: path)
            do {
                manifest = try SnapshotManifest(
                    canonicalBytes: bytes, lengthLimit: SnapshotLimits.maxManifestBytes)
            } catch {
                throw SnapshotFileError("manifest does not decode: \(error)")
            }
        }

        deinit { try? handle.close() }

        /// The next chunk's bytes, or nil after the last one (then checks the file ends).
        public func nextChunk() throws(SnapshotFileError) -> (index: Int, bytes: [UInt8])? {
            guard nextIndex < manifest.chunks.count else {
                let rest: Data?
                do { rest = try handle.read(upToCount: 1) } catch {
                    throw SnapshotFileError("reading \(path): \(error)")
                }
                guard rest?.isEmpty ?? true else { throw SnapshotFileError("trailing bytes after the last chunk") }
                return nil
            }
            let index = nextIndex
            let count = Int(manifest.chunks[index].byteCount)
            guard count <= SnapshotLimits.maxChunkBytes else {
                throw SnapshotFileError("chunk \(index) of \(count) bytes exceeds the format's limit")
            }
            let bytes = try Self.read(handle, count, what: "chunk \(index)", path: path)
            nextIndex += 1
            return (index, bytes)
        }

        private static func read(
            _ handle: FileHandle, _ count: Int, what: String, path: String
        ) throws(SnapshotFileError) -> [UInt8] {
            guard count > 0 else { return [] }
            let data: Data?
            do { data = try handle.read(upToCount: count) } catch {
                throw SnapshotFileError("reading \(path): \(error)")
            }
            guard let data, data.count == count else {
                throw SnapshotFileError("\(path) is truncated in the \(what)")
            }
            return [UInt8](data)
        }
    }
}

/// A snapshot file that cannot be written or read (verification failures are
/// `SnapshotError`s).
public struct SnapshotFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
