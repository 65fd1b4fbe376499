/// A value with one canonical byte encoding.
public protocol CanonicalEncodable {
    func encode(to encoder: inout CanonicalEncoder)
}

/// A value that can be read back from its canonical encoding, refusing anything else.
public protocol CanonicalDecodable {
    init(from decoder: inout CanonicalDecoder) throws(CodecError)
}

public typealias CanonicalCodable = CanonicalEncodable & CanonicalDecodable

extension CanonicalEncodable {
    /// The canonical encoding of this value.
    public var canonicalBytes: [UInt8] {
        var encoder = CanonicalEncoder()
        encode(to: &encoder)
        return encoder.bytes
    }
}

extension CanonicalDecodable {
    /// Decodes a whole byte string; trailing bytes are an error.
    public init(canonicalBytes bytes: [UInt8], lengthLimit: Int = CanonicalDecoder.defaultLengthLimit)
        throws(CodecError)
    {
        var decoder = CanonicalDecoder(bytes, lengthLimit: lengthLimit)
        self = try Self(from: &decoder)
        try decoder.finish()
    }
}
