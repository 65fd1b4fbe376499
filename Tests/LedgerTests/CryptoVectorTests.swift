import Testing
@testable import Ledger

// Setup: published vectors only; a mismatch means the binding to libsodium or OpenSSL is wrong.

@Suite("Ed25519: RFC 8032 section 7.1 vectors")
struct Ed25519VectorTests {
    struct Vector: Sendable {
        let name: String
        let seed: String
        let publicKey: String
        let message: String
        let signature: String
    }

    static let vectors: [Vector] = [
        Vector(
            name: "TEST 1",
            seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            message: "",
            signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        Vector(
            name: "TEST 2",
            seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            message: "72",
            signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        Vector(
            name: "TEST 3",
            seed: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            message: "af82",
            signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
        Vector(
            name: "TEST SHA(abc)",
            seed: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
            publicKey: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            message: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            signature: "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"),
    ]

    @Test("each vector's seed derives its public key, signs to its signature, and verifies",
          arguments: vectors.map(\.name))
    func vector(name: String) throws {
        let vector = try #require(Self.vectors.first { $0.name == name })
        let key = try SigningKey(seed: try #require(Hex.decode(vector.seed)))
        #expect(key.publicKey.hex == vector.publicKey)
        let message = try #require(Hex.decode(vector.message))
        let signature = key.sign(message)
        #expect(signature.hex == vector.signature)
        #expect(key.publicKey.isValidSignature(signature, for: message))
    }

    @Test("a signature over another message, or by another key, does not verify")
    func wrongMessageOrKey() throws {
        let key = SigningKey.deterministic(label: "a")
        let other = SigningKey.deterministic(label: "b")
        let signature = key.sign([1, 2, 3])
        #expect(!key.publicKey.isValidSignature(signature, for: [1, 2, 4]))
        #expect(!other.publicKey.isValidSignature(signature, for: [1, 2, 3]))
    }

    @Test("S >= L is rejected even though S - L would verify (no malleability)")
    func nonCanonicalScalarRejected() throws {
        let key = SigningKey.deterministic(label: "malleable")
        let message = Array("pay 100 fen".utf8)
        let signature = key.sign(message)
        // S + L is the same scalar mod L: a lax verifier would accept it.
        var bytes = signature.bytes
        var carry: UInt16 = 0
        for index in 0..<32 {
            let sum = UInt16(bytes[32 + index]) + UInt16(Ed25519.groupOrder[index]) + carry
            bytes[32 + index] = UInt8(truncatingIfNeeded: sum)
            carry = sum >> 8
        }
        let malleated = try Signature(bytes: bytes)
        #expect(!key.publicKey.isValidSignature(malleated, for: message))
    }

    @Test("a non-canonical point encoding is refused as a public key")
    func nonCanonicalPublicKeyRejected() {
        // y = p (2^255 - 19) encodes as ed ff .. ff 7f: not below p.
        var bytes = [UInt8](repeating: 0xFF, count: 32)
        bytes[0] = 0xED
        bytes[31] = 0x7F
        #expect(throws: CodecError.self) { try PublicKey(bytes: bytes) }
        #expect(throws: CodecError.self) { try PublicKey(bytes: [1, 2, 3]) }
    }

    @Test("a signing key's description never shows its secret")
    func signingKeyRedacted() {
        let key = SigningKey.deterministic(label: "secret")
        #expect(!String(describing: key).contains(Hex.encode(key.seed)))
        #expect(String(describing: key).contains("redacted"))
    }
}

@Suite("SHA-256: FIPS 180-4 / NIST vectors")
struct SHA256VectorTests {
    @Test("the empty string")
    func empty() {
        #expect(SHA256.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("abc")
    func abc() {
        #expect(SHA256.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("the 448-bit two-block message")
    func twoBlocks() {
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hash(message).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("one million repetitions of 'a', in one call and incrementally")
    func millionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)).hex == expected)
        var hasher = Hasher256(.sha256)
        for _ in 0..<1_000 { hasher.update([UInt8](repeating: 0x61, count: 1_000)) }
        #expect(hasher.finalize().hex == expected)
    }

    @Test("HMAC-SHA-256: RFC 4231 test case 2")
    func hmac() {
        let code = HashAlgorithm.sha256.authenticationCode(
            key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(code.hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
