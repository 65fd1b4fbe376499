internal import CSodium

/// The digest of a bill's printed check code (校验码) that the chain stores in place of the
/// code (docs/encoding.md section 7).
///
/// The code has only 36^6 (about 2.2e9) values, so a fast hash of it falls to brute force in
/// minutes to anyone who reads the chain. The digest is therefore Argon2id (RFC 9106,
/// libsodium's `crypto_pwhash`, `ALG_ARGON2ID13`), memory-hard and slow on purpose, salted
/// per bill so no table serves two bills. HMAC under a shared issuer/verifier key was the
/// other option; Argon2id lets any insurer verify a paper bill's code with nothing but the
/// chain, with no secret to share or leak.
///
/// The bill issuer computes it and sends only the digest; verifiers recompute it on their
/// own machine. The contracts never compute it: they never see the code. This is the one
/// definition, used by the client library, the CLI and the tests.
public enum BillCheckDigest {
    /// Domain of the salt; `v2` because `v1` was an unsalted fast hash (now gone).
    public static let saltDomain = "govchain/bill-check/v2\u{0}"
    /// Argon2id passes (t). Protocol constants: every issuer and verifier must use the same
    /// ones, or no code verifies. Chosen so one digest costs ~50-150 ms on a 2026 server
    /// core (BENCHMARKS.md, `govchain-node bench-crypto`).
    public static let opsLimit: UInt64 = 2
    /// Argon2id memory (m), in bytes: 64 MiB, libsodium's INTERACTIVE level.
    public static let memoryLimitBytes: Int = 64 << 20
    /// Argon2id output length.
    public static let digestByteCount = 32
    /// Argon2id salt length (libsodium's `crypto_pwhash_SALTBYTES`).
    public static let saltByteCount = 16
    /// A check code's length.
    public static let codeLength = 6

    /// Why a check code could not be digested.
    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// Not 6 letters or digits (0-9 A-Z a-z).
        case malformedCode
        /// libsodium could not allocate Argon2id's memory.
        case outOfMemory

        public var description: String {
            switch self {
            case .malformedCode: "a check code has 6 letters or digits (0-9 A-Z)"
            case .outOfMemory:
                "Argon2id could not allocate \(BillCheckDigest.memoryLimitBytes >> 20) MiB"
            }
        }
    }

    /// A printed check code as the digest takes it: upper case, 6 of 0-9 A-Z. Surrounding
    /// spaces are not trimmed: a caller that trims does so knowingly.
    /// - Returns: the normalised code.
    /// - Throws: `Failure.malformedCode` for anything but 6 ASCII letters or digits.
    public static func normalise(_ code: String) throws(Failure) -> String {
        let bytes = Array(code.utf8)
        let alphanumeric = bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte)
                || (0x61...0x7A).contains(byte)
        }
        guard bytes.count == codeLength, alphanumeric else { throw .malformedCode }
        return code.uppercased()
    }

    /// The per-bill salt: the first 16 bytes of `hash(saltDomain || billID)`.
    /// - Parameters:
    ///   - billID: the bill id (`M<code><number>` or `T<number>`).
    ///   - hash: the chain's hash (SHA-256, or SM3 on an `sm2-sm3` chain).
    public static func salt(billID: String, hash: HashAlgorithm = ChainHash.algorithm)
        -> [UInt8]
    {
        Array(hash.hash(Array((saltDomain + billID).utf8)).bytes.prefix(saltByteCount))
    }

    /// Computes a bill's check digest (about 0.1 s and 64 MiB: call it off any event loop).
    /// - Parameters:
    ///   - billID: the bill id (`M<code><number>` or `T<number>`).
    ///   - checkCode: the printed 校验码; normalised (`normalise`) first.
    ///   - hash: the chain's hash, for the salt. Argon2id is the KDF on both suites.
    /// - Returns: the 32-byte digest `bill.issue` carries and the bill record stores.
    /// - Throws: `Failure` for a malformed code, or when the memory cannot be had.
    public static func make(
        billID: String, checkCode: String, hash: HashAlgorithm = ChainHash.algorithm
    ) throws(Failure) -> Hash256 {
        let code = Array(try normalise(checkCode).utf8)
        return try argon2id(password: code, salt: salt(billID: billID, hash: hash))
    }

    /// Argon2id with the protocol's constants.
    private static func argon2id(password: [UInt8], salt: [UInt8]) throws(Failure) -> Hash256 {
        // libsodium is initialised once, by the first use of `Ed25519`.
        precondition(Ed25519.initialized)
        precondition(salt.count == saltByteCount, "an Argon2id salt has 16 bytes")
        var out = [UInt8](repeating: 0, count: digestByteCount)
        let status = out.withUnsafeMutableBufferPointer { output -> Int32 in
            password.withUnsafeBufferPointer { passwordBuffer in
                salt.withUnsafeBufferPointer { saltBuffer in
                    passwordBuffer.withMemoryRebound(to: CChar.self) { passwordChars in
                        // The buffers are never empty (32-byte output, 6-byte normalised
                        // code, 16-byte salt), so the base addresses exist.
                        guard let outputBase = output.baseAddress,
                            let passwordBase = passwordChars.baseAddress,
                            let saltBase = saltBuffer.baseAddress
                        else { return -1 }
                        return crypto_pwhash(
                            outputBase, UInt64(digestByteCount), passwordBase,
                            UInt64(passwordChars.count), saltBase, opsLimit, memoryLimitBytes,
                            crypto_pwhash_alg_argon2id13())
                    }
                }
            }
        }
        // The only failure with valid constants and non-empty buffers is an allocation
        // that did not succeed.
        guard status == 0 else { throw .outOfMemory }
        return Hash256(bytes: out)
    }
}
