internal import COpenSSL

/// A 256-bit hash function through OpenSSL's libcrypto (EVP): SHA-256 (which uses the CPU's
/// SHA extensions) or SM3 (GM/T 0004-2012, GB/T 32905-2016).
public enum HashAlgorithm: String, CaseIterable, Sendable, CustomStringConvertible {
    case sha256 = "sha-256"
    case sm3 = "sm3"

    public var description: String { rawValue }

    /// Each digest algorithm is fetched once: an implicit fetch on every call costs about
    /// half of a short message's hashing time (../shared/TOOLCHAIN.md).
    private static let fetchedSHA256 = FetchedDigest(name: "SHA256")
    private static let fetchedSM3 = FetchedDigest(name: "SM3")

    var fetched: OpaquePointer {
        switch self {
        case .sha256: HashAlgorithm.fetchedSHA256.pointer
        case .sm3: HashAlgorithm.fetchedSM3.pointer
        }
    }

    public func hash(_ data: [UInt8]) -> Hash256 {
        data.withUnsafeBytes { hash(buffer: $0) }
    }

    /// Hashes the concatenation of several byte strings without concatenating them.
    public func hash(parts: [[UInt8]]) -> Hash256 {
        var hasher = Hasher256(self)
        for part in parts { hasher.update(part) }
        return hasher.finalize()
    }

    func hash(buffer: UnsafeRawBufferPointer) -> Hash256 {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBufferPointer { out in
            EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, &length, fetched, nil)
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(\(self)) failed")
        return Hash256(bytes: digest)
    }

    /// HMAC (RFC 2104) over this hash: HMAC-SHA-256 or HMAC-SM3.
    public func authenticationCode(key: [UInt8], message: [UInt8]) -> Hash256 {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBuffer in
            message.withUnsafeBytes { messageBuffer in
                HMAC(
                    fetched, keyBuffer.baseAddress, Int32(keyBuffer.count),
                    messageBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    messageBuffer.count, &out, &length
                )
            }
        }
        precondition(result != nil && length == 32, "HMAC-\(self) failed")
        return Hash256(bytes: out)
    }
}

/// The hash of the chain this process serves (`CryptoSuite.active`): every id, root and
/// transcript that names something on chain is taken through it.
public enum ChainHash {
    public static var algorithm: HashAlgorithm { CryptoSuite.active.hashAlgorithm }

    public static func hash(_ data: [UInt8]) -> Hash256 { algorithm.hash(data) }
    public static func hash(parts: [[UInt8]]) -> Hash256 { algorithm.hash(parts: parts) }
    static func hash(buffer: UnsafeRawBufferPointer) -> Hash256 { algorithm.hash(buffer: buffer) }

    /// The chain's HMAC (HMAC-SHA-256, or HMAC-SM3 under `sm2-sm3`).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> Hash256 {
        algorithm.authenticationCode(key: key, message: message)
    }
}

/// SHA-256 by name, for what is SHA-256 whatever the chain's suite (published test vectors,
/// the machine's ceiling, test fixtures).
public enum SHA256 {
    public static func hash(_ data: [UInt8]) -> Hash256 { HashAlgorithm.sha256.hash(data) }
    public static func hash(parts: [[UInt8]]) -> Hash256 { HashAlgorithm.sha256.hash(parts: parts) }
}

/// SM3 by name (GB/T 32905-2016).
public enum SM3 {
    public static func hash(_ data: [UInt8]) -> Hash256 { HashAlgorithm.sm3.hash(data) }
    public static func hash(parts: [[UInt8]]) -> Hash256 { HashAlgorithm.sm3.hash(parts: parts) }
}

/// Incremental hashing for long or many-part inputs. Not shareable across threads: each
/// task makes its own (an OpenSSL digest context is single-threaded).
public struct Hasher256: ~Copyable {
    private let context: OpaquePointer

    /// - Parameter algorithm: the chain's hash unless named.
    public init(_ algorithm: HashAlgorithm = ChainHash.algorithm) {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed") }
        precondition(EVP_DigestInit_ex(context, algorithm.fetched, nil) == 1, "DigestInit failed")
        self.context = context
    }

    public mutating func update(_ data: [UInt8]) {
        data.withUnsafeBytes { buffer in
            precondition(
                EVP_DigestUpdate(context, buffer.baseAddress, buffer.count) == 1,
                "DigestUpdate failed")
        }
    }

    public consuming func finalize() -> Hash256 {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(
            EVP_DigestFinal_ex(context, &digest, &length) == 1 && length == 32,
            "DigestFinal failed")
        return Hash256(bytes: digest)
    }

    deinit { EVP_MD_CTX_free(context) }
}

/// A fetched EVP_MD.
/// @unchecked Sendable: an EVP_MD is immutable after EVP_MD_fetch and OpenSSL documents
/// fetched algorithms as safe to share between threads; it lives for the process.
private final class FetchedDigest: @unchecked Sendable {
    let pointer: OpaquePointer

    init(name: String) {
        guard let pointer = EVP_MD_fetch(nil, name, nil) else {
            preconditionFailure("OpenSSL has no \(name) implementation")
        }
        self.pointer = pointer
    }
}
