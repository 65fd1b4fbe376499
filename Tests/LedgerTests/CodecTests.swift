import Testing
@testable import Ledger

// Setup: for every type, 200 random values from seeded generators: encode, decode, compare;
// then every strict prefix of each encoding must be refused with a typed error.

/// Checks round trip, truncation and trailing-garbage rejection for one value.
func checkCodec<T: CanonicalCodable & Equatable>(_ value: T, seed: UInt64) {
    let bytes = value.canonicalBytes
    let decoded = try? T(canonicalBytes: bytes)
    #expect(decoded == value, "round trip failed; replay with seed \(seed)")
    #expect(decoded?.canonicalBytes == bytes, "encoding is not stable (seed \(seed))")
    for length in 0..<bytes.count {
        #expect(throws: CodecError.self, "prefix \(length) decoded (seed \(seed))") {
            try T(canonicalBytes: Array(bytes[..<length]))
        }
    }
    #expect(throws: CodecError.trailingBytes(count: 1)) { try T(canonicalBytes: bytes + [0]) }
}

@Suite("Canonical codec")
struct CodecTests {
    static let seeds: [UInt64] = Array(1...40)

    @Test("every Ledger type survives a round trip and refuses every truncation", arguments: seeds)
    func roundTrips(seed: UInt64) {
        var random = RandomValues(seed: seed)
        checkCodec(random.transaction(), seed: seed)
        checkCodec(random.header(), seed: seed)
        checkCodec(random.block(), seed: seed)
        checkCodec(random.certificate(), seed: seed)
        checkCodec(random.receipt(), seed: seed)
        checkCodec(random.genesis(), seed: seed)
        checkCodec(random.evidence(), seed: seed)
        checkCodec(random.proof(), seed: seed)
        checkCodec(random.hash(), seed: seed)
    }

    @Test("an oversized length prefix is refused before anything is allocated")
    func oversizedLength() {
        var random = RandomValues(seed: 7)
        let tx = random.transaction()
        var bytes = tx.canonicalBytes
        // Byte 1..4 is the chain id's length: claim 4 GiB.
        bytes.replaceSubrange(1..<5, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: CodecError.lengthTooLarge(length: 0xFFFF_FFFF, limit: 64)) {
            try Transaction(canonicalBytes: bytes)
        }
        var decoder = CanonicalDecoder([0x00, 0x10, 0x00, 0x00, 1, 2, 3])
        #expect(throws: CodecError.self) { try decoder.decodeBytes() }
        var arrays = CanonicalDecoder([0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: CodecError.self) { try arrays.decodeArray(of: Hash256.self) }
    }

    @Test("an unknown version byte is refused")
    func wrongVersion() {
        var random = RandomValues(seed: 8)
        var bytes = random.block().canonicalBytes
        bytes[0] = 99
        #expect(throws: CodecError.unsupportedVersion(type: "Block", version: 99)) {
            try Block(canonicalBytes: bytes)
        }
    }

    @Test("random garbage never traps the decoders")
    func garbage() {
        var random = RandomValues(seed: 9)
        for _ in 0..<2_000 {
            let bytes = random.bytes(upTo: 200)
            _ = try? Transaction(canonicalBytes: bytes)
            _ = try? Block(canonicalBytes: bytes)
            _ = try? Genesis(canonicalBytes: bytes)
            _ = try? CommitCertificate(canonicalBytes: bytes)
            _ = try? Receipt(canonicalBytes: bytes)
            _ = try? EquivocationEvidence(canonicalBytes: bytes)
        }
    }

    @Test("integers are big-endian and fixed-width")
    func integerLayout() {
        var encoder = CanonicalEncoder()
        encoder.encode(UInt32(0x0102_0304))
        encoder.encode(UInt16(0x0506))
        encoder.encode(bytes: [9])
        #expect(encoder.bytes == [1, 2, 3, 4, 5, 6, 0, 0, 0, 1, 9])
    }

    @Test("a transaction signature covers every field, and the id ignores the signature")
    func transactionSigning() throws {
        var random = RandomValues(seed: 10)
        let tx = random.transaction()
        #expect(tx.hasValidSignature)
        var changed = tx
        changed.validUntilHeight &+= 1
        #expect(!changed.hasValidSignature)
        #expect(changed.id != tx.id)
    }
}
