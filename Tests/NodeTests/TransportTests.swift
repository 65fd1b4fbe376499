import Ledger
import NIOCore
import Testing

@testable import Node

// Setup: deterministic keys, one chain id and genesis hash; the handshake is driven by
// hand, byte string to byte string, with no sockets.
// Test: every refusal the issue lists, the AEAD framing, and the frame-length guard.
@Suite("Transport")
struct TransportTests {
    static let chainID = "govchain-transport-test"
    static let genesisHash = SHA256.hash(Array("transport-test-genesis".utf8))

    static func keys(_ count: Int, label: String = "transport") -> [SigningKey] {
        (0..<count).map { SigningKey.deterministic(label: "\(label)-\($0)") }
    }

    /// The set of nodes whose transport keys (network keys) are `keys`; each consensus key
    /// is derived from its network key (the transport never sees it).
    static func validatorSet(_ keys: [SigningKey], ports: [Int]? = nil) -> ValidatorSet {
        ValidatorSet(
            keys.enumerated().map { index, key in
                Validator(
                    name: "node\(index)",
                    publicKey: SigningKey.deterministic(label: "consensus:" + key.publicKey.hex).publicKey,
                    address: "127.0.0.1:\(ports?[index] ?? 26600 + index)", networkKey: key.publicKey)
            })
    }

    static func configuration(
        _ key: SigningKey, _ validators: ValidatorSet, chainID: String = chainID,
        genesisHash: Hash256 = genesisHash
    ) -> HandshakeConfiguration {
        HandshakeConfiguration(
            identity: key, chainID: chainID, genesisHash: genesisHash, validators: validators)
    }

    /// Runs both sides to completion (hellos cross, then auths cross).
    static func complete(
        _ dialer: inout Handshake, _ listener: inout Handshake
    ) throws
        -> (SecureSession, SecureSession)
    {
        let dialerAuth = try dialer.receiveHello(listener.hello)
        let listenerAuth = try listener.receiveHello(dialer.hello)
        return (try dialer.receiveAuth(listenerAuth), try listener.receiveAuth(dialerAuth))
    }

