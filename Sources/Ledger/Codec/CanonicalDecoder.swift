/// Why a byte string could not be decoded. Decoding hostile bytes always ends in one of
/// these, never in a trap, and never allocates more than the input's own size.
public enum CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(needed: Int, remaining: Int)
    case lengthTooLarge(length: UInt64, limit: Int)
    case trailingBytes(count: Int)
    case unsupportedVersion(type: String, version: UInt8)
    case invalidUTF8
    case invalidValue(type: String, reason: String)

    public var description: String {
        switch self {
        case let .truncated(needed, remaining):
            "truncated input: needed \(needed) bytes, \(remaining) remain"
        case let .lengthTooLarge(length, limit):
            "length prefix \(length) exceeds the limit \(limit)"
        case let .trailingBytes(count):
            "\(count) trailing bytes after the value"
        case let .unsupportedVersion(type, version):
            "unsupported \(type) version \(version)"
        case .invalidUTF8:
            "string is not valid UTF-8"
        case let .invalidValue(type, reason):
            "invalid \(type): \(reason)"
        }
    }
}

/// Reads the canonical encoding written by `CanonicalEncoder`.
///
/// Every length prefix is checked against both the bytes that remain and an explicit limit
/// before anything is allocated, so an attacker's `0xFFFFFFFF` length costs nothing.
public struct CanonicalDecoder: Sendable {
    /// The largest byte string or array any single field may claim (16 MiB): well above a
    /// block's maximum size, far below what would hurt a node.
    public static let defaultLengthLimit = 16 << 20

    private let bytes: [UInt8]
    public private(set) var position: Int
    public let lengthLimit: Int

    public init(_ bytes: [UInt8], lengthLimit: Int = CanonicalDecoder.defaultLengthLimit) {
        self.bytes = bytes
        self.position = 0
        self.lengthLimit = lengthLimit
    }

    public var remaining: Int { bytes.count - position }
    public var isAtEnd: Bool { position == bytes.count }

    public mutating func decode(_: UInt8.Type = UInt8.self) throws(CodecError) -> UInt8 {
        try require(1)
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func decode(_: Bool.Type) throws(CodecError) -> Bool {
        switch try decode(UInt8.self) {
        case 0: return false
        case 1: return true
        case let other:
            throw .invalidValue(type: "Bool", reason: "byte \(other) is neither 0 nor 1")
        }
    }

    public mutating func decode(_: UInt16.Type) throws(CodecError) -> UInt16 {
        try decodeBigEndian()
    }

    public mutating func decode(_: UInt32.Type) throws(CodecError) -> UInt32 {
        try decodeBigEndian()
    }

    public mutating func decode(_: UInt64.Type) throws(CodecError) -> UInt64 {
        try decodeBigEndian()
    }

    public mutating func decode(_: Int64.Type) throws(CodecError) -> Int64 {
        Int64(bitPattern: try decodeBigEndian() as UInt64)
    }

    /// A `UInt32`-length-prefixed byte string of at most `limit` bytes.
    public mutating func decodeBytes(limit: Int? = nil) throws(CodecError) -> [UInt8] {
        let count = try decodeLength(limit: limit ?? lengthLimit, elementSize: 1)
        return try decodeFixed(count: count)
    }

    /// Exactly `count` bytes with no prefix.
    public mutating func decodeFixed(count: Int) throws(CodecError) -> [UInt8] {
        try require(count)
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    public mutating func decode(_: String.Type, limit: Int? = nil) throws(CodecError) -> String {
        let raw = try decodeBytes(limit: limit)
        guard let string = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8 }
        return string
    }

    public mutating func decode<T: CanonicalDecodable>(_: T.Type) throws(CodecError) -> T {
        try T(from: &self)
    }

    /// An array of at most `limit` elements. Each element takes at least one byte, so the
    /// count is also checked against the remaining input before any allocation.
    public mutating func decodeArray<T: CanonicalDecodable>(
        of _: T.Type, limit: Int? = nil
    ) throws(CodecError) -> [T] {
        let count = try decodeLength(limit: limit ?? lengthLimit, elementSize: 1)
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try T(from: &self)) }
        return values
    }

    public mutating func decodeStrings(limit: Int? = nil) throws(CodecError) -> [String] {
        let count = try decodeLength(limit: limit ?? lengthLimit, elementSize: 4)
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try decode(String.self)) }
        return values
    }

    public mutating func decodeOptional<T: CanonicalDecodable>(
        _: T.Type
    ) throws(CodecError) -> T? {
        try decode(Bool.self) ? try T(from: &self) : nil
    }

    public mutating func decodeOptionalString() throws(CodecError) -> String? {
        try decode(Bool.self) ? try decode(String.self) : nil
    }

    public mutating func decodeOptionalUInt64() throws(CodecError) -> UInt64? {
        try decode(Bool.self) ? try decode(UInt64.self) : nil
    }

    /// Reads a version byte and checks it against the versions this build understands.
    public mutating func decodeVersion(
        of type: String, supported: ClosedRange<UInt8>
    ) throws(CodecError) -> UInt8 {
        let version = try decode(UInt8.self)
        guard supported.contains(version) else {
            throw .unsupportedVersion(type: type, version: version)
        }
        return version
    }

    /// Ends decoding of a whole value: anything left over is an error, so one value has
    /// exactly one encoding.
    public func finish() throws(CodecError) {
        guard isAtEnd else { throw .trailingBytes(count: remaining) }
    }

    private mutating func decodeLength(limit: Int, elementSize: Int) throws(CodecError) -> Int {
        let length = try decode(UInt32.self)
        guard length <= limit else { throw .lengthTooLarge(length: UInt64(length), limit: limit) }
        let count = Int(length)
        // Never reserve for elements the input cannot hold.
        guard count.multipliedReportingOverflow(by: elementSize).partialValue <= remaining else {
            throw .truncated(needed: count * elementSize, remaining: remaining)
        }
        return count
    }

    private func require(_ count: Int) throws(CodecError) {
        guard count >= 0, count <= remaining else {
            throw .truncated(needed: count, remaining: remaining)
        }
    }

    private mutating func decodeBigEndian<T: FixedWidthInteger>() throws(CodecError) -> T {
        let size = MemoryLayout<T>.size
        try require(size)
        var value: T = 0
        for index in position..<position + size {
            value = (value << 8) | T(bytes[index])
        }
        position += size
        return value
    }
}
