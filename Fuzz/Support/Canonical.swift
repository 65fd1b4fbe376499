public import Ledger

/// The canonical codec contract, checked on every input that decodes: decoding then
/// encoding gives back exactly the input bytes (one value, one encoding), and decoding
/// that encoding gives back an equal value.
/// - Returns: the decoded value, or nil when the bytes are refused (which is allowed).
@discardableResult
public func checkCanonical<Value: CanonicalCodable & Equatable>(
    _: Value.Type, _ bytes: [UInt8],
    lengthLimit: Int = CanonicalDecoder.defaultLengthLimit
) -> Value? {
    let value: Value
    do {
        value = try Value(canonicalBytes: bytes, lengthLimit: lengthLimit)
    } catch {
        return nil
    }
    checkReencodes(value, to: bytes, lengthLimit: lengthLimit)
    return value
}

/// The second half of `checkCanonical`, for targets that decode through their own entry
/// point (`UnverifiedMessage(bytes:)`, `PeerMessage` inside the node's dispatch).
public func checkReencodes<Value: CanonicalCodable & Equatable>(
    _ value: Value, to bytes: [UInt8],
    lengthLimit: Int = CanonicalDecoder.defaultLengthLimit
) {
    let encoded = value.canonicalBytes
    guard encoded == bytes else {
        fuzzFailure("\(Value.self) decodes but re-encodes to other bytes", bytes)
    }
    let again: Value
    do {
        again = try Value(canonicalBytes: encoded, lengthLimit: lengthLimit)
    } catch {
        fuzzFailure("\(Value.self) encoding does not decode: \(error)", bytes)
    }
    guard again == value else {
        fuzzFailure("\(Value.self) decodes to a different value after a round trip", bytes)
    }
}

/// The byte half of the contract for a type without equality (`PeerMessage`): the
/// encoding of what was decoded is the input itself.
public func checkReencodesBytes(_ value: some CanonicalEncodable, to bytes: [UInt8]) {
    guard value.canonicalBytes == bytes else {
        fuzzFailure("\(type(of: value)) decodes but re-encodes to other bytes", bytes)
    }
}
