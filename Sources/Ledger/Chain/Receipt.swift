/// Something a contract call announces: the stream clients subscribe to.
public struct Event: Hashable, Sendable, Codable, CanonicalCodable {
    public var contract: String
    public var type: String
    /// Attributes in the order the contract emitted them (contracts emit them in a fixed
    /// order; no dictionary is involved).
    public var attributes: [EventAttribute]

    public init(contract: String, type: String, attributes: [EventAttribute]) {
        self.contract = contract
        self.type = type
        self.attributes = attributes
    }

    public subscript(key: String) -> String? {
        attributes.first { $0.key == key }?.value
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(contract)
        encoder.encode(type)
        encoder.encode(attributes)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        contract = try decoder.decode(String.self, limit: 64)
        type = try decoder.decode(String.self, limit: 64)
        attributes = try decoder.decodeArray(of: EventAttribute.self, limit: 64)
    }
}

public struct EventAttribute: Hashable, Sendable, Codable, CanonicalCodable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(key)
        encoder.encode(value)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        key = try decoder.decode(String.self, limit: 256)
        value = try decoder.decode(String.self, limit: 4096)
    }
}

/// The result of one transaction in a block: a stable status code (0 = success), a
/// human-readable reason, and the events of a successful call.
public struct Receipt: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1
    public static let successCode: UInt32 = 0

    public var txID: Hash256
    public var code: UInt32
    public var message: String
    public var events: [Event]

    public init(txID: Hash256, code: UInt32, message: String, events: [Event]) {
        self.txID = txID
        self.code = code
        self.message = message
        self.events = events
    }

    public var isSuccess: Bool { code == Receipt.successCode }

    /// Merkle root over a block's receipts, in transaction order.
    public static func root(_ receipts: [Receipt]) -> Hash256 {
        MerkleTree.root(leaves: receipts.map(\.canonicalBytes))
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(Receipt.version)
        encoder.encode(txID)
        encoder.encode(code)
        encoder.encode(message)
        encoder.encode(events)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "Receipt", supported: 1...1)
        txID = try decoder.decode(Hash256.self)
        code = try decoder.decode(UInt32.self)
        message = try decoder.decode(String.self, limit: 4096)
        events = try decoder.decodeArray(of: Event.self, limit: 256)
    }
}
