internal import COpenSSL

/// SHA-256 through OpenSSL's libcrypto (EVP), which uses the CPU's SHA extensions.
public enum SHA256 {
    /// The digest algorithm is fetched once: an implicit fetch on every call costs about
    /// half of a short message's hashing time (../shared/TOOLCHAIN.md).
    private static let algorithm = FetchedDigest()

    public static func hash(_ data: [UInt8]) -> Hash256 {
        data.withUnsafeBytes { hash(buffer: $0) }
    }

    /// Hashes the concatenation of several byte strings without concatenating them.
    public static func hash(parts: [[UInt8]]) -> Hash256 {
        var hasher = SHA256Hasher()
        for part in parts { hasher.update(part) }
        return hasher.finalize()
    }

    static func hash(buffer: UnsafeRawBufferPointer) -> Hash256 {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBufferPointer { out in
            EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, &length, algorithm.pointer, nil)
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return Hash256(bytes: digest)
    }

    fileprivate static var algorithmPointer: OpaquePointer { algorithm.pointer }
}

/// Incremental SHA-256 for long or many-part inputs. Not shareable across threads: each
/// task makes its own (an OpenSSL digest context is single-threaded).
public struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed") }
        precondition(EVP_DigestInit_ex(context, SHA256.algorithmPointer, nil) == 1, "DigestInit failed")
        self.context = context
    }

    public mutating func update(_ data: [UInt8]) {
        data.withUnsafeBytes { buffer in
            precondition(EVP_DigestUpdate(context, buffer.baseAddress, buffer.count) == 1, "DigestUpdate failed")
        }
    }

    public consuming func finalize() -> Hash256 {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1 && length == 32, "DigestFinal failed")
        return Hash256(bytes: digest)
    }

    deinit { EVP_MD_CTX_free(context) }
}

/// The fetched EVP_MD for SHA-256.
/// @unchecked Sendable: an EVP_MD is immutable after EVP_MD_fetch and OpenSSL documents
/// fetched algorithms as safe to share between threads; it lives for the process.
private final class FetchedDigest: @unchecked Sendable {
    let pointer: OpaquePointer

    init() {
        guard let pointer = EVP_MD_fetch(nil, "SHA256", nil) else {
            preconditionFailure("OpenSSL has no SHA256 implementation")
        }
        self.pointer = pointer
    }
}

/// HMAC-SHA-256 (RFC 2104), used for keyed commitments to personal identifiers.
public enum HMACSHA256 {
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> Hash256 {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBuffer in
            message.withUnsafeBytes { messageBuffer in
                HMAC(
                    EVP_sha256(), keyBuffer.baseAddress, Int32(keyBuffer.count),
                    messageBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    messageBuffer.count, &out, &length
                )
            }
        }
        precondition(result != nil && length == 32, "HMAC-SHA-256 failed")
        return Hash256(bytes: out)
    }
}
