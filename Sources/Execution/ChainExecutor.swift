public import Consensus
public import Contracts
public import Ledger

/// What committing one block produced, for waiters, metrics and the event stream.
public struct CommitOutcome: Sendable {
    public let block: Block
    public let certificate: CommitCertificate
    public let receipts: [Receipt]
    public let results: ExecutionResults
    /// Events of the block itself (expiry reminders), after its transactions' events.
    public var blockEvents: [Event] = []
}

/// Why an executor stopped. A halted executor proposes nothing, accepts no proposal and
/// commits nothing more: the node logs the reason and stops (as CometBFT does), rather than
/// serve a state that differs from the certified one.
public enum ExecutionHalt: Error, Equatable, Sendable, CustomStringConvertible {
    /// A final block's header carries roots other than this node's results of the block
    /// before it: this node's execution diverged from the quorum's (issue 17, finding 8).
    case divergence(height: UInt64, header: ExecutionResults, local: ExecutionResults)
    /// A final block does not extend the tip (a broken driver invariant, not input).
    case notExtendingTip(height: UInt64, tip: UInt64)
    /// Storage failed while reading or writing committed data.
    case storage(height: UInt64, reason: String)
    /// A final block names a next validator set other than the one this node's state
    /// determines: its governance history diverged from the quorum's.
    case validatorSetDivergence(height: UInt64, header: Hash256, local: Hash256?)

    public var description: String {
        switch self {
        case let .divergence(height, header, local):
            "state divergence at height \(height): the certified header carries state root "
                + "\(header.stateRoot) and receipts root \(header.receiptsRoot), this node computed "
                + "\(local.stateRoot) and \(local.receiptsRoot) for block \(height - 1)"
        case let .notExtendingTip(height, tip): "final block \(height) does not extend tip \(tip)"
        case let .storage(height, reason): "storage failure at height \(height): \(reason)"
        case let .validatorSetDivergence(height, header, local):
            "validator-set divergence at height \(height): the certified header names set "
                + "\(header), this node's state gives \(local.map { "\($0)" } ?? "none")"
        }
    }
}

/// The application side of consensus: proposes batches from the pool, validates proposals,
/// and executes final blocks through Contracts, committing each with everything it changes in
/// one durable batch. The node runs it over RocksDB, the simulator over memory: the same code.
///
/// Used by one driver at a time (blocks are executed in order, one at a time), so it needs
/// no lock; readers use the store directly.
///
/// `@unchecked Sendable`: the node hands it from its driver task to the thread pool and back,
/// one event at a time, never to two threads at once; the simulator is single-threaded.
public final class ChainExecutor: ConsensusApplication, @unchecked Sendable {
    public let store: any ChainStore
    public let genesis: Genesis
    public let pool: any TransactionPool
    public let signatures: SignatureCache
    public private(set) var tip: ChainTip
    /// Results of executing the tip block: the next header must carry them.
    public private(set) var tipResults: ExecutionResults
    public private(set) var halt: ExecutionHalt?
    /// Commits since the driver last took them (`takeOutcomes`).
    private var outcomes: [CommitOutcome] = []
    /// Rejected proposals since the driver last took them, for its log.
    private var rejections: [(height: UInt64, reason: String)] = []
    /// Test-only: re-creates finding 8 (commit without comparing the header's roots), so the
    /// simulator's mutation test can show that its state invariant catches the divergence.
    public var skipsCommitRootCheck = false
    /// Sets already derived, by height (they never change once determined); bounded.
    private var validatorSets: [UInt64: ValidatorSet] = [:]

    public init(
        store: any ChainStore, genesis: Genesis, pool: any TransactionPool,
        signatures: SignatureCache
    ) throws {
        self.store = store
        self.genesis = genesis
        self.pool = pool
        self.signatures = signatures
        if let stored = try store.storedGenesis() {
            guard stored.hash == genesis.hash else {
                throw ExecutionHalt.storage(
                    height: 0, reason: "the store holds chain \(stored.chainID)")
            }
        } else {
            try Self.initialiseGenesisState(store: store, genesis: genesis)
        }
        let height = store.lastHeight
        guard let results = try store.results(at: height) else {
            throw ExecutionHalt.storage(height: height, reason: "no execution results stored")
        }
        tipResults = results
        if height == 0 {
            tip = ChainTip.genesis(genesis)
        } else {
            guard let block = try store.block(at: height) else {
                throw ExecutionHalt.storage(height: height, reason: "tip block missing")
            }
            tip = ChainTip(block: block)
        }
    }

    /// Seeds state from genesis (organisations, keys, roles, chain parameters) and records
    /// the genesis state root as the results of "block 0".
    public static func initialiseGenesisState(store: any ChainStore, genesis: Genesis) throws {
        let writes = genesisState(genesis)
        let updates = writes.map { SparseMerkleTree.Update(key: $0.key.bytes, value: $0.value) }
        let tree = try SparseMerkleTree.apply(
            updates, to: SparseMerkleTree.emptyRoot, store: InMemorySparseMerkleNodeStore())
        try store.initialise(
            genesis: genesis, writes: writes,
            results: ExecutionResults(receiptsRoot: MerkleTree.emptyRoot, stateRoot: tree.root),
            treeNodes: tree.newNodes)
    }

