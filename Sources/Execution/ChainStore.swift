public import Consensus
public import Contracts
public import Ledger

/// The results of executing one block: what the next block's header must carry.
public struct ExecutionResults: Hashable, Sendable, CanonicalCodable {
    public var receiptsRoot: Hash256
    public var stateRoot: Hash256

    public init(receiptsRoot: Hash256, stateRoot: Hash256) {
        self.receiptsRoot = receiptsRoot
        self.stateRoot = stateRoot
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(receiptsRoot)
        encoder.encode(stateRoot)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        receiptsRoot = try decoder.decode(Hash256.self)
        stateRoot = try decoder.decode(Hash256.self)
    }
}

/// Everything one final block changes: the store writes it as ONE atomic, durable batch.
public struct BlockCommit: Sendable {
    public var block: Block
    public var certificate: CommitCertificate
    /// One per transaction, in block order.
    public var receipts: [Receipt]
    public var results: ExecutionResults
    /// Final value per changed key (nil = deleted), sorted by key.
    public var writes: [StateWrite]
    /// New sparse-Merkle-tree nodes, content-addressed.
    public var treeNodes: [(hash: Hash256, node: SparseMerkleNode)]

    public init(
        block: Block, certificate: CommitCertificate, receipts: [Receipt],
        results: ExecutionResults,
        writes: [StateWrite], treeNodes: [(hash: Hash256, node: SparseMerkleNode)]
    ) {
        self.block = block
        self.certificate = certificate
        self.receipts = receipts
        self.results = results
        self.writes = writes
        self.treeNodes = treeNodes
    }
}

/// A read of committed state that remembers the first storage failure instead of trapping:
/// the executor checks `failure` before it commits anything computed from the reads.
public protocol CommittedStateReader: StateStore, SparseMerkleNodeStore {
    /// The first read that failed, if any (a failed read returned nil).
    var failure: (any Error)? { get }
}

/// The executor's port to durable storage (RocksDB in a node, memory in the simulator).
///
/// Every failure is thrown or reported, never swallowed: a storage error must stop this
/// node's progress, not be read as "absent" (issue 17, finding 9).
public protocol ChainStore: AnyObject {
    /// The genesis this store was initialised with, nil when it is empty.
    func storedGenesis() throws -> Genesis?
    /// Records genesis and its state once; refuses a different genesis later.
    func initialise(
        genesis: Genesis, writes: [StateWrite], results: ExecutionResults,
        treeNodes: [(hash: Hash256, node: SparseMerkleNode)]) throws
    /// Height of the last committed block (0 = only genesis).
    var lastHeight: UInt64 { get }
    func block(at height: UInt64) throws -> Block?
    func results(at height: UInt64) throws -> ExecutionResults?
    /// Whether a transaction with this id is in a committed block (replay protection).
    func isCommitted(_ id: Hash256) throws -> Bool
    /// A reader of the committed state and tree nodes, as of the last commit.
    func committedState() -> any CommittedStateReader
    /// Writes a final block and everything it changes atomically and durably.
    func commit(_ commit: BlockCommit) throws
}

/// Pending transactions the executor proposes from and prunes after each commit (the
/// node's mempool, or the simulator's pool).
public protocol TransactionPool: AnyObject {
    /// Up to `maxCount` transactions and `maxBytes` bytes, in proposal order.
    func reap(maxCount: Int, maxBytes: Int) -> [Transaction]
    /// Forgets committed transactions and those that expired at `height`.
    func removeCommitted(_ ids: [Hash256], height: UInt64)
    /// Drops transactions for which `stillValid` fails.
    func recheck(_ stillValid: (Transaction) -> Bool)
}
