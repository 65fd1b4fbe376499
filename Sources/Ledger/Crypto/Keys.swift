internal import CSodium

/// A public key: a validator's node key or an organisation's signing key, Ed25519 (32 bytes)
/// or SM2 (33 bytes, compressed). The length tells the algorithm apart wherever a key
/// arrives as hex; the canonical decoder reads the active suite's length.
public struct PublicKey: Hashable, Comparable, Sendable, CanonicalCodable, CustomStringConvertible {
    public let bytes: [UInt8]
    /// The imported OpenSSL key of an SM2 key, made once when the key is decoded.
    private let sm2: SM2.KeyHandle?

    /// Accepts 32 bytes that are a canonical Ed25519 point encoding, or 33 bytes that are a
    /// canonical compressed SM2 point on the curve.
    public init(bytes: [UInt8]) throws(CodecError) {
        switch bytes.count {
        case Ed25519.publicKeyByteCount:
            guard Ed25519.isCanonicalPointEncoding(bytes[...]) else {
                throw .invalidValue(type: "PublicKey", reason: "non-canonical point encoding")
            }
            sm2 = nil
        case SM2.publicKeyByteCount:
            guard let point = SM2.uncompressedPoint(fromCompressed: bytes) else {
                throw .invalidValue(type: "PublicKey", reason: "not a compressed SM2 curve point")
            }
            guard let handle = SM2.KeyHandle(point: point, privateScalar: nil) else {
                throw .invalidValue(type: "PublicKey", reason: "OpenSSL refused the SM2 key")
            }
            sm2 = handle
        default:
            throw .invalidValue(
                type: "PublicKey",
                reason: "expected 32 (Ed25519) or 33 (SM2) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    init(sm2Compressed bytes: [UInt8], handle: SM2.KeyHandle) {
        self.bytes = bytes
        self.sm2 = handle
    }

    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), let key = try? PublicKey(bytes: bytes) else { return nil }
        self = key
    }

    public var algorithm: SignatureAlgorithm { sm2 == nil ? .ed25519 : .sm2 }
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    /// The chain's rule: the signature is valid under this key's algorithm AND that is the
    /// algorithm of the chain this process serves (a chain never accepts the other suite's
    /// signatures).
    public func isValidSignature(_ signature: Signature, for message: [UInt8]) -> Bool {
        algorithm == CryptoSuite.active.signatureAlgorithm && verifies(signature, for: message)
    }

    /// The algorithm's own rule, whatever the chain: for tools and tests that check a key of
    /// either suite (the SM2 user id is the active one, the standard's default unless genesis
    /// named another).
    public func verifies(_ signature: Signature, for message: [UInt8]) -> Bool {
        if let sm2 {
            guard SM2.isCanonicalSignature(signature.bytes) else { return false }
            return sm2.verify(signature.bytes, message: message, userID: CryptoSuite.sm2UserID)
        }
        return verifiesEd25519(signature, for: message)
    }

    /// Ed25519 under the pinned validity rule (see `Ed25519`).
    private func verifiesEd25519(_ signature: Signature, for message: [UInt8]) -> Bool {
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

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    public static func < (lhs: PublicKey, rhs: PublicKey) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(fixed: bytes)
    }

    /// Reads a key of the active suite's algorithm (its length is fixed by the suite).
    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        let count = CryptoSuite.active.signatureAlgorithm.publicKeyByteCount
        try self.init(bytes: try decoder.decodeFixed(count: count))
    }
}

/// A 64-byte signature: Ed25519's R || S, or SM2's r || s (big-endian, each 32 bytes).
public struct Signature: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public static let byteCount = 64
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(CodecError) {
        guard bytes.count == Signature.byteCount else {
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
        try self.init(bytes: try decoder.decodeFixed(count: Signature.byteCount))
    }
}

