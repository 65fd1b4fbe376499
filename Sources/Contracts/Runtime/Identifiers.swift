public import Ledger

/// Checks for the caller-chosen names that become part of state keys (ids, codes).
enum Identifier {
    /// Ids are 1...64 characters of `A-Z a-z 0-9 . _ -`: no `/` (the key separator), no
    /// spaces, nothing that could smuggle another key into a path.
    static func validate(_ value: String, _ what: String) throws(ContractError) {
        let bytes = Array(value.utf8)
        guard (1...64).contains(bytes.count), bytes.allSatisfy(isIdentifierByte) else {
            throw ContractError(
                .invalidIdentifier, "\(what) \"\(value)\" must be 1...64 of A-Z a-z 0-9 . _ -")
        }
    }

    static func validateAll(_ values: [String], _ what: String) throws(ContractError) {
        for value in values { try validate(value, what) }
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}

extension CanonicalDecoder {
    /// An identifier-sized string (ids, codes, names of methods).
    mutating func decodeName() throws(CodecError) -> String {
        try decode(String.self, limit: RecordLimits.nameBytes)
    }

    /// A list of at most `limit` identifier-sized strings (a grant's scope, a key's licence
    /// types, a bill's red bills): `limit` is the `RecordLimits` bound the writer enforces.
    mutating func decodeNames(limit: Int) throws(CodecError) -> [String] {
        try decodeStrings(limit: limit)
    }

    /// A one-byte tag of a `UInt8`-backed enum, refusing tags with no case.
    mutating func decodeEnum<Value: RawRepresentable>(_: Value.Type, named type: String)
        throws(CodecError) -> Value where Value.RawValue == UInt8
    {
        let tag = try decode(UInt8.self)
        guard let value = Value(rawValue: tag) else {
            throw .invalidValue(type: type, reason: "unknown tag \(tag)")
        }
        return value
    }

    mutating func decodeRoles() throws(CodecError) -> [Role] {
        var roles: [Role] = []
        for name in try decodeStrings(limit: Role.allCases.count) {
            guard let role = Role(rawValue: name) else {
                throw .invalidValue(type: "Role", reason: "unknown role \(name)")
            }
            roles.append(role)
        }
        return roles
    }

    /// A one-byte tag of an enum with `count` cases.
    mutating func decodeTag(of type: String, count: UInt8) throws(CodecError) -> UInt8 {
        let tag = try decode(UInt8.self)
        guard tag < count else { throw .invalidValue(type: type, reason: "unknown tag \(tag)") }
        return tag
    }
}

extension CanonicalEncoder {
    mutating func encode(roles: [Role]) { encode(roles.map(\.rawValue)) }
}
