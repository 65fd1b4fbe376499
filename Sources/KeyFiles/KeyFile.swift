#if canImport(Glibc)
import Glibc
#endif
public import Ledger

/// Why a key file could not be read or written. Messages name the path, never the key.
public enum KeyFileError: Error, CustomStringConvertible {
    case exists(path: String)
    case cannotWrite(path: String, errno: Int32)
    case cannotRead(path: String, errno: Int32)
    case malformed(path: String)

    public var description: String {
        switch self {
        case let .exists(path): "key file \(path) already exists; refusing to overwrite it"
        case let .cannotWrite(path, code): "cannot write key file \(path): \(String(cString: strerror(code)))"
        case let .cannotRead(path, code): "cannot read key file \(path): \(String(cString: strerror(code)))"
        case let .malformed(path): "key file \(path) is not a GovChain key file (Ed25519 or SM2)"
        }
    }
}

/// Key files: one line, `govchain-ed25519-seed:<64 hex>` (the RFC 8032 seed) or
/// `govchain-sm2-secret:<64 hex>` (the SM2 private scalar), created with mode 0600 (the file
/// is opened with that mode, so there is no moment when others can read it).
public enum KeyFile {
    static func prefix(_ algorithm: SignatureAlgorithm) -> String {
        switch algorithm {
        case .ed25519: "govchain-ed25519-seed:"
        case .sm2: "govchain-sm2-secret:"
        }
    }

    public static func write(_ key: SigningKey, to path: String) throws(KeyFileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .exists(path: path) }
            throw .cannotWrite(path: path, errno: errno)
        }
        defer { close(descriptor) }
        let contents = Array((prefix(key.algorithm) + Hex.encode(key.seed) + "\n").utf8)
        let written = contents.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(descriptor) == 0 else {
            throw .cannotWrite(path: path, errno: errno)
        }
    }

    public static func read(from path: String) throws(KeyFileError) -> SigningKey {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotRead(path: path, errno: errno) }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { throw .malformed(path: path) }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
            .filter { !$0.isWhitespace }
        for algorithm in SignatureAlgorithm.allCases where text.hasPrefix(prefix(algorithm)) {
            guard let seed = Hex.decode(String(text.dropFirst(prefix(algorithm).count))),
                  let key = try? SigningKey(seed: seed, algorithm: algorithm)
            else { throw .malformed(path: path) }
            return key
        }
        throw .malformed(path: path)
    }
}
