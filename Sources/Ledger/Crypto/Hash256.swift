/// A 32-byte digest (SHA-256). Stored as four words so hashes are cheap to copy, compare and
/// use as dictionary keys (no heap allocation per hash).
public struct Hash256: Hashable, Comparable, Sendable, CanonicalCodable, CustomStringConvertible {
    // Big-endian words: word0 holds bytes 0..<8, so comparing words compares bytes.
    public var word0: UInt64
    public var word1: UInt64
    public var word2: UInt64
    public var word3: UInt64

    public static let byteCount = 32
    public static let zero = Hash256(word0: 0, word1: 0, word2: 0, word3: 0)

    public init(word0: UInt64, word1: UInt64, word2: UInt64, word3: UInt64) {
        self.word0 = word0
        self.word1 = word1
        self.word2 = word2
        self.word3 = word3
    }

    /// - Precondition: `bytes` holds exactly 32 bytes.
    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == Hash256.byteCount, "Hash256 needs 32 bytes")
        var words: [UInt64] = [0, 0, 0, 0]
        for (offset, byte) in bytes.enumerated() {
            words[offset / 8] = (words[offset / 8] << 8) | UInt64(byte)
        }
        self.init(word0: words[0], word1: words[1], word2: words[2], word3: words[3])
    }

    /// Parses 64 hex characters; nil for anything else.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == Hash256.byteCount else { return nil }
        self.init(bytes: bytes)
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for word in [word0, word1, word2, word3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return out
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    /// Bit `index` (0 = most significant bit of byte 0): the path of a key in a sparse tree.
    public func bit(_ index: Int) -> Bool {
        precondition(index >= 0 && index < 256, "bit index out of range")
        let word: UInt64
        switch index >> 6 {
        case 0: word = word0
        case 1: word = word1
        case 2: word = word2
        default: word = word3
        }
        return (word >> UInt64(63 - (index & 63))) & 1 == 1
    }

    public static func < (lhs: Hash256, rhs: Hash256) -> Bool {
        (lhs.word0, lhs.word1, lhs.word2, lhs.word3) < (rhs.word0, rhs.word1, rhs.word2, rhs.word3)
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(word0)
        encoder.encode(word1)
        encoder.encode(word2)
        encoder.encode(word3)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        self.init(
            word0: try decoder.decode(UInt64.self),
            word1: try decoder.decode(UInt64.self),
            word2: try decoder.decode(UInt64.self),
            word3: try decoder.decode(UInt64.self)
        )
    }
}

/// Lower-case hexadecimal, the form hashes and keys take in JSON, logs and file names.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes upper- or lower-case hex; nil on odd length or a non-hex character.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
                return nil
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
