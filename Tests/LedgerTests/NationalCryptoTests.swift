import Testing
@testable import Ledger

// Setup: published vectors (GB/T 32905-2016 for SM3, GB/T 32918.2-2016 Annex A / GM/T
// 0003.5-2012 for SM2 on the recommended curve) and the pinned validity rules. This test
// process serves an ed25519-sha256 chain (other suites run as separate processes in the
// end-to-end tests), so the SM2 checks here use the algorithm's own rule (`verifies`).

@Suite("SM3: GB/T 32905-2016 vectors")
struct SM3VectorTests {
    @Test("example 1: \"abc\"")
    func abc() {
        #expect(
            SM3.hash(Array("abc".utf8)).hex
                == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    }

    @Test("example 2: the 64-byte \"abcd\" x 16, in one call and incrementally")
    func abcd64() {
        let expected = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        let message = Array(String(repeating: "abcd", count: 16).utf8)
        #expect(SM3.hash(message).hex == expected)
        var hasher = Hasher256(.sm3)
        for _ in 0..<16 { hasher.update(Array("abcd".utf8)) }
        #expect(hasher.finalize().hex == expected)
    }

    @Test("the chain hash of an ed25519-sha256 process is SHA-256, not SM3")
    func chainHashFollowsSuite() {
        #expect(CryptoSuite.active == .ed25519SHA256)
        #expect(ChainHash.hash(Array("abc".utf8)) == SHA256.hash(Array("abc".utf8)))
        #expect(ChainHash.hash(Array("abc".utf8)) != SM3.hash(Array("abc".utf8)))
    }
}

@Suite("SM2: the standard's signature example and the pinned rule")
struct SM2Tests {
    // GB/T 32918.2-2016 Annex A (= GM/T 0003.5-2012), recommended curve, ID "1234567812345678".
    static let privateKey = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
    static let publicX = "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    static let publicY = "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
    static let za = "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3"
    static let e = "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640"
    static let r = "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    static let s = "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa"
    static let message = Array("message digest".utf8)

    static func bytes(_ hex: String) -> [UInt8] { Hex.decode(hex) ?? [] }

    static var exampleKey: SigningKey {
        get throws { try SigningKey(seed: bytes(privateKey), algorithm: .sm2) }
    }

    static var exampleSignature: Signature {
        get throws { try Signature(bytes: bytes(r + s)) }
    }

    @Test("the example's private key derives its public key (compressed: 03, y is odd)")
    func publicKey() throws {
        let key = try Self.exampleKey
        #expect(key.algorithm == .sm2)
        #expect(key.publicKey.hex == "03" + Self.publicX)
        #expect(key.publicKey.algorithm == .sm2)
        #expect(SM2.uncompressedPoint(fromCompressed: key.publicKey.bytes)
            == [0x04] + Self.bytes(Self.publicX + Self.publicY))
    }

    @Test("Z_A and e of the example, from SM3 over the user id and the curve")
    func userIDDigest() {
        let curve =
            "fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc"  // a
            + "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93"  // b
            + "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"  // xG
            + "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0"  // yG
        let entl: [UInt8] = [0x00, 0x80]  // 16 bytes = 128 bits
        let z = SM3.hash(
            entl + SM2.defaultUserID + Self.bytes(curve) + Self.bytes(Self.publicX + Self.publicY))
        #expect(z.hex == Self.za)
        #expect(SM3.hash(z.bytes + Self.message).hex == Self.e)
    }

    @Test("the example's signature (r, s) verifies; any change to it or the message does not")
    func exampleSignature() throws {
        let key = try PublicKey(bytes: Self.bytes("03" + Self.publicX))
        let signature = try Self.exampleSignature
        #expect(key.verifies(signature, for: Self.message))
        #expect(!key.verifies(signature, for: Array("message digesT".utf8)))
        var flipped = signature.bytes
        flipped[63] ^= 0x01
        #expect(!key.verifies(try Signature(bytes: flipped), for: Self.message))
        // Another user id gives another Z_A: the same signature no longer verifies.
        let handle = try #require(
            SM2.KeyHandle(
                point: [0x04] + Self.bytes(Self.publicX + Self.publicY), privateScalar: nil))
        #expect(handle.verify(signature.bytes, message: Self.message, userID: SM2.defaultUserID))
        #expect(!handle.verify(signature.bytes, message: Self.message, userID: Array("ALICE".utf8)))
    }

    @Test("pinned rule: r or s of 0, n or above, and (r, n - s) are refused")
    func signatureRange() throws {
        let key = try PublicKey(bytes: Self.bytes("03" + Self.publicX))
        let zero = [UInt8](repeating: 0, count: 32)
        let order = SM2.order
        let r = Self.bytes(Self.r)
        let s = Self.bytes(Self.s)
        for bad in [zero + s, r + zero, order + s, r + order, [UInt8](repeating: 0xFF, count: 64)] {
            #expect(!SM2.isCanonicalSignature(bad))
            #expect(!key.verifies(try Signature(bytes: bad), for: Self.message))
        }
        // n - s: ECDSA's twin; SM2 has none, so it simply does not verify.
        var negated = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            let difference = Int(order[index]) - Int(s[index]) - borrow
            negated[index] = UInt8((difference + 256) % 256)
            borrow = difference < 0 ? 1 : 0
        }
        #expect(SM2.isCanonicalSignature(r + negated))
        #expect(!key.verifies(try Signature(bytes: r + negated), for: Self.message))
    }

    @Test("pinned rule: only canonical compressed points on the curve are keys")
    func publicKeyEncoding() {
        let x = Self.bytes(Self.publicX)
        // Uncompressed, hybrid and bad prefixes, a point off the curve, x >= p, infinity.
        let refused: [[UInt8]] = [
            [0x04] + x, [0x06] + x, [0x00] + x, [0x02] + [UInt8](repeating: 0xFF, count: 32),
            [0x02] + [UInt8](repeating: 0, count: 31) + [0x05], [0x00],
        ]
        for bytes in refused {
            #expect(throws: CodecError.self) { try PublicKey(bytes: bytes) }
        }
        #expect(throws: CodecError.self) {
            try PublicKey(bytes: [UInt8](repeating: 0x02, count: 34))
        }
    }

    @Test("private keys: 0, n - 1 and above are refused; sign and verify round trip")
    func privateKeys() throws {
        #expect(throws: CodecError.self) {
            try SigningKey(seed: [UInt8](repeating: 0, count: 32), algorithm: .sm2)
        }
        var nMinusOne = SM2.order
        nMinusOne[31] -= 1
        #expect(throws: CodecError.self) { try SigningKey(seed: nMinusOne, algorithm: .sm2) }
        #expect(throws: CodecError.self) { try SigningKey(seed: SM2.order, algorithm: .sm2) }
        var nMinusTwo = SM2.order
        nMinusTwo[31] -= 2
        #expect(try SigningKey(seed: nMinusTwo, algorithm: .sm2).algorithm == .sm2)

        let key = SigningKey.generate(.sm2)
        let message = Array("govchain".utf8)
        let first = key.sign(message)
        let second = key.sign(message)
        #expect(first != second)  // a fresh random k each time
        #expect(key.publicKey.verifies(first, for: message))
        #expect(key.publicKey.verifies(second, for: message))
        #expect(!SigningKey.generate(.sm2).publicKey.verifies(first, for: message))
        #expect(!key.description.contains(Hex.encode(key.seed)))
    }

    @Test("no suite mixing: this ed25519-sha256 process refuses an SM2 signature on chain")
    func noMixing() throws {
        let key = try Self.exampleKey
        let signature = key.sign(Self.message)
        #expect(key.publicKey.verifies(signature, for: Self.message))
        #expect(!key.publicKey.isValidSignature(signature, for: Self.message))
        #expect(throws: CryptoSuiteError.self) { try CryptoSuite.activate(.sm2SM3) }
        try CryptoSuite.activate(.ed25519SHA256)  // the suite in force: a no-op
        // Canonical decoding reads the active suite's key length (32), not an SM2 key.
        var encoder = CanonicalEncoder()
        key.publicKey.encode(to: &encoder)
        #expect(throws: CodecError.self) { try PublicKey(canonicalBytes: encoder.bytes) }
    }
}

