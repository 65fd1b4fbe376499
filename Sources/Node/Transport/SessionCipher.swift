internal import CSodium

/// libsodium's one-time initialisation (idempotent, thread-safe; see ../shared/TOOLCHAIN.md).
enum Sodium {
    static let initialized: Bool = {
        precondition(sodium_init() >= 0, "libsodium failed to initialise")
        return true
    }()

    static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16
}

/// The sending half of a session: ChaCha20-Poly1305 (IETF) under one direction's key, with
/// the nonce a 64-bit frame counter (4 zero bytes || counter big-endian). A fresh ephemeral
/// key exchange per connection gives fresh keys, so a counter never repeats under one key.
///
/// The key lives in a Swift array, so it cannot be reliably wiped; it dies with the
/// connection. It is never printed (no description of the key bytes).
public struct FrameSealer: Sendable {
    private let key: [UInt8]
    public private(set) var counter: UInt64 = 0

    init(key: [UInt8]) {
        precondition(key.count == Sodium.keyByteCount, "AEAD key must be 32 bytes")
        self.key = key
    }

    /// Encrypts one frame body and advances the counter.
    public mutating func seal(_ plaintext: [UInt8]) -> [UInt8] {
        precondition(counter < UInt64.max, "frame counter exhausted")
        _ = Sodium.initialized
        var nonce = FrameNonce.make(counter)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + Sodium.tagByteCount)
        var length: UInt64 = 0
        let result = crypto_aead_chacha20poly1305_ietf_encrypt(
            &ciphertext, &length, plaintext, UInt64(plaintext.count), nil, 0, nil, &nonce, key)
        precondition(result == 0 && Int(length) == ciphertext.count, "AEAD encrypt failed")
        counter += 1
        return ciphertext
    }
}

/// The receiving half of a session: frames must arrive in order, each exactly once.
public struct FrameOpener: Sendable {
    private let key: [UInt8]
    public private(set) var counter: UInt64 = 0

    init(key: [UInt8]) {
        precondition(key.count == Sodium.keyByteCount, "AEAD key must be 32 bytes")
        self.key = key
    }

    /// Decrypts one frame body; any tampering, reordering or replay fails here.
    public mutating func open(_ ciphertext: [UInt8]) throws(FrameError) -> [UInt8] {
        guard ciphertext.count >= Sodium.tagByteCount else {
            throw .truncatedCiphertext(byteCount: ciphertext.count)
        }
        _ = Sodium.initialized
        var nonce = FrameNonce.make(counter)
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count - Sodium.tagByteCount)
        var length: UInt64 = 0
        let result = crypto_aead_chacha20poly1305_ietf_decrypt(
            &plaintext, &length, nil, ciphertext, UInt64(ciphertext.count), nil, 0, &nonce, key)
        guard result == 0 else { throw .decryptionFailed(counter: counter) }
        precondition(Int(length) == plaintext.count, "AEAD plaintext length")
        counter += 1
        return plaintext
    }
}

enum FrameNonce {
    static func make(_ counter: UInt64) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: Sodium.nonceByteCount)
        for index in 0..<8 {
            nonce[4 + index] = UInt8(truncatingIfNeeded: counter >> UInt64(56 - 8 * index))
        }
        return nonce
    }
}
