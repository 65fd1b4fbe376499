public import Foundation

/// The one JSON coder of the API: the node encodes every answer with it and the Swift
/// client decodes with it, so both sides agree on the bytes by construction. Keys come from
/// each type's explicit `CodingKeys` (snake_case, written out so that renaming a Swift
/// property never renames a wire field); output keys are sorted, so an answer is stable
/// byte for byte.
public enum WireJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        try JSONDecoder().decode(type, from: data)
    }
}

/// An optional field that is always on the wire: `null` when absent, never left out, so a
/// generated client sees every declared field (the schema marks it required and nullable).
/// Swift's synthesised `Encodable` would skip a nil optional; this wrapper writes `null`.
@propertyWrapper
public struct Nullable<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A `Nullable` field that is missing decodes as nil (older nodes left nils out).
    public func decode<Value>(_ type: Nullable<Value>.Type, forKey key: Key) throws -> Nullable<Value> {
        try decodeIfPresent(type, forKey: key) ?? Nullable(wrappedValue: nil)
    }
}