@Suite("Genesis names one suite")
struct GenesisSuiteTests {
    static func genesis(suite: String, keys: [SigningKey], sm2UserID: String? = nil) -> Genesis {
        Genesis(
            chainID: "suite-test", genesisTimeMs: 1, cryptoSuite: suite,
            validators: [Validator(name: "v0", publicKey: keys[0].publicKey, address: "h:1", networkKey: SigningKey.deterministic(label: "network:v0", algorithm: keys[0].algorithm).publicKey)],
            organisations: [
                Organisation(
                    id: "bureau", name: "Bureau", creditCode: "11360000MB00000011",
                    keys: [OrganisationKey(publicKey: keys[1].publicKey, roles: [.admin])])
            ],
            adminThreshold: 1, consensus: ConsensusParameters(), sm2UserID: sm2UserID)
    }

    @Test("an sm2-sm3 genesis of SM2 keys validates; mixed keys, unknown suites, stray ids do not")
    func validation() throws {
        let sm2 = [SigningKey.generate(.sm2), SigningKey.generate(.sm2)]
        let ed = [SigningKey.generate(.ed25519), SigningKey.generate(.ed25519)]
        try Self.genesis(suite: "sm2-sm3", keys: sm2).validate()
        try Self.genesis(suite: "sm2-sm3", keys: sm2, sm2UserID: "ALICE123@YAHOO.COM").validate()
        try Self.genesis(suite: "ed25519-sha256", keys: ed).validate()
        #expect(throws: CodecError.self) { try Self.genesis(suite: "sm2-sm3", keys: ed).validate() }
        #expect(throws: CodecError.self) {
            try Self.genesis(suite: "sm2-sm3", keys: [sm2[0], ed[1]]).validate()
        }
        #expect(throws: CodecError.self) {
            try Self.genesis(suite: "ed25519-sha256", keys: sm2).validate()
        }
        #expect(throws: CodecError.self) { try Self.genesis(suite: "sm9", keys: sm2).validate() }
        #expect(throws: CodecError.self) {
            try Self.genesis(suite: "ed25519-sha256", keys: ed, sm2UserID: "x").validate()
        }
        #expect(throws: CodecError.self) {
            try Self.genesis(suite: "sm2-sm3", keys: sm2, sm2UserID: "").validate()
        }
    }

    @Test("an ed25519 genesis's canonical bytes carry no user id (its hash is unchanged)")
    func ed25519Encoding() throws {
        let ed = [SigningKey.generate(.ed25519), SigningKey.generate(.ed25519)]
        let genesis = Self.genesis(suite: "ed25519-sha256", keys: ed)
        let decoded = try Genesis.decodeActivatingSuite(genesis.canonicalBytes)
        #expect(decoded == genesis)
        var encoder = CanonicalEncoder()
        encoder.encode(Genesis.version)
        encoder.encode(genesis.chainID)
        encoder.encode(genesis.genesisTimeMs)
        encoder.encode(genesis.cryptoSuite)
        encoder.encode(genesis.validators)
        #expect(genesis.canonicalBytes.starts(with: encoder.bytes))
    }
}