/// A private key of either algorithm. Its description never shows the secret, so a key that
/// ends up in a log line or an error message leaks nothing.
public struct SigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let algorithm: SignatureAlgorithm
    /// The 32 secret bytes everything else derives from: the RFC 8032 seed of an Ed25519
    /// key, the private scalar d of an SM2 key.
    public let seed: [UInt8]
    public let publicKey: PublicKey
    private let secret: Secret

    private enum Secret: Sendable {
        case ed25519(expanded: [UInt8])  // libsodium's 64-byte form (seed || public key)
        case sm2(SM2.KeyHandle)
    }

    /// Derives the key pair from its 32 secret bytes (an Ed25519 seed, or an SM2 scalar in
    /// 1 ... n - 2).
    public init(seed: [UInt8], algorithm: SignatureAlgorithm = .ed25519) throws(CodecError) {
        guard seed.count == 32 else {
            throw .invalidValue(type: "SigningKey", reason: "expected 32 secret bytes")
        }
        self.algorithm = algorithm
        self.seed = seed
        switch algorithm {
        case .ed25519:
            _ = Ed25519.initialized
            var publicBytes = [UInt8](repeating: 0, count: 32)
            var secretBytes = [UInt8](repeating: 0, count: 64)
            guard crypto_sign_seed_keypair(&publicBytes, &secretBytes, seed) == 0 else {
                throw .invalidValue(type: "SigningKey", reason: "libsodium refused the seed")
            }
            secret = .ed25519(expanded: secretBytes)
            publicKey = try PublicKey(bytes: publicBytes)
        case .sm2:
            guard let point = SM2.publicPoint(ofPrivate: seed),
                  let pair = SM2.KeyHandle(point: point.full, privateScalar: seed),
                  let publicHandle = SM2.KeyHandle(point: point.full, privateScalar: nil)
            else {
                throw .invalidValue(type: "SigningKey", reason: "not an SM2 private key (1...n-2)")
            }
            secret = .sm2(pair)
            publicKey = PublicKey(sm2Compressed: point.compressed, handle: publicHandle)
        }
    }

    /// A fresh key from the operating system's random source (libsodium's randombytes).
    public static func generate(_ algorithm: SignatureAlgorithm = .ed25519) -> SigningKey {
        _ = Ed25519.initialized
        var seed = [UInt8](repeating: 0, count: 32)
        switch algorithm {
        case .ed25519: randombytes_buf(&seed, 32)
        case .sm2: seed = SM2.randomPrivateScalar()
        }
        // A 32-byte seed always derives an Ed25519 key; the SM2 scalar was drawn in range.
        return try! SigningKey(seed: seed, algorithm: algorithm)
    }

    /// Deterministic key for tests and simulations (never for production keys), of the
    /// active suite's algorithm unless named.
    public static func deterministic(
        label: String, algorithm: SignatureAlgorithm = CryptoSuite.active.signatureAlgorithm
    ) -> SigningKey {
        var seed = SHA256.hash(Array("govchain/test-key/\(label)".utf8)).bytes
        // An SM2 scalar outside 1 ... n-2 (probability about 2^-32) is hashed again.
        while true {
            if let key = try? SigningKey(seed: seed, algorithm: algorithm) { return key }
            seed = SHA256.hash(seed).bytes
        }
    }

    public func sign(_ message: [UInt8]) -> Signature {
        switch secret {
        case let .ed25519(expanded):
            var signature = [UInt8](repeating: 0, count: 64)
            var length: UInt64 = 0
            let result = crypto_sign_detached(
                &signature, &length, message, UInt64(message.count), expanded)
            precondition(result == 0 && length == 64, "crypto_sign_detached failed")
            return try! Signature(bytes: signature)
        case let .sm2(pair):
            // OpenSSL fails here only when it cannot allocate; a signer cannot go on then.
            guard let raw = pair.sign(message, userID: CryptoSuite.sm2UserID) else {
                preconditionFailure("SM2 signing failed in OpenSSL")
            }
            return try! Signature(bytes: raw)
        }
    }

    public var description: String {
        "SigningKey(\(algorithm), public: \(publicKey.hex), secret: <redacted>)"
    }
    public var debugDescription: String { description }
}