    /// The commits made since the last call, in height order.
    public func takeOutcomes() -> [CommitOutcome] {
        defer { outcomes.removeAll(keepingCapacity: true) }
        return outcomes
    }

    /// The proposals rejected since the last call, with their reasons.
    public func takeRejections() -> [(height: UInt64, reason: String)] {
        defer { rejections.removeAll(keepingCapacity: true) }
        return rejections
    }

    // MARK: - Proposal

    public func proposalPayload(height: UInt64, round: UInt64) -> ProposalPayload {
        // A missing set means storage failed or state is corrupt: the proposal carries
        // a hash no honest validator accepts, so nothing is decided on it.
        let nextSet = validatorSet(forHeight: height &+ 1)
        let empty = ProposalPayload(
            transactions: [], receiptsRoot: tipResults.receiptsRoot, stateRoot: tipResults.stateRoot,
            nextValidatorsHash: nextSet?.hash ?? .zero)
        // Consensus only asks for the next height; anything else proposes nothing.
        guard halt == nil, height == tip.height + 1 else { return empty }
        let parameters = genesis.consensus
        let candidates = pool.reap(
            maxCount: Int(parameters.maxBlockTransactions), maxBytes: Int(parameters.maxBlockBytes))
        let state = store.committedState()
        // The pool may hold a tx committed moments ago, or one whose sender lost its role
        // since admission: propose only what every honest validator will accept.
        let transactions = candidates.filter { tx in
            admissibility(of: tx, id: tx.id, height: height, state: state) == nil
        }
        guard state.failure == nil else { return empty }
        var payload = empty
        payload.transactions = transactions
        return payload
    }

    // MARK: - Validation

    /// Checks a proposal for the next height: every transaction well-formed for this chain,
    /// unexpired, not a replay, signed (checked through the node's cache, keyed by id and
    /// signature) by a registered key allowed to make its call; the block within its limits;
    /// the header roots equal to this node's own results of the previous block.
    public func validate(block: Block) -> BlockValidity {
        let verdict = validity(of: block)
        if case let .invalid(reason) = verdict {
            if rejections.count < 64 { rejections.append((block.height, reason)) }
        }
        return verdict
    }

    private func validity(of block: Block) -> BlockValidity {
        let header = block.header
        guard halt == nil else { return .invalid(reason: "this node has halted") }
        guard header.height == tip.height + 1 else {
            return .invalid(reason: "height \(header.height) on tip \(tip.height)")
        }
        guard header.receiptsRoot == tipResults.receiptsRoot,
            header.stateRoot == tipResults.stateRoot
        else {
            return .invalid(
                reason: "header roots differ from this node's results of block \(tip.height)")
        }
        guard let nextSet = validatorSet(forHeight: header.height + 1),
            header.nextValidatorsHash == nextSet.hash
        else {
            return .invalid(reason: "header names another next validator set than this node's state")
        }
        let parameters = genesis.consensus
        guard block.transactions.count <= Int(parameters.maxBlockTransactions) else {
            return .invalid(
                reason: "\(block.transactions.count) transactions exceed the block limit")
        }
        let state = store.committedState()
        var seen = Set<Hash256>()
        var bytes = 0
        for tx in block.transactions {
            let id = tx.id
            let size = tx.canonicalBytes.count
            bytes += size
            guard size <= Int(parameters.maxTransactionBytes) else {
                return .invalid(reason: "tx \(id) too large")
            }
            guard bytes <= Int(parameters.maxBlockBytes) else {
                return .invalid(reason: "block of more than \(parameters.maxBlockBytes) bytes")
            }
            guard seen.insert(id).inserted else {
                return .invalid(reason: "tx \(id) appears twice")
            }
            if let reason = admissibility(of: tx, id: id, height: header.height, state: state) {
                return .invalid(reason: "tx \(id): \(reason)")
            }
        }
        if let failure = state.failure {
            return .invalid(reason: "storage failure while validating: \(failure)")
        }
        return .valid
    }

    /// Why `tx` may not go into block `height`, or nil. A storage failure counts as a
    /// refusal (fail closed): "could not look it up" is never "not committed".
    private func admissibility(
        of tx: Transaction, id: Hash256, height: UInt64, state: any CommittedStateReader
    ) -> String? {
        guard tx.chainID == genesis.chainID else { return "for another chain" }
        guard tx.validUntilHeight >= height else {
            return "expired at height \(tx.validUntilHeight)"
        }
        let committed: Bool
        do { committed = try store.isCommitted(id) } catch {
            return "replay check failed: \(error)"
        }
        guard !committed else { return "a replay of a committed transaction" }
        // Registered sender holding a role for this call (issue 17, finding 5): a proposer
        // must not be able to commit calls the mempool of every honest node would refuse.
        if case let .failure(error) = BlockExecutor.checkTx(tx, over: state) {
            return "sender not permitted: \(error.description)"
        }
        guard signatures.isValid(tx, id: id) else { return "invalid signature" }
        return nil
    }

