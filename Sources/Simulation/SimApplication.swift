public import Consensus
public import Ledger

/// A deterministic stand-in for the node's executor. Payloads are fake transactions
/// derived from (seed, replica, height, round); the header roots of block h are hashes of
/// block h-1, so every replica can check them and all honest chains must agree on them.
/// Its committed chain doubles as the replica's durable block store across crashes.
public struct SimApplication: ConsensusApplication, Sendable {
    public let chainID: String
    let seed: UInt64
    /// Distinguishes twins, so the two halves of a Byzantine validator propose differently.
    let salt: UInt64
    public private(set) var tip: ChainTip
    public private(set) var chain: [Decision] = []
    /// Tx roots of payloads proposed since the cluster last collected them.
    var proposedTxRoots: [Hash256] = []
    /// Blocks delivered since the cluster last checked them.
    var delivered: [Decision] = []

    static let sender = SigningKey.deterministic(label: "simulation-client").publicKey
    static let blankSignature = try! Signature(bytes: [UInt8](repeating: 0, count: Ed25519.signatureByteCount))

    public init(chainID: String, seed: UInt64, salt: UInt64, genesis: ChainTip) {
        self.chainID = chainID
        self.seed = seed
        self.salt = salt
        self.tip = genesis
    }

    /// The roots a block on top of `parent` must carry.
    static func expectedRoots(parent: Hash256) -> (receipts: Hash256, state: Hash256) {
        (SHA256.hash(parts: [Array("receipts".utf8), parent.bytes]),
         SHA256.hash(parts: [Array("state".utf8), parent.bytes]))
    }

    public mutating func proposalPayload(height: UInt64, round: UInt64) -> ProposalPayload {
        var encoder = CanonicalEncoder()
        for value in [seed, salt, height, round] { encoder.encode(value) }
        let digest = SHA256.hash(encoder.bytes).bytes
        let transactions = (0..<Int(digest[0] % 3)).map { position in
            Transaction(
                chainID: chainID, sender: SimApplication.sender,
                uniqueID: Array(SHA256.hash(parts: [digest, [UInt8(position)]]).bytes.prefix(16)),
                validUntilHeight: height + 100, contract: "simulation", method: "noop", arguments: [],
                signature: SimApplication.blankSignature)
        }
        let roots = SimApplication.expectedRoots(parent: tip.blockHash)
        proposedTxRoots.append(Block.transactionRoot(transactions))
        return ProposalPayload(transactions: transactions, receiptsRoot: roots.receipts, stateRoot: roots.state)
    }

    public func validate(block: Block) -> BlockValidity {
        let roots = SimApplication.expectedRoots(parent: tip.blockHash)
        guard block.header.receiptsRoot == roots.receipts, block.header.stateRoot == roots.state else {
            return .invalid(reason: "roots do not match the previous block")
        }
        guard block.transactions.allSatisfy({ $0.chainID == chainID && $0.contract == "simulation" }) else {
            return .invalid(reason: "foreign transaction")
        }
        return .valid
    }

    public mutating func deliver(block: Block, certificate: CommitCertificate) {
        let decision = Decision(block: block, certificate: certificate)
        chain.append(decision)
        delivered.append(decision)
        tip = ChainTip(block: block)
    }
}
