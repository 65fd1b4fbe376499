internal import Synchronization

/// The algorithms a chain hashes and signs with, named by its genesis (`cryptoSuite`).
///
/// - `ed25519-sha256`: Ed25519 (libsodium, pinned validity rule) and SHA-256 (OpenSSL).
/// - `sm2-sm3`: the national algorithms (GM/T 0003 SM2 signatures over the recommended curve,
///   GM/T 0004 SM3 hashes, HMAC-SM3), all through OpenSSL 3.
///
/// One process serves one chain, so the suite is a process-wide choice, made once from the
/// genesis the process trusts (`activate`) before the first chain hash is taken. Every hash
/// that names something on chain (transaction and block ids, Merkle and sparse-Merkle nodes,
/// consensus statements, the genesis hash, the holder commitments' HMAC, the handshake
/// transcript) and every signature check go through the active suite, so a chain can never
/// mix suites: a key of the other algorithm neither decodes nor verifies. Why process-wide
/// rather than passed along: a hash is a property of a value throughout the code (a
/// transaction's `id`, a block's `hash`), and threading a suite through every one of them
/// would make every caller able to pick the wrong one; here none can.
public enum CryptoSuite: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case ed25519SHA256 = "ed25519-sha256"
    case sm2SM3 = "sm2-sm3"

    public var description: String { rawValue }

    public var signatureAlgorithm: SignatureAlgorithm {
        switch self {
        case .ed25519SHA256: .ed25519
        case .sm2SM3: .sm2
        }
    }

    public var hashAlgorithm: HashAlgorithm {
        switch self {
        case .ed25519SHA256: .sha256
        case .sm2SM3: .sm3
        }
    }

    // MARK: - The process's suite

    /// 0: nothing chosen yet; otherwise the chosen suite's code. Read on every chain hash, so
    /// an atomic (one relaxed load) rather than a lock.
    private static let chosen = Atomic<UInt8>(0)
    /// The SM2 distinguishing identifier (GM/T 0003.2's ID_A); written only by `activate`
    /// before the suite is fixed, read by SM2 signing and verification.
    private static let sm2UserIDStorage = Mutex<[UInt8]>(SM2.defaultUserID)

    private var code: UInt8 {
        switch self {
        case .ed25519SHA256: 1
        case .sm2SM3: 2
        }
    }

    private init?(code: UInt8) {
        switch code {
        case 1: self = .ed25519SHA256
        case 2: self = .sm2SM3
        default: return nil
        }
    }

    /// The suite of the chain this process serves. A process that never activates one uses
    /// `ed25519-sha256`, and its first read fixes that choice.
    public static var active: CryptoSuite {
        let current = chosen.load(ordering: .acquiring)
        if let suite = CryptoSuite(code: current) { return suite }
        let (_, original) = chosen.compareExchange(
            expected: 0, desired: CryptoSuite.ed25519SHA256.code, ordering: .acquiringAndReleasing)
        return CryptoSuite(code: original) ?? .ed25519SHA256
    }

    /// The SM2 user id in force (the standard's default unless genesis names another).
    public static var sm2UserID: [UInt8] { sm2UserIDStorage.withLock { $0 } }

    /// Fixes the process's suite (and, for SM2, the user id), as its genesis says. Activating
    /// the suite already in force is a no-op; any other change is refused, because hashes
    /// taken under the first suite would no longer mean what they did.
    public static func activate(
        _ suite: CryptoSuite, sm2UserID: [UInt8] = SM2.defaultUserID
    ) throws(CryptoSuiteError) {
        guard SM2.isValidUserID(sm2UserID) else { throw .invalidUserID }
        let fixed = sm2UserIDStorage.withLock { stored -> Bool in
            let (exchanged, original) = chosen.compareExchange(
                expected: 0, desired: suite.code, ordering: .acquiringAndReleasing)
            if exchanged {
                stored = sm2UserID
                return true
            }
            return original == suite.code && stored == sm2UserID
        }
        guard fixed else { throw .alreadyActive(active) }
    }

    /// Parses a genesis `cryptoSuite` value.
    public init(genesisName: String) throws(CryptoSuiteError) {
        guard let suite = CryptoSuite(rawValue: genesisName) else {
            throw .unknown(genesisName)
        }
        self = suite
    }
}

/// Why a suite could not be chosen.
public enum CryptoSuiteError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknown(String)
    case alreadyActive(CryptoSuite)
    case invalidUserID

    public var description: String {
        switch self {
        case let .unknown(name):
            "unknown crypto suite \"\(name)\" (known: "
                + CryptoSuite.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        case let .alreadyActive(suite):
            "this process already serves a chain of crypto suite \(suite) "
                + "(or another SM2 user id); one process holds one suite"
        case .invalidUserID: "the SM2 user id must be 1...\(SM2.maxUserIDBytes) bytes"
        }
    }
}

/// The signature scheme of a key or a suite.
public enum SignatureAlgorithm: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case ed25519
    case sm2

    public var description: String { rawValue }

    /// The canonical (on-chain) size of a public key: Ed25519's 32 bytes, or an SM2 point in
    /// SEC 1 compressed form (0x02/0x03 and the 32-byte x coordinate).
    public var publicKeyByteCount: Int {
        switch self {
        case .ed25519: Ed25519.publicKeyByteCount
        case .sm2: SM2.publicKeyByteCount
        }
    }

    /// The suite whose signatures this algorithm makes.
    public var suite: CryptoSuite {
        switch self {
        case .ed25519: .ed25519SHA256
        case .sm2: .sm2SM3
        }
    }
}
