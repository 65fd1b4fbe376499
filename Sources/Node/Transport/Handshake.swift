internal import CSodium
public import Ledger
internal import NIOConcurrencyHelpers

// The peer handshake, as a pure state machine over byte strings (no sockets), so every
// refusal can be tested directly. Protocol, version 1:
//
//   both sides, at once:  hello = version u8 | chainID string | genesisHash 32 |
//                                 static key (32 Ed25519 / 33 SM2) | ephemeral X25519 key 32
//   both sides derive per-direction keys with crypto_kx (the dialer is the kx client), then
//   send, as AEAD frame 0:  auth = signature (64 bytes) by the static key over
//       H("govchain/p2p/auth/v1" | role u8 | transcript)
//       transcript = H("govchain/p2p/transcript/v1" | dialer hello | listener hello)
//   H and the signature are the chain's suite (SHA-256 + Ed25519, or SM3 + SM2). The channel
//   itself stays X25519 + ChaCha20-Poly1305 under either suite: it protects the link, and
//   every statement that counts on chain is signed and hashed under the suite.
//
// After the handshake every frame is an AEAD ciphertext (see FrameSealer); an empty
// plaintext is a keepalive.
//
// The role byte keeps a signature made as dialer from being replayed as a listener's. The
// signature covers both ephemeral keys, so a man in the middle who swaps them cannot also
// produce the signatures; and the auth frame only decrypts under keys from the real
// exchange. A peer is accepted only if its static key is a validator's or an admitted
// follower's (`PeerAdmission`), is not ours, and (when we dialed) is the key genesis lists at
// that address.

/// What a node proves and checks during a handshake.
public struct HandshakeConfiguration: Sendable {
    public let identity: SigningKey
    public let chainID: String
    public let genesisHash: Hash256
    /// The genesis set.
    public let validators: ValidatorSet
    /// The keys accepted: the genesis set's, those of every set governance added since, and
    /// the admitted followers' (the node learns them from its executed state,
    /// `PeerTransport.admit` and `admitFollowers`).
    public let admission: PeerAdmission

    public init(
        identity: SigningKey, chainID: String, genesisHash: Hash256, validators: ValidatorSet
    ) {
        self.identity = identity
        self.chainID = chainID
        self.genesisHash = genesisHash
        self.validators = validators
        self.admission = PeerAdmission(validators.validators.map(\.networkKey))
    }
}

/// The peer keys a node accepts (shared, locked): the network key of every validator of
/// every set it has known (a removed validator may stay connected, its votes fail
/// verification), except keys governance rotated away (`revoke`: a replaced network key is
/// refused and dropped, so rotating a leaked key shuts it out), and the follower keys
/// governance admits now (replaced as governance changes them: a removed follower is refused
/// and dropped).
public final class PeerAdmission: Sendable {
    struct Keys {
        var validators: Set<PublicKey>
        var followers: Set<PublicKey> = []
    }

    private let keys: NIOLockedValueBox<Keys>

    init(_ validators: [PublicKey]) { self.keys = NIOLockedValueBox(Keys(validators: Set(validators))) }

    public func admits(_ key: PublicKey) -> Bool {
        keys.withLockedValue { $0.validators.contains(key) || $0.followers.contains(key) }
    }

    /// Whether `key` belongs to a validator of some set this node knows.
    public func isValidator(_ key: PublicKey) -> Bool { keys.withLockedValue { $0.validators.contains(key) } }

    /// Adds validator keys. - Returns: those that were not validator keys before.
    func add(_ newKeys: [PublicKey]) -> [PublicKey] {
        keys.withLockedValue { admitted in newKeys.filter { admitted.validators.insert($0).inserted } }
    }

    /// Withdraws validator keys (rotated away). - Returns: those that were admitted and are
    /// no longer (a key that is also a follower's stays admitted as one).
    func revoke(_ oldKeys: [PublicKey]) -> [PublicKey] {
        keys.withLockedValue { admitted in
            oldKeys.filter { admitted.validators.remove($0) != nil && !admitted.followers.contains($0) }
        }
    }

