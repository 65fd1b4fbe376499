/// Reads a structure-aware target's choices from the fuzzer's bytes.
///
/// Past the end every read answers zero, so any input is a complete program, and a
/// mutation of one byte changes one choice instead of shifting every later one wholesale.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isExhausted: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func bool() -> Bool { byte() & 1 == 1 }

    /// True in about `percent` of 256 byte values, and for a zero byte (past the end).
    public mutating func chance(_ percent: Int) -> Bool { Int(byte()) * 100 < percent * 256 }

    /// True in about `percent` of 256 byte values, and false for a zero byte: for the odd
    /// case (an expired call, a forged signature) that padding must not choose.
    public mutating func rarely(_ percent: Int) -> Bool {
        Int(byte()) * 100 >= (100 - percent) * 256
    }

    /// A choice among `count` (> 0) options.
    public mutating func index(_ count: Int) -> Int {
        precondition(count > 0, "a choice needs at least one option")
        return count <= 256 ? Int(byte()) % count : Int(uint16()) % count
    }

    public mutating func pick<Value>(_ values: [Value]) -> Value { values[index(values.count)] }

    public mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    public mutating func uint64() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
        return value
    }

    /// An amount or a time offset biased towards the values that break arithmetic: zero,
    /// one, small numbers, and the edges of UInt64.
    public mutating func edgyUInt64() -> UInt64 {
        switch byte() % 8 {
        case 0: 0
        case 1: 1
        case 2: UInt64(byte())
        case 3: UInt64(uint16())
        case 4: UInt64.max &- UInt64(byte())
        case 5: UInt64(1) << (byte() % 64)
        default: uint64()
        }
    }

    /// Up to `maxCount` raw bytes.
    public mutating func bytes(maxCount: Int) -> [UInt8] {
        let count = Int(byte()) % (maxCount + 1)
        return (0..<count).map { _ in byte() }
    }

    /// A string from raw bytes (invalid UTF-8 is repaired, as any String would be).
    public mutating func text(maxCount: Int) -> String {
        String(decoding: bytes(maxCount: maxCount), as: UTF8.self)
    }
}
