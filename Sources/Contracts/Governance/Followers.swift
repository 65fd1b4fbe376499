public import Ledger

/// A node that follows the chain without voting: a department's own replica, which syncs
/// certified blocks, executes them, serves the read API and forwards submitted transactions.
/// Governance admits its key; validators then accept it at the peer handshake (and drop it
/// when governance removes it). The key signs nothing on chain.
public struct Follower: Hashable, Sendable, CanonicalCodable {
    public var name: String
    public var publicKey: PublicKey

    public init(name: String, publicKey: PublicKey) {
        self.name = name
        self.publicKey = publicKey
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(name)
        encoder.encode(publicKey)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        name = try decoder.decode(String.self, limit: RecordLimits.organisationNameBytes)
        publicKey = try decoder.decode(PublicKey.self)
    }
}

/// The admitted followers, in key order (`gov/followers`).
public struct FollowerList: Hashable, Sendable, CanonicalCodable {
    public private(set) var followers: [Follower]

    public init(_ followers: [Follower] = []) {
        self.followers = followers.sorted { $0.publicKey < $1.publicKey }
    }

    public func contains(_ key: PublicKey) -> Bool { followers.contains { $0.publicKey == key } }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(followers)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        let decoded = try decoder.decodeArray(of: Follower.self, limit: RecordLimits.followers)
        // Written sorted and without repeats: anything else is a corrupt record.
        guard zip(decoded, decoded.dropFirst()).allSatisfy({ $0.publicKey < $1.publicKey }) else {
            throw .invalidValue(type: "FollowerList", reason: "followers not in strict key order")
        }
        followers = decoded
    }
}

extension FollowerList {
    /// The list `state` holds (empty before any follower was admitted); nil when the record
    /// does not decode (corrupt state: the caller keeps what it had).
    public static func stored(in state: any StateStore) -> FollowerList? {
        guard let bytes = state.value(for: GovernanceKeys.followers) else { return FollowerList() }
        return try? FollowerList(canonicalBytes: bytes)
    }
}

extension GovernanceContract {
    static func followers(in context: ContractContext) throws(ContractError) -> FollowerList {
        try context.get(FollowerList.self, at: GovernanceKeys.followers) ?? FollowerList()
    }

    static func addFollower(_ follower: Follower, in context: inout ContractContext) throws(ContractError) {
        guard !follower.name.isEmpty else { throw ContractError(.invalidIdentifier, "a follower needs a name") }
        guard try !isValidatorKey(follower.publicKey, in: context) else {
            throw ContractError(.alreadyExists, "\(follower.publicKey.hex.prefix(16)) is a validator's key")
        }
        let list = try followers(in: context)
        guard !list.contains(follower.publicKey) else {
            throw ContractError(.alreadyExists, "\(follower.publicKey.hex.prefix(16)) is a follower")
        }
        try RecordLimits.require(list.followers.count + 1, atMost: RecordLimits.followers, "the follower list")
        context.put(FollowerList(list.followers + [follower]), at: GovernanceKeys.followers)
    }

    static func removeFollower(_ publicKey: PublicKey, in context: inout ContractContext) throws(ContractError) {
        let list = try followers(in: context)
        guard list.contains(publicKey) else {
            throw ContractError(.notFound, "\(publicKey.hex.prefix(16)) is not a follower")
        }
        context.put(FollowerList(list.followers.filter { $0.publicKey != publicKey }), at: GovernanceKeys.followers)
    }
}
