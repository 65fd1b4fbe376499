internal import CSodium

/// Ed25519 through libsodium.
///
/// The validity rule every node applies (pinned here, not left to a library version):
/// a signature is valid only if
/// 1. S, the second half of the signature, is a canonical scalar (S < L);
/// 2. R and the public key A are canonical point encodings (y < 2^255 - 19);
/// 3. libsodium's strict verification accepts it (it also rejects small-order R and A).
/// Rules 1 and 2 are checked here explicitly so that a libsodium built with
/// ED25519_COMPAT, or a future change in it, cannot make nodes disagree.
public enum Ed25519 {
    public static let publicKeyByteCount = 32
    public static let signatureByteCount = 64
    public static let seedByteCount = 32

    static let initialized: Bool = {
        precondition(sodium_init() >= 0, "libsodium failed to initialise")
        return true
    }()

    /// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let groupOrder: [UInt8] = [
        0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ]

    /// True when the 32 little-endian bytes are a scalar below L.
    static func isCanonicalScalar(_ bytes: ArraySlice<UInt8>) -> Bool {
        precondition(bytes.count == 32)
        let base = bytes.startIndex
        for index in stride(from: 31, through: 0, by: -1) {
            let byte = bytes[base + index]
            if byte < groupOrder[index] { return true }
            if byte > groupOrder[index] { return false }
        }
        return false  // equal to L
    }

    /// True when the encoded y coordinate is below p = 2^255 - 19 (the sign bit is ignored).
    static func isCanonicalPointEncoding(_ bytes: ArraySlice<UInt8>) -> Bool {
        precondition(bytes.count == 32)
        let base = bytes.startIndex
        guard bytes[base + 31] & 0x7F == 0x7F else { return true }
        for index in 1...30 where bytes[base + index] != 0xFF { return true }
        return bytes[base] < 0xED
    }
}

/// An Ed25519 public key: a validator's node key or an organisation's signing key.
public struct PublicKey: Hashable, Comparable, Sendable, CanonicalCodable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Accepts only 32 bytes that are a canonical point encoding.
    public init(bytes: [UInt8]) throws(CodecError) {
        guard bytes.count == Ed25519.publicKeyByteCount else {
            throw .invalidValue(type: "PublicKey", reason: "expected 32 bytes, got \(bytes.count)")
        }
        guard Ed25519.isCanonicalPointEncoding(bytes[...]) else {
            throw .invalidValue(type: "PublicKey", reason: "non-canonical point encoding")
        }
        self.bytes = bytes
    }

    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), let key = try? PublicKey(bytes: bytes) else { return nil }
        self = key
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    /// Checks `signature` over `message` under the pinned validity rule (see `Ed25519`).
    public func isValidSignature(_ signature: Signature, for message: [UInt8]) -> Bool {
        _ = Ed25519.initialized
        guard Ed25519.isCanonicalScalar(signature.bytes[32..<64]) else { return false }
        guard Ed25519.isCanonicalPointEncoding(signature.bytes[0..<32]) else { return false }
        let result = signature.bytes.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                bytes.withUnsafeBufferPointer { key in
                    crypto_sign_verify_detached(
                        sig.baseAddress!, msg.baseAddress, UInt64(msg.count), key.baseAddress!
                    )
                }
            }
        }
        return result == 0
    }

    public static func < (lhs: PublicKey, rhs: PublicKey) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(fixed: bytes)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        try self.init(bytes: try decoder.decodeFixed(count: Ed25519.publicKeyByteCount))
    }
}

/// A 64-byte Ed25519 signature (R || S).
public struct Signature: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(CodecError) {
        guard bytes.count == Ed25519.signatureByteCount else {
            throw .invalidValue(type: "Signature", reason: "expected 64 bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), let signature = try? Signature(bytes: bytes) else {
            return nil
        }
        self = signature
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(fixed: bytes)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        try self.init(bytes: try decoder.decodeFixed(count: Ed25519.signatureByteCount))
    }
}

/// An Ed25519 private key. Its description never shows the secret, so a key that ends up
/// in a log line or an error message leaks nothing.
public struct SigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The 32-byte RFC 8032 seed; everything else derives from it.
    public let seed: [UInt8]
    public let publicKey: PublicKey
    private let expandedSecret: [UInt8]  // libsodium's 64-byte form (seed || public key)

    /// Derives the key pair from a 32-byte seed.
    public init(seed: [UInt8]) throws(CodecError) {
        guard seed.count == Ed25519.seedByteCount else {
            throw .invalidValue(type: "SigningKey", reason: "expected a 32-byte seed")
        }
        _ = Ed25519.initialized
        var publicBytes = [UInt8](repeating: 0, count: 32)
        var secretBytes = [UInt8](repeating: 0, count: 64)
        let result = crypto_sign_seed_keypair(&publicBytes, &secretBytes, seed)
        precondition(result == 0, "crypto_sign_seed_keypair failed")
        self.seed = seed
        self.expandedSecret = secretBytes
        self.publicKey = try PublicKey(bytes: publicBytes)
    }

    /// A fresh key from the operating system's random source (libsodium's randombytes).
    public static func generate() -> SigningKey {
        _ = Ed25519.initialized
        var seed = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&seed, 32)
        // A 32-byte seed always derives a key.
        return try! SigningKey(seed: seed)
    }

    /// Deterministic key for tests and simulations (never for production keys).
    public static func deterministic(label: String) -> SigningKey {
        try! SigningKey(seed: SHA256.hash(Array("govchain/test-key/\(label)".utf8)).bytes)
    }

    public func sign(_ message: [UInt8]) -> Signature {
        var signature = [UInt8](repeating: 0, count: 64)
        var length: UInt64 = 0
        let result = crypto_sign_detached(&signature, &length, message, UInt64(message.count), expandedSecret)
        precondition(result == 0 && length == 64, "crypto_sign_detached failed")
        return try! Signature(bytes: signature)
    }

    public var description: String { "SigningKey(public: \(publicKey.hex), secret: <redacted>)" }
    public var debugDescription: String { description }
}
