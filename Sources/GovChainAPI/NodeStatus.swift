/// What `GET /v1/status` and `govchain-node status` report.
public struct NodeStatus: Sendable, Codable, Hashable {
    public var chainID: String
    public var nodeID: String
    public var isValidator: Bool
    public var height: UInt64
    public var lastBlockHash: String
    public var lastBlockTimeMs: UInt64
    public var round: UInt64
    public var peers: [String]
    public var catchingUp: Bool
    public var bestPeerHeight: UInt64
    public var mempoolSize: Int
    public var genesisHash: String
    /// The chain's crypto suite: "ed25519-sha256" or "sm2-sm3" (genesis `cryptoSuite`).
    public var cryptoSuite: String
    /// The SM2 user id of an "sm2-sm3" chain (null on other suites).
    @Nullable public var sm2UserID: String?

    enum CodingKeys: String, CodingKey {
        case chainID = "chain_id"
        case nodeID = "node_id"
        case isValidator = "is_validator"
        case height
        case lastBlockHash = "last_block_hash"
        case lastBlockTimeMs = "last_block_time_ms"
        case round, peers
        case catchingUp = "catching_up"
        case bestPeerHeight = "best_peer_height"
        case mempoolSize = "mempool_size"
        case genesisHash = "genesis_hash"
        case cryptoSuite = "crypto_suite"
        case sm2UserID = "sm2_user_id"
    }

    public init(
        chainID: String, nodeID: String, isValidator: Bool, height: UInt64, lastBlockHash: String,
        lastBlockTimeMs: UInt64, round: UInt64, peers: [String], catchingUp: Bool, bestPeerHeight: UInt64,
        mempoolSize: Int, genesisHash: String, cryptoSuite: String, sm2UserID: String?
    ) {
        self.chainID = chainID
        self.nodeID = nodeID
        self.isValidator = isValidator
        self.height = height
        self.lastBlockHash = lastBlockHash
        self.lastBlockTimeMs = lastBlockTimeMs
        self.round = round
        self.peers = peers
        self.catchingUp = catchingUp
        self.bestPeerHeight = bestPeerHeight
        self.mempoolSize = mempoolSize
        self.genesisHash = genesisHash
        self.cryptoSuite = cryptoSuite
        self.sm2UserID = sm2UserID
    }
}
