/// A validator as genesis lists it.
public struct Validator: Hashable, Sendable, Codable, CanonicalCodable {
    public var name: String
    public var publicKey: PublicKey
    /// host:port of its peer endpoint.
    public var address: String

    public init(name: String, publicKey: PublicKey, address: String) {
        self.name = name
        self.publicKey = publicKey
        self.address = address
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(name)
        encoder.encode(publicKey)
        encoder.encode(address)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        name = try decoder.decode(String.self, limit: 256)
        publicKey = try decoder.decode(PublicKey.self)
        address = try decoder.decode(String.self, limit: 256)
    }
}

/// The ordered validator set: a validator's index is its position here. Equal voting power.
public struct ValidatorSet: Hashable, Sendable {
    public static let maxValidators = 31

    public let validators: [Validator]
    private let indexByKey: [PublicKey: Int]

    /// - Precondition: 1...31 validators with distinct keys (genesis validation checks this
    ///   for untrusted input before calling).
    public init(_ validators: [Validator]) {
        precondition((1...ValidatorSet.maxValidators).contains(validators.count), "1...31 validators")
        var index: [PublicKey: Int] = [:]
        for (position, validator) in validators.enumerated() {
            precondition(index[validator.publicKey] == nil, "duplicate validator key")
            index[validator.publicKey] = position
        }
        self.validators = validators
        self.indexByKey = index
    }

    public var count: Int { validators.count }
    /// The number of faulty validators tolerated: n = 3f + 1 (+ up to 2 spare).
    public var maxFaulty: Int { (count - 1) / 3 }
    /// Votes needed for a certificate: any two quorums share at least f + 1 validators,
    /// so at least one honest one.
    public var quorum: Int { count - maxFaulty }

    public func index(of key: PublicKey) -> Int? { indexByKey[key] }

    public subscript(index: Int) -> Validator { validators[index] }

    public static func == (lhs: ValidatorSet, rhs: ValidatorSet) -> Bool {
        lhs.validators == rhs.validators
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(validators) }

    /// The set's commitment, as block headers carry it (`BlockHeader.nextValidatorsHash`):
    /// the chain hash of a domain tag and the canonical list (names, keys, addresses, in
    /// index order), so two sets hash equal exactly when they certify the same way.
    public var hash: Hash256 { Self.hash(of: validators) }

    /// The same commitment for a list not (yet) checked to be a valid set.
    public static func hash(of validators: [Validator]) -> Hash256 {
        var encoder = CanonicalEncoder()
        encoder.encode(validators)
        return ChainHash.hash(parts: [ValidatorSet.hashTag, encoder.bytes])
    }

    /// A set built from untrusted input: nil unless it has 1...31 validators with distinct
    /// keys (the initialiser's precondition).
    public static func checked(_ validators: [Validator]) -> ValidatorSet? {
        guard (1...maxValidators).contains(validators.count),
              Set(validators.map(\.publicKey)).count == validators.count
        else { return nil }
        return ValidatorSet(validators)
    }

    static let hashTag = Array("govchain/validator-set/v1".utf8)
}

