public import Ledger

/// The genesis a node runs: its hash, canonical bytes (the authority, which a verifier
/// hashes and compares with the hash it was handed) and the document in wire casing.
public struct GenesisView: Codable, Sendable, Hashable {
    public var genesisHash: String
    public var chainID: String
    /// ed25519-sha256 | sm2-sm3
    public var cryptoSuite: String
    public var genesisHex: String
    public var genesis: GenesisDocumentView

    enum CodingKeys: String, CodingKey {
        case genesis
        case genesisHash = "genesis_hash", chainID = "chain_id", cryptoSuite = "crypto_suite"
        case genesisHex = "genesis_hex"
    }

    public init(_ genesis: Genesis) {
        genesisHash = genesis.hash.hex
        chainID = genesis.chainID
        cryptoSuite = genesis.cryptoSuite
        genesisHex = Hex.encode(genesis.canonicalBytes)
        self.genesis = GenesisDocumentView(genesis)
    }
}

/// The genesis document's fields (the genesis file itself keeps its own casing:
/// genesis/README.md).
public struct GenesisDocumentView: Codable, Sendable, Hashable {
    public struct OrganisationEntry: Codable, Sendable, Hashable {
        public var id: String
        public var name: String
        public var creditCode: String
        public var keys: [KeyEntry]

        enum CodingKeys: String, CodingKey {
            case id, name, keys
            case creditCode = "credit_code"
        }
    }

    public struct KeyEntry: Codable, Sendable, Hashable {
        public var publicKey: String
        public var roles: [String]
        public var licenceTypes: [String]

        enum CodingKeys: String, CodingKey {
            case roles
            case publicKey = "public_key", licenceTypes = "licence_types"
        }
    }

    public struct ConsensusEntry: Codable, Sendable, Hashable {
        public var timeoutProposeMs: UInt64
        public var timeoutVoteMs: UInt64
        public var timeoutMaxMs: UInt64
        public var maxBlockTransactions: UInt32
        public var maxBlockBytes: UInt32
        public var maxTransactionBytes: UInt32

        enum CodingKeys: String, CodingKey {
            case timeoutProposeMs = "timeout_propose_ms", timeoutVoteMs = "timeout_vote_ms"
            case timeoutMaxMs = "timeout_max_ms", maxBlockTransactions = "max_block_transactions"
            case maxBlockBytes = "max_block_bytes", maxTransactionBytes = "max_transaction_bytes"
        }
    }

    public var chainID: String
    public var genesisTimeMs: UInt64
    public var cryptoSuite: String
    @Nullable public var sm2UserID: String?
    public var validators: [ValidatorView]
    public var organisations: [OrganisationEntry]
    public var adminThreshold: UInt32
    public var consensus: ConsensusEntry

    enum CodingKeys: String, CodingKey {
        case validators, organisations, consensus
        case chainID = "chain_id", genesisTimeMs = "genesis_time_ms", cryptoSuite = "crypto_suite"
        case sm2UserID = "sm2_user_id", adminThreshold = "admin_threshold"
    }

    public init(_ genesis: Genesis) {
        chainID = genesis.chainID
        genesisTimeMs = genesis.genesisTimeMs
        cryptoSuite = genesis.cryptoSuite
        sm2UserID = genesis.sm2UserID
        validators = genesis.validators.map(ValidatorView.init)
        organisations = genesis.organisations.map { organisation in
            OrganisationEntry(
                id: organisation.id, name: organisation.name, creditCode: organisation.creditCode,
                keys: organisation.keys.map {
                    KeyEntry(publicKey: $0.publicKey.hex, roles: $0.roles.map(\.rawValue), licenceTypes: $0.licenceTypes)
                })
        }
        adminThreshold = genesis.adminThreshold
        let parameters = genesis.consensus
        consensus = ConsensusEntry(
            timeoutProposeMs: parameters.timeoutProposeMs, timeoutVoteMs: parameters.timeoutVoteMs,
            timeoutMaxMs: parameters.timeoutMaxMs, maxBlockTransactions: parameters.maxBlockTransactions,
            maxBlockBytes: parameters.maxBlockBytes, maxTransactionBytes: parameters.maxTransactionBytes)
    }
}