    /// Replaces the follower keys. - Returns: the keys admitted now and not before, and those
    /// no longer admitted at all (a follower that became a validator stays admitted).
    func replaceFollowers(_ followers: Set<PublicKey>) -> (added: [PublicKey], removed: [PublicKey]) {
        keys.withLockedValue { admitted in
            let added = followers.subtracting(admitted.followers).subtracting(admitted.validators)
            let removed = admitted.followers.subtracting(followers).subtracting(admitted.validators)
            admitted.followers = followers
            return (added.sorted(), removed.sorted())
        }
    }
}

/// The first message each side sends, in plaintext.
public struct PeerHello: Hashable, Sendable, CanonicalCodable {
    public static let currentVersion: UInt8 = 1
    public static let maxChainIDBytes = 128

    public var version: UInt8
    public var chainID: String
    public var genesisHash: Hash256
    public var staticKey: PublicKey
    public var ephemeralKey: [UInt8]

    public init(
        version: UInt8 = PeerHello.currentVersion, chainID: String, genesisHash: Hash256,
        staticKey: PublicKey, ephemeralKey: [UInt8]
    ) {
        self.version = version
        self.chainID = chainID
        self.genesisHash = genesisHash
        self.staticKey = staticKey
        self.ephemeralKey = ephemeralKey
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(version)
        encoder.encode(chainID)
        encoder.encode(genesisHash)
        encoder.encode(staticKey)
        encoder.encode(fixed: ephemeralKey)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        version = try decoder.decode(UInt8.self)
        guard version == PeerHello.currentVersion else {
            throw .unsupportedVersion(type: "PeerHello", version: version)
        }
        chainID = try decoder.decode(String.self, limit: PeerHello.maxChainIDBytes)
        genesisHash = try decoder.decode(Hash256.self)
        staticKey = try decoder.decode(PublicKey.self)
        ephemeralKey = try decoder.decodeFixed(count: 32)
    }
}

/// An authenticated session: the peer's proven key and the two directions' ciphers.
public struct SecureSession: Sendable {
    public let peer: PublicKey
    public var sealer: FrameSealer
    public var opener: FrameOpener
}

/// One side of one handshake. Drive it with `hello` (send), `receiveHello` (send the
/// result), `receiveAuth` (the session).
public struct Handshake: Sendable {
    public enum Role: UInt8, Sendable {
        case dialer = 1
        case listener = 2
    }

    private enum State: Sendable {
        case awaitingHello
        case awaitingAuth(
            peer: PublicKey, transcript: Hash256, sealer: FrameSealer, opener: FrameOpener)
        case finished
    }

    static let transcriptTag = Array("govchain/p2p/transcript/v1".utf8)
    static let authTag = Array("govchain/p2p/auth/v1".utf8)

    public let role: Role
    public let configuration: HandshakeConfiguration
    /// For a dialed connection: the key genesis lists at the address we dialed.
    public let expectedPeer: PublicKey?
    /// Our encoded hello: the first frame to send.
    public let hello: [UInt8]
    private let ephemeralPublic: [UInt8]
    private let ephemeralSecret: [UInt8]
    private var state: State = .awaitingHello

    /// - Parameter ephemeralSeed: 32 bytes for a reproducible ephemeral key in tests;
    ///   nil (the default) draws it from libsodium's random source.
    public init(
        configuration: HandshakeConfiguration, role: Role, expectedPeer: PublicKey? = nil,
        ephemeralSeed: [UInt8]? = nil
    ) {
        _ = Sodium.initialized
        var publicKey = [UInt8](repeating: 0, count: 32)
        var secretKey = [UInt8](repeating: 0, count: 32)
        if let ephemeralSeed {
            precondition(ephemeralSeed.count == 32, "ephemeral seed must be 32 bytes")
            precondition(crypto_kx_seed_keypair(&publicKey, &secretKey, ephemeralSeed) == 0)
        } else {
            precondition(crypto_kx_keypair(&publicKey, &secretKey) == 0)
        }
        self.role = role
        self.configuration = configuration
        self.expectedPeer = expectedPeer
        self.ephemeralPublic = publicKey
        self.ephemeralSecret = secretKey
        let hello = PeerHello(
            chainID: configuration.chainID, genesisHash: configuration.genesisHash,
            staticKey: configuration.identity.publicKey, ephemeralKey: publicKey)
        self.hello = hello.canonicalBytes
    }

    /// Checks the peer's hello and returns our auth frame body (already encrypted).
    public mutating func receiveHello(_ bytes: [UInt8]) throws(HandshakeError) -> [UInt8] {
        try receiveHello(bytes, signingAs: role)
    }