    // MARK: - Execution and commit

    /// Executes a final block and commits it with everything it changes in one durable batch.
    /// Any failure halts the executor (see `halt`) instead of trapping or committing a state
    /// that differs from the quorum's.
    public func deliver(block: Block, certificate: CommitCertificate) {
        guard halt == nil else { return }
        let header = block.header
        guard header.height == tip.height + 1, header.previousHash == tip.blockHash else {
            halt = .notExtendingTip(height: header.height, tip: tip.height)
            return
        }
        // The certified header carries the quorum's results of the previous block: a node
        // whose own results differ has diverged and must stop (issue 17, finding 8).
        let certified = ExecutionResults(
            receiptsRoot: header.receiptsRoot, stateRoot: header.stateRoot)
        guard certified == tipResults || skipsCommitRootCheck else {
            halt = .divergence(height: header.height, header: certified, local: tipResults)
            return
        }
        let nextSet = validatorSet(forHeight: header.height + 1)
        guard header.nextValidatorsHash == nextSet?.hash else {
            halt = .validatorSetDivergence(
                height: header.height, header: header.nextValidatorsHash, local: nextSet?.hash)
            return
        }
        let state = store.committedState()
        let result = BlockExecutor.execute(
            transactions: block.transactions, height: block.height, timeMs: header.timeMs,
            over: state)
        let updates = result.writes.map {
            SparseMerkleTree.Update(key: $0.key.bytes, value: $0.value)
        }
        let tree: (root: Hash256, newNodes: [(hash: Hash256, node: SparseMerkleNode)])
        do {
            tree = try SparseMerkleTree.apply(updates, to: tipResults.stateRoot, store: state)
        } catch {
            halt = .storage(
                height: header.height, reason: "\(state.failure.map { "\($0)" } ?? "\(error)")")
            return
        }
        if let failure = state.failure {
            halt = .storage(height: header.height, reason: "read failed: \(failure)")
            return
        }
        let results = ExecutionResults(
            receiptsRoot: Receipt.root(result.receipts), stateRoot: tree.root)
        do {
            try store.commit(
                BlockCommit(
                    block: block, certificate: certificate, receipts: result.receipts,
                    results: results,
                    writes: result.writes, treeNodes: tree.newNodes))
        } catch {
            halt = .storage(height: header.height, reason: "commit failed: \(error)")
            return
        }
        tip = ChainTip(block: block)
        tipResults = results
        // Receipts carry the ids the executor computed once per transaction.
        pool.removeCommitted(result.receipts.map(\.txID), height: block.height)
        // Only governance calls change who may do what: recheck the pool after those.
        if block.transactions.contains(where: { $0.contract == GovernanceCall.contractName }) {
            recheckPool()
        }
        outcomes.append(
            CommitOutcome(
                block: block, certificate: certificate, receipts: result.receipts, results: results,
                blockEvents: result.blockEvents)
        )
    }

    // MARK: - Validator sets

    /// The set that certifies block `height`, from the governance record's history in the
    /// committed state (`ValidatorSchedule`): known up to `tip + 2`, nil beyond, after a halt,
    /// or when storage fails or the record is corrupt.
    /// The follower keys governance admits as of the committed tip (`gov/followers`); nil
    /// when the record does not decode or the store failed (the caller keeps what it had).
    public func followerKeys() -> [PublicKey]? {
        guard halt == nil else { return nil }
        let state = store.committedState()
        guard let list = FollowerList.stored(in: state), state.failure == nil else { return nil }
        return list.followers.map(\.publicKey)
    }

    public func validatorSet(forHeight height: UInt64) -> ValidatorSet? {
        guard halt == nil else { return nil }
        if let known = validatorSets[height] { return known }
        let state = store.committedState()
        guard
            let validators = ValidatorSchedule.validators(
                certifying: height, tip: tip.height, in: state),
            state.failure == nil
        else { return nil }
        // The record's decoder refuses empty and repeated keys, and its writers keep 1...31.
        let set = ValidatorSet(validators)
        if validatorSets.count >= 64 {
            validatorSets = validatorSets.filter { $0.key + 8 > tip.height }
        }
        validatorSets[height] = set
        return set
    }

    /// The recheck after governance blocks: drops pending txs whose sender lost its key or role.
    public func recheckPool() {
        let state = store.committedState()
        pool.recheck { tx in
            if case .success = BlockExecutor.checkTx(tx, over: state) { return true }
            return false
        }
    }
}
