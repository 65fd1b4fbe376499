/// Canonical binary encoding: the only encoding GovChain hashes or signs.
///
/// Rules (one way to write every value, so equal values give equal bytes on every node):
/// - integers are fixed-width big-endian;
/// - byte strings and UTF-8 strings are a `UInt32` length followed by the bytes;
/// - arrays are a `UInt32` count followed by the elements in the order given (types that
///   need a set semantics sort before encoding);
/// - optionals are a presence byte (0 or 1) followed by the value;
/// - every top-level type starts with its own version byte.
public struct CanonicalEncoder: Sendable {
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func encode(_ value: UInt8) { bytes.append(value) }

    public mutating func encode(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func encode(_ value: UInt16) { appendBigEndian(value) }

    public mutating func encode(_ value: UInt32) { appendBigEndian(value) }

    public mutating func encode(_ value: UInt64) { appendBigEndian(value) }

    public mutating func encode(_ value: Int64) { appendBigEndian(UInt64(bitPattern: value)) }

    /// A variable-length byte string: `UInt32` length, then the bytes.
    public mutating func encode(bytes value: some Collection<UInt8>) {
        precondition(value.count <= Int(UInt32.max), "byte string too long to encode")
        encode(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A fixed-length byte string whose length both sides know (keys, hashes): no prefix.
    public mutating func encode(fixed value: some Collection<UInt8>) {
        bytes.append(contentsOf: value)
    }

    public mutating func encode(_ value: String) {
        encode(bytes: Array(value.utf8))
    }

    public mutating func encode<T: CanonicalEncodable>(_ value: T) {
        value.encode(to: &self)
    }

    public mutating func encode<T: CanonicalEncodable>(_ values: [T]) {
        precondition(values.count <= Int(UInt32.max), "array too long to encode")
        encode(UInt32(values.count))
        for value in values { value.encode(to: &self) }
    }

    public mutating func encode(_ values: [String]) {
        encode(UInt32(values.count))
        for value in values { encode(value) }
    }

    public mutating func encode<T: CanonicalEncodable>(_ value: T?) {
        if let value {
            encode(true)
            value.encode(to: &self)
        } else {
            encode(false)
        }
    }

    public mutating func encode(_ value: String?) {
        if let value {
            encode(true)
            encode(value)
        } else {
            encode(false)
        }
    }

    public mutating func encode(_ value: UInt64?) {
        if let value {
            encode(true)
            encode(value)
        } else {
            encode(false)
        }
    }

    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        let bigEndian = value.bigEndian
        withUnsafeBytes(of: bigEndian) { bytes.append(contentsOf: $0) }
    }
}
