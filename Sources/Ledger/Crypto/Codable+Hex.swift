// JSON forms (genesis files, the HTTP API): keys, signatures and hashes as hex strings.
// JSON is for people and other languages; nothing hashed or signed is ever JSON.

extension PublicKey: Codable {
    public init(from decoder: any Swift.Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = PublicKey(hex: text) else {
            throw Swift.DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "not a 32-byte Ed25519 key in hex"))
        }
        self = key
    }

    public func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

extension Signature: Codable {
    public init(from decoder: any Swift.Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let signature = Signature(hex: text) else {
            throw Swift.DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "not a 64-byte signature in hex"))
        }
        self = signature
    }

    public func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

extension Hash256: Codable {
    public init(from decoder: any Swift.Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let hash = Hash256(hex: text) else {
            throw Swift.DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "not a 32-byte hash in hex"))
        }
        self = hash
    }

    public func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

