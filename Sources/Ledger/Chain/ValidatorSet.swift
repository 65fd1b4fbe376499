/// A validator as genesis and governance list it. It holds two keys with one use each (issue
/// 15 item 2, as Diem keeps the consensus key in SafetyRules alone): `publicKey`, the
/// consensus key, signs proposals and votes and nothing else; `networkKey` authenticates the
/// node's peer connections. Evidence is reported by a third key, an organisation key (see
/// docs/operations.md). Governance rotates both (`GovernanceChange.rotateValidatorKeys`).
public struct Validator: Hashable, Sendable, Codable, CanonicalCodable {
    public var name: String
    /// The consensus key: signs proposals and votes, nothing else.
    public var publicKey: PublicKey
    /// host:port of its peer endpoint.
    public var address: String
    /// The network key: the peer handshake's static key, never a signer of statements.
    public var networkKey: PublicKey

    public init(name: String, publicKey: PublicKey, address: String, networkKey: PublicKey) {
        self.name = name
        self.publicKey = publicKey
        self.address = address
        self.networkKey = networkKey
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(name)
        encoder.encode(publicKey)
        encoder.encode(address)
        encoder.encode(networkKey)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        name = try decoder.decode(String.self, limit: 256)
        publicKey = try decoder.decode(PublicKey.self)
        address = try decoder.decode(String.self, limit: 256)
        networkKey = try decoder.decode(PublicKey.self)
    }

    /// Why `validators` cannot form a set whose keys each have one use, or nil: every
    /// consensus key and every network key must differ from every other key of the list
    /// (no key both signs votes and authenticates a connection, no two validators share
    /// one), so a peer key never names a validator's consensus identity and a leaked
    /// network key signs nothing that counts.
    public static func keyConflict(in validators: [Validator]) -> String? {
        var seen: Set<PublicKey> = []
        for validator in validators {
            guard seen.insert(validator.publicKey).inserted else {
                return "key \(validator.publicKey.hex.prefix(16)) of \(validator.name) is used twice"
            }
            guard seen.insert(validator.networkKey).inserted else {
                return "network key \(validator.networkKey.hex.prefix(16)) of \(validator.name) is used twice "
                    + "(a network key must differ from every consensus and network key)"
            }
        }
        return nil
    }
}

/// The ordered validator set: a validator's index is its position here. Equal voting power.
public struct ValidatorSet: Hashable, Sendable {
    public static let maxValidators = 31

    public let validators: [Validator]
    private let indexByKey: [PublicKey: Int]
    private let networkKeys: Set<PublicKey>

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
        self.networkKeys = Set(validators.map(\.networkKey))
    }

    public var count: Int { validators.count }
    /// The number of faulty validators tolerated: n = 3f + 1 (+ up to 2 spare).
    public var maxFaulty: Int { (count - 1) / 3 }
    /// Votes needed for a certificate: any two quorums share at least f + 1 validators,
    /// so at least one honest one.
    public var quorum: Int { count - maxFaulty }

    /// The index of the validator whose consensus key is `key`.
    public func index(of key: PublicKey) -> Int? { indexByKey[key] }

    /// Whether some validator of the set authenticates peer connections with `key`.
    public func hasNetworkKey(_ key: PublicKey) -> Bool { networkKeys.contains(key) }

    public subscript(index: Int) -> Validator { validators[index] }

    public static func == (lhs: ValidatorSet, rhs: ValidatorSet) -> Bool {
        lhs.validators == rhs.validators
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(validators) }

    /// The set's commitment, as block headers carry it (`BlockHeader.nextValidatorsHash`):
    /// the chain hash of a domain tag and the canonical list (names, consensus keys, addresses,
    /// network keys, in index order), so two sets hash equal exactly when they certify the same way.
    public var hash: Hash256 { Self.hash(of: validators) }

    /// The same commitment for a list not (yet) checked to be a valid set.
    public static func hash(of validators: [Validator]) -> Hash256 {
        var encoder = CanonicalEncoder()
        encoder.encode(validators)
        return ChainHash.hash(parts: [ValidatorSet.hashTag, encoder.bytes])
    }

    /// A set built from untrusted input: nil unless it has 1...31 validators whose consensus
    /// and network keys are all distinct (`Validator.keyConflict`; stricter than the
    /// initialiser's precondition).
    public static func checked(_ validators: [Validator]) -> ValidatorSet? {
        guard (1...maxValidators).contains(validators.count),
              Validator.keyConflict(in: validators) == nil
        else { return nil }
        return ValidatorSet(validators)
    }

    static let hashTag = Array("govchain/validator-set/v2".utf8)
}

