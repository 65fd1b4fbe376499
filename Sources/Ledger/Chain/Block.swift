/// A block header. Roots are of the block's own transactions (`txRoot`) and of the
/// results of executing the PREVIOUS block (`resultsReceiptsRoot`, `resultsStateRoot`):
/// consensus orders blocks without waiting for execution, and block h+1's certificate
/// certifies the state after block h (CometBFT's "app hash" lag; see docs/consensus.md).
public struct BlockHeader: Hashable, Sendable, CanonicalCodable {
    /// 2: `nextValidatorsHash` (validator-set changes, docs/consensus.md).
    public static let version: UInt8 = 2

    public var chainID: String
    public var height: UInt64
    /// The consensus round in which the block was proposed.
    public var round: UInt64
    public var previousHash: Hash256
    public var txRoot: Hash256
    /// Merkle root of the receipts of block `height - 1`.
    public var receiptsRoot: Hash256
    /// Sparse-Merkle state root after executing block `height - 1`.
    public var stateRoot: Hash256
    public var proposer: PublicKey
    /// Milliseconds since the Unix epoch, chosen by the proposer and checked by voters
    /// (monotone, near their clocks); the only time contracts ever see.
    public var timeMs: UInt64
    /// `ValidatorSet.hash` of the set that certifies block `height + 1` (CometBFT's
    /// next_validators_hash): derived from the state after block `height - 1`, which the
    /// proposer has executed, so a verifier holding this certified header knows which keys
    /// to expect on the next certificate.
    public var nextValidatorsHash: Hash256

    public init(
        chainID: String, height: UInt64, round: UInt64, previousHash: Hash256, txRoot: Hash256,
        receiptsRoot: Hash256, stateRoot: Hash256, proposer: PublicKey, timeMs: UInt64,
        nextValidatorsHash: Hash256
    ) {
        self.chainID = chainID
        self.height = height
        self.round = round
        self.previousHash = previousHash
        self.txRoot = txRoot
        self.receiptsRoot = receiptsRoot
        self.stateRoot = stateRoot
        self.proposer = proposer
        self.timeMs = timeMs
        self.nextValidatorsHash = nextValidatorsHash
    }

    /// The block id: the chain hash (SHA-256 or SM3) of the canonical header. Validators
    /// sign this.
    public var hash: Hash256 { ChainHash.hash(canonicalBytes) }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(BlockHeader.version)
        encoder.encode(chainID)
        encoder.encode(height)
        encoder.encode(round)
        encoder.encode(previousHash)
        encoder.encode(txRoot)
        encoder.encode(receiptsRoot)
        encoder.encode(stateRoot)
        encoder.encode(proposer)
        encoder.encode(timeMs)
        encoder.encode(nextValidatorsHash)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "BlockHeader", supported: 2...2)
        chainID = try decoder.decode(String.self, limit: 64)
        height = try decoder.decode(UInt64.self)
        round = try decoder.decode(UInt64.self)
        previousHash = try decoder.decode(Hash256.self)
        txRoot = try decoder.decode(Hash256.self)
        receiptsRoot = try decoder.decode(Hash256.self)
        stateRoot = try decoder.decode(Hash256.self)
        proposer = try decoder.decode(PublicKey.self)
        timeMs = try decoder.decode(UInt64.self)
        nextValidatorsHash = try decoder.decode(Hash256.self)
    }
}

/// A header and its ordered transactions.
public struct Block: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1
    /// Upper bound on transactions in one block, enforced when decoding.
    public static let maxTransactions = 10_000

    public var header: BlockHeader
    public var transactions: [Transaction]

    public init(header: BlockHeader, transactions: [Transaction]) {
        self.header = header
        self.transactions = transactions
    }

    public var hash: Hash256 { header.hash }
    public var height: UInt64 { header.height }

    /// Merkle root over the transactions' canonical encodings (signatures included, so the
    /// header commits to exactly the bytes that were voted on).
    public static func transactionRoot(_ transactions: [Transaction]) -> Hash256 {
        MerkleTree.root(leaves: transactions.map(\.canonicalBytes))
    }

    /// True when the header's tx root matches the transactions carried.
    public var hasConsistentTxRoot: Bool {
        header.txRoot == Block.transactionRoot(transactions)
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(Block.version)
        encoder.encode(header)
        encoder.encode(transactions)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "Block", supported: 1...1)
        header = try decoder.decode(BlockHeader.self)
        transactions = try decoder.decodeArray(of: Transaction.self, limit: Block.maxTransactions)
    }
}