    @Test("handshake: two validators complete it and derive matching session keys")
    func handshakeCompletes() throws {
        let keys = Self.keys(2)
        let validators = Self.validatorSet(keys)
        var dialer = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .dialer,
            expectedPeer: keys[1].publicKey)
        var listener = Handshake(
            configuration: Self.configuration(keys[1], validators), role: .listener)
        var (dialerSession, listenerSession) = try Self.complete(&dialer, &listener)
        #expect(dialerSession.peer == keys[1].publicKey)
        #expect(listenerSession.peer == keys[0].publicKey)
        for message in [[UInt8](), Array("vote".utf8), [UInt8](repeating: 7, count: 5000)] {
            let there = dialerSession.sealer.seal(message)
            #expect(try listenerSession.opener.open(there) == message)
            let back = listenerSession.sealer.seal(message)
            #expect(try dialerSession.opener.open(back) == message)
            #expect(there != back, "each direction has its own key")
        }
    }

    @Test("handshake: a key outside the validator set is refused")
    func unknownKeyRefused() throws {
        let keys = Self.keys(3)
        let genesis = Self.validatorSet(Array(keys[0...1]))
        let mallory = Handshake(
            configuration: Self.configuration(keys[2], Self.validatorSet(keys)), role: .dialer)
        var listener = Handshake(
            configuration: Self.configuration(keys[0], genesis), role: .listener)
        #expect(throws: HandshakeError.unknownPeer(keys[2].publicKey)) {
            try listener.receiveHello(mallory.hello)
        }
    }

    @Test("handshake: a dialed address answering with another validator's key is refused")
    func unexpectedPeerRefused() throws {
        let keys = Self.keys(3)
        let validators = Self.validatorSet(keys)
        var dialer = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .dialer,
            expectedPeer: keys[1].publicKey)
        let impostor = Handshake(
            configuration: Self.configuration(keys[2], validators), role: .listener)
        #expect(
            throws: HandshakeError.unexpectedPeer(
                expected: keys[1].publicKey, received: keys[2].publicKey)
        ) {
            try dialer.receiveHello(impostor.hello)
        }
    }

    @Test("handshake: a connection from our own key is refused")
    func selfConnectionRefused() throws {
        let keys = Self.keys(2)
        let validators = Self.validatorSet(keys)
        let twin = Handshake(configuration: Self.configuration(keys[0], validators), role: .dialer)
        var listener = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .listener)
        #expect(throws: HandshakeError.selfConnection) { try listener.receiveHello(twin.hello) }
    }

    @Test("handshake: a wrong chain id or genesis hash is refused")
    func wrongChainRefused() throws {
        let keys = Self.keys(2)
        let validators = Self.validatorSet(keys)
        let otherChain = Handshake(
            configuration: Self.configuration(keys[1], validators, chainID: "other-chain"),
            role: .dialer)
        var listener = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .listener)
        #expect(
            throws: HandshakeError.chainMismatch(expected: Self.chainID, received: "other-chain")
        ) {
            try listener.receiveHello(otherChain.hello)
        }
        let otherGenesis = SHA256.hash(Array("other".utf8))
        let forked = Handshake(
            configuration: Self.configuration(keys[1], validators, genesisHash: otherGenesis),
            role: .dialer)
        var listener2 = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .listener)
        #expect(
            throws: HandshakeError.genesisMismatch(
                expected: Self.genesisHash, received: otherGenesis)
        ) {
            try listener2.receiveHello(forked.hello)
        }
    }

    @Test("handshake: garbage, truncated and future-version hellos are refused")
    func malformedHelloRefused() throws {
        let keys = Self.keys(2)
        let validators = Self.validatorSet(keys)
        let honest = Handshake(
            configuration: Self.configuration(keys[1], validators), role: .dialer)
        var future = honest.hello
        future[0] = 2
        var inputs: [[UInt8]] = [[], [1], Array(honest.hello.dropLast()), honest.hello + [0]]
        var generator = SystemRandomNumberGenerator()
        inputs.append((0..<200).map { _ in UInt8.random(in: 0...255, using: &generator) })
        for input in inputs {
            var listener = Handshake(
                configuration: Self.configuration(keys[0], validators), role: .listener)
            #expect(throws: HandshakeError.self) { try listener.receiveHello(input) }
        }
        var listener = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .listener)
        #expect(throws: HandshakeError.unsupportedVersion(2)) { try listener.receiveHello(future) }
    }

    @Test("handshake: a signature over another transcript, or a tampered auth frame, is refused")
    func badSignatureRefused() throws {
        let keys = Self.keys(2)
        let validators = Self.validatorSet(keys)
        var dialer = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .dialer)
        var listener = Handshake(
            configuration: Self.configuration(keys[1], validators), role: .listener)
        _ = try dialer.receiveHello(listener.hello)
        let forged = try listener.receiveHello(dialer.hello, signingAs: .dialer)
        #expect(throws: HandshakeError.badSignature(keys[1].publicKey)) {
            try dialer.receiveAuth(forged)
        }

        var dialer2 = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .dialer)
        var listener2 = Handshake(
            configuration: Self.configuration(keys[1], validators), role: .listener)
        _ = try dialer2.receiveHello(listener2.hello)
        var auth = try listener2.receiveHello(dialer2.hello)
        auth[10] ^= 0x01
        #expect(throws: HandshakeError.authDecryptionFailed) { try dialer2.receiveAuth(auth) }
    }

    @Test("handshake: a hello altered in transit (man in the middle) fails authentication")
    func tamperedHelloRefused() throws {
        let keys = Self.keys(2)
        let validators = Self.validatorSet(keys)
        var dialer = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .dialer)
        var listener = Handshake(
            configuration: Self.configuration(keys[1], validators), role: .listener)
        var swapped = dialer.hello
        let mitm = Handshake(
            configuration: Self.configuration(keys[1], validators), role: .dialer,
            ephemeralSeed: [UInt8](repeating: 9, count: 32))
        swapped.replaceSubrange((swapped.count - 32)..., with: mitm.hello.suffix(32))
        let dialerAuth = try dialer.receiveHello(listener.hello)
        let listenerAuth = try listener.receiveHello(swapped)
        #expect(throws: HandshakeError.authDecryptionFailed) {
            try dialer.receiveAuth(listenerAuth)
        }
        #expect(throws: HandshakeError.authDecryptionFailed) {
            try listener.receiveAuth(dialerAuth)
        }
    }

    @Test("framing: AEAD round trip; tampered, replayed and truncated ciphertexts are rejected")
    func aeadFraming() throws {
        let keys = Self.keys(2)
        let validators = Self.validatorSet(keys)
        var dialer = Handshake(
            configuration: Self.configuration(keys[0], validators), role: .dialer)
        var listener = Handshake(
            configuration: Self.configuration(keys[1], validators), role: .listener)
        var (sender, receiver) = try Self.complete(&dialer, &listener)
        let first = sender.sealer.seal(Array("first".utf8))
        #expect(try receiver.opener.open(first) == Array("first".utf8))
        #expect(throws: FrameError.decryptionFailed(counter: 2)) {
            var copy = receiver.opener
            // A replay: frame 0 was the auth, so counter 2 expects another nonce.
            _ = try copy.open(first)
        }
        var second = sender.sealer.seal(Array("second".utf8))
        second[0] ^= 0x80
        var tampered = receiver.opener
        #expect(throws: FrameError.decryptionFailed(counter: 2)) { try tampered.open(second) }
        #expect(throws: FrameError.truncatedCiphertext(byteCount: 15)) {
            try receiver.opener.open([UInt8](repeating: 0, count: 15))
        }
    }

    @Test("framing: an oversized length prefix is rejected from its four bytes alone")
    func oversizedPrefixRejected() throws {
        var hostile = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: FrameError.frameTooLarge(length: UInt32.max, limit: 1 << 24)) {
            try FrameFormat.readFrame(from: &hostile, limit: 1 << 24)
        }
        #expect(hostile.readableBytes == 4, "nothing consumed, nothing reserved")
        var justOver = FrameFormat.encode([UInt8](repeating: 1, count: 1025))
        #expect(throws: FrameError.frameTooLarge(length: 1025, limit: 1024)) {
            try FrameFormat.readFrame(from: &justOver, limit: 1024)
        }
        var partial = ByteBuffer(bytes: [0, 0, 0, 3, 1, 2])
        #expect(try FrameFormat.readFrame(from: &partial, limit: 1024) == nil)
        partial.writeBytes([3, 9])
        let body = try FrameFormat.readFrame(from: &partial, limit: 1024)
        #expect(body.map { Array($0.readableBytesView) } == [1, 2, 3])
        #expect(Array(partial.readableBytesView) == [9])
    }

    @Test("hostile input: random and mutated hellos, auths and frame headers never crash")
    func randomInputNeverCrashes() throws {
        let keys = Self.keys(2)
        let validators = Self.validatorSet(keys)
        let honest = Handshake(
            configuration: Self.configuration(keys[1], validators), role: .dialer)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2_000 {
            var input: [UInt8]
            if round % 2 == 0 {
                let count = Int.random(in: 0...300, using: &generator)
                input = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                input = honest.hello  // one to three flipped bytes
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    input[Int.random(in: 0..<input.count, using: &generator)] ^=
                        UInt8.random(in: 1...255, using: &generator)
                }
            }
            var listener = Handshake(
                configuration: Self.configuration(keys[0], validators), role: .listener)
            if (try? listener.receiveHello(input)) != nil {
                // A flip that still decodes (in the ephemeral key): the auth then fails.
                #expect(throws: HandshakeError.self) { try listener.receiveAuth(input) }
            }
            var buffer = ByteBuffer(bytes: input)
            while (try? FrameFormat.readFrame(from: &buffer, limit: 1024)) != nil {}
        }
    }
}