    /// `signingAs` other than `role` signs a different statement than the peer checks: the
    /// tests' stand-in for a signature over a tampered transcript.
    mutating func receiveHello(
        _ bytes: [UInt8], signingAs signingRole: Role
    ) throws(HandshakeError) -> [UInt8] {
        guard case .awaitingHello = state else { throw .outOfOrder("hello received twice") }
        state = .finished  // any throw below leaves the handshake dead
        let peerHello = try validate(hello: bytes)
        var (sealer, opener) = try deriveCiphers(peerEphemeral: peerHello.ephemeralKey)
        let (dialerHello, listenerHello) = role == .dialer ? (hello, bytes) : (bytes, hello)
        let transcript = ChainHash.hash(
            parts: [Handshake.transcriptTag, dialerHello, listenerHello])
        let signature = configuration.identity.sign(
            Handshake.signedBytes(role: signingRole, transcript))
        let auth = sealer.seal(signature.bytes)
        state = .awaitingAuth(
            peer: peerHello.staticKey, transcript: transcript, sealer: sealer, opener: opener)
        return auth
    }

    /// Decrypts and checks the peer's auth frame; on success the session is ready.
    public mutating func receiveAuth(_ bytes: [UInt8]) throws(HandshakeError) -> SecureSession {
        guard case .awaitingAuth(let peer, let transcript, let sealer, var opener) = state else {
            throw .outOfOrder("auth before hello")
        }
        state = .finished
        let plaintext: [UInt8]
        do { plaintext = try opener.open(bytes) } catch { throw .authDecryptionFailed }
        guard plaintext.count == 64, let signature = try? Signature(bytes: plaintext) else {
            throw .malformedAuth(byteCount: plaintext.count)
        }
        let peerRole: Role = role == .dialer ? .listener : .dialer
        guard
            peer.isValidSignature(signature, for: Handshake.signedBytes(role: peerRole, transcript))
        else { throw .badSignature(peer) }
        return SecureSession(peer: peer, sealer: sealer, opener: opener)
    }

    static func signedBytes(role: Role, _ transcript: Hash256) -> [UInt8] {
        ChainHash.hash(parts: [authTag, [role.rawValue], transcript.bytes]).bytes
    }

    private func validate(hello bytes: [UInt8]) throws(HandshakeError) -> PeerHello {
        let peerHello: PeerHello
        do {
            peerHello = try PeerHello(canonicalBytes: bytes)
        } catch let .unsupportedVersion(_, version) {
            throw .unsupportedVersion(version)
        } catch {
            throw .malformedHello(reason: error.description)
        }
        guard peerHello.chainID == configuration.chainID else {
            throw .chainMismatch(expected: configuration.chainID, received: peerHello.chainID)
        }
        guard peerHello.genesisHash == configuration.genesisHash else {
            throw .genesisMismatch(
                expected: configuration.genesisHash, received: peerHello.genesisHash)
        }
        guard peerHello.staticKey != configuration.identity.publicKey else { throw .selfConnection }
        guard configuration.admission.admits(peerHello.staticKey) else {
            throw .unknownPeer(peerHello.staticKey)
        }
        if let expectedPeer, expectedPeer != peerHello.staticKey {
            throw .unexpectedPeer(expected: expectedPeer, received: peerHello.staticKey)
        }
        return peerHello
    }

    private func deriveCiphers(
        peerEphemeral: [UInt8]
    ) throws(HandshakeError) -> (FrameSealer, FrameOpener) {
        var receiveKey = [UInt8](repeating: 0, count: 32)
        var transmitKey = [UInt8](repeating: 0, count: 32)
        // Both functions refuse (return -1) a peer key that gives an all-zero shared secret.
        let result: Int32
        switch role {
        case .dialer:
            result = crypto_kx_client_session_keys(
                &receiveKey, &transmitKey, ephemeralPublic, ephemeralSecret, peerEphemeral)
        case .listener:
            result = crypto_kx_server_session_keys(
                &receiveKey, &transmitKey, ephemeralPublic, ephemeralSecret, peerEphemeral)
        }
        guard result == 0 else { throw .invalidEphemeralKey }
        return (FrameSealer(key: transmitKey), FrameOpener(key: receiveKey))
    }
}
