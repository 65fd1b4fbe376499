public import Consensus
public import Contracts
public import Ledger
public import Logging

/// What committing one block produced, for waiters, metrics and the event stream.
public struct CommitOutcome: Sendable {
    public let block: Block
    public let certificate: CommitCertificate
    public let receipts: [Receipt]
    public let results: ExecutionResults
}

/// The application side of consensus: proposes batches from the mempool, validates
/// proposals, and executes committed blocks through Contracts, writing each block and
/// everything it changes to RocksDB in one synced batch.
///
/// Used from the consensus driver's single task only (blocks are executed in order, one at a
/// time), so it needs no lock; readers use the store directly.
public final class ChainExecutor {
    public let store: BlockStore
    public let genesis: Genesis
    public let mempool: Mempool
    let logger: Logger
    /// Hot state-tree nodes, shared by every block this executor commits.
    let treeCache = StateTreeCache()
    public private(set) var tip: ChainTip
    /// Results of executing the tip block: the next header must carry them.
    public private(set) var tipResults: ExecutionResults
    /// Called after each commit (on the driver's task).
    var onCommit: (CommitOutcome) -> Void = { _ in }

    public init(store: BlockStore, genesis: Genesis, mempool: Mempool, logger: Logger) throws {
        self.store = store
        self.genesis = genesis
        self.mempool = mempool
        self.logger = logger
        if try store.genesis() == nil {
            try Self.initialiseGenesisState(store: store, genesis: genesis)
        }
        let height = store.lastHeight
        guard let results = try store.results(at: height) else {
            throw StorageError("no execution results stored for height \(height)")
        }
        tipResults = results
        if height == 0 {
            tip = ChainTip.genesis(genesis)
        } else {
            guard let block = try store.block(at: height) else { throw StorageError("tip block \(height) missing") }
            tip = ChainTip(block: block)
        }
    }

    /// Seeds state from genesis (organisations, keys, roles, chain parameters) and records
    /// the genesis state root as the results of "block 0".
    public static func initialiseGenesisState(store: BlockStore, genesis: Genesis) throws {
        let writes = genesisState(genesis)
        let updates = writes.map { SparseMerkleTree.Update(key: $0.key.bytes, value: $0.value) }
        let tree = SparseMerkleTree.apply(updates, to: SparseMerkleTree.emptyRoot, store: RocksStateTreeStore(database: store.database))
        try store.initialise(
            genesis: genesis,
            state: writes.compactMap { write in write.value.map { (write.key.bytes, $0) } },
            results: ExecutionResults(receiptsRoot: MerkleTree.emptyRoot, stateRoot: tree.root),
            treeNodes: tree.newNodes.map { ($0.hash.bytes, $0.node.canonicalBytes) })
    }

    // MARK: - Proposal

    public func proposalPayload(height: UInt64, round: UInt64) -> ProposalPayload {
        precondition(height == tip.height + 1, "proposal for \(height) on tip \(tip.height)")
        let parameters = genesis.consensus
        let candidates = mempool.reap(maxCount: Int(parameters.maxBlockTransactions), maxBytes: Int(parameters.maxBlockBytes))
        // The mempool may still hold a tx committed moments ago by another path (sync).
        let transactions = candidates.filter { (try? store.location(ofTransaction: $0.id)) == nil }
        return ProposalPayload(
            transactions: transactions, receiptsRoot: tipResults.receiptsRoot, stateRoot: tipResults.stateRoot)
    }

    // MARK: - Validation

    /// Checks a proposal for the next height. Signatures come from the node's cache, so a tx
    /// admitted to this node's mempool is never verified twice.
    public func validate(block: Block) -> BlockValidity {
        let header = block.header
        guard header.height == tip.height + 1 else { return .invalid(reason: "height \(header.height) on tip \(tip.height)") }
        guard header.receiptsRoot == tipResults.receiptsRoot, header.stateRoot == tipResults.stateRoot else {
            return .invalid(reason: "header roots differ from this node's results of block \(tip.height)")
        }
        let parameters = genesis.consensus
        guard block.transactions.count <= Int(parameters.maxBlockTransactions) else {
            return .invalid(reason: "\(block.transactions.count) transactions exceed the block limit")
        }
        var seen = Set<Hash256>()
        var bytes = 0
        for tx in block.transactions {
            let id = tx.id
            let size = tx.canonicalBytes.count
            bytes += size
            guard size <= Int(parameters.maxTransactionBytes) else { return .invalid(reason: "tx \(id) too large") }
            guard tx.chainID == genesis.chainID else { return .invalid(reason: "tx \(id) is for another chain") }
            guard tx.validUntilHeight >= header.height else { return .invalid(reason: "tx \(id) expired") }
            guard seen.insert(id).inserted else { return .invalid(reason: "tx \(id) appears twice") }
            guard (try? store.location(ofTransaction: id)) == nil else { return .invalid(reason: "tx \(id) is a replay") }
            guard mempool.signatures.isValid(tx, id: id) else { return .invalid(reason: "tx \(id) has an invalid signature") }
        }
        guard bytes <= Int(parameters.maxBlockBytes) else { return .invalid(reason: "block of \(bytes) bytes too large") }
        return .valid
    }

    // MARK: - Execution and commit

    /// Executes a final block and commits it with everything it changes in one synced batch.
    /// - Precondition: `block` extends the tip and `certificate` proves it final.
    @discardableResult
    public func commit(block: Block, certificate: CommitCertificate) throws -> CommitOutcome {
        precondition(block.height == tip.height + 1, "commit of \(block.height) on tip \(tip.height)")
        let result = BlockExecutor.execute(
            transactions: block.transactions, height: block.height, timeMs: block.header.timeMs,
            over: RocksStateStore(database: store.database))
        let updates = result.writes.map { SparseMerkleTree.Update(key: $0.key.bytes, value: $0.value) }
        let tree = SparseMerkleTree.apply(
            updates, to: tipResults.stateRoot, store: RocksStateTreeStore(database: store.database, cache: treeCache))
        let results = ExecutionResults(receiptsRoot: Receipt.root(result.receipts), stateRoot: tree.root)
        let committed = CommittedBlock(
            block: block, certificate: certificate, receipts: result.receipts, results: results,
            stateChanges: result.writes.map { StateChange(key: $0.key.bytes, value: $0.value, txIndex: 0) },
            treeNodes: tree.newNodes.map { ($0.hash.bytes, $0.node.canonicalBytes) })
        try store.commit(committed)
        treeCache.insert(tree.newNodes)
        tip = ChainTip(block: block)
        tipResults = results
        // Receipts carry the ids the executor computed once per transaction.
        mempool.update(committed: result.receipts.map(\.txID), height: block.height)
        // Only governance calls change who may do what: recheck the pool after those.
        if block.transactions.contains(where: { $0.contract == GovernanceCall.contractName }) {
            recheckMempool()
        }
        let outcome = CommitOutcome(block: block, certificate: certificate, receipts: result.receipts, results: results)
        onCommit(outcome)
        return outcome
    }

    /// The recheck after each block: drops pending txs whose sender lost its key or role.
    public func recheckMempool() {
        let state = RocksStateStore(database: store.database)
        mempool.recheck { tx in
            if case .success = BlockExecutor.checkTx(tx, over: state) { return true }
            return false
        }
    }
}
