import Consensus
import Contracts
import Execution
import Ledger

/// One delivered block as the cluster checks it.
struct Delivery {
    let decision: Decision
    /// The executor's results of the block before, at the moment of delivery.
    let resultsBefore: ExecutionResults
    /// What the certified header says those results are.
    let headerResults: ExecutionResults
    /// Whether the executor committed it (false once it has halted).
    let committed: Bool
}

/// The real `ChainExecutor` as the replica's application, with a Byzantine proposer's
/// tampering (when the instance is Byzantine) and a record of what was proposed and
/// delivered, for the cluster's invariant checks.
struct InstanceApplication: ConsensusApplication {
    let executor: ChainExecutor
    let pool: SimPool
    let isByzantine: Bool
    /// A Byzantine proposer's tampering (nil on honest instances).
    var tamperer: ProposalTamperer?
    /// A Byzantine replica's belief that the set never changes (`keepsGenesisSet`).
    var frozenSet: ValidatorSet?
    var proposedTxRoots: [Hash256] = []
    var delivered: [Delivery] = []

    init(executor: ChainExecutor, pool: SimPool, isByzantine: Bool) {
        self.executor = executor
        self.pool = pool
        self.isByzantine = isByzantine
    }

    mutating func proposalPayload(height: UInt64, round: UInt64) -> ProposalPayload {
        var payload = executor.proposalPayload(height: height, round: round)
        if let tamperer { payload.transactions = tamperer.tamper(payload.transactions) }
        proposedTxRoots.append(Block.transactionRoot(payload.transactions))
        return payload
    }

    func validate(block: Block) -> BlockValidity { executor.validate(block: block) }

    func validatorSet(forHeight height: UInt64) -> ValidatorSet? {
        frozenSet ?? executor.validatorSet(forHeight: height)
    }

    mutating func deliver(block: Block, certificate: CommitCertificate) {
        let before = executor.tipResults
        let heightBefore = executor.tip.height
        executor.deliver(block: block, certificate: certificate)
        let header = ExecutionResults(
            receiptsRoot: block.header.receiptsRoot, stateRoot: block.header.stateRoot)
        delivered.append(
            Delivery(
                decision: Decision(block: block, certificate: certificate), resultsBefore: before,
                headerResults: header, committed: executor.tip.height == heightBefore + 1))
    }
}

/// The reference execution: one executor fed the agreed chain (each height's first honest
/// delivery), which checks every committed transaction against I2 and every header against
/// I4 before applying it.
struct Oracle {
    let store = InMemoryChainStore()
    let executor: ChainExecutor
    private(set) var committedTransactions = 0

    init(genesis: Genesis) {
        let signatures = SignatureCache(capacity: 1)
        guard
            let executor = try? ChainExecutor(
                store: store, genesis: genesis, pool: EmptyPool(), signatures: signatures)
        else { preconditionFailure("the reference executor failed to open its store") }
        self.executor = executor
    }

    /// Bills with a successful claim on the agreed chain.
    private(set) var billsClaimed: Set<UInt64> = []

    /// - Parameter claimedBill: the bill each workload claim draws on.
    /// - Returns: the invariant the decision breaks, or nil after applying it.
    mutating func apply(_ decision: Decision, claimedBill: [Hash256: UInt64]) -> String? {
        let block = decision.block
        // Heights reach the oracle in order only if every height is seen; a gap means an
        // honest replica skipped heights, which `deliver` itself would refuse.
        guard block.height == executor.tip.height + 1 else { return nil }
        let state = store.committedState()
        for tx in block.transactions {
            let id = tx.id
            guard tx.hasValidSignature else {
                return
                    "I2 validity: height \(block.height) commits tx \(id) with an invalid signature"
            }
            guard tx.chainID == SimChain.chainID else {
                return "I2 validity: tx \(id) of another chain committed"
            }
            guard (try? store.isCommitted(id)) == false else {
                return "I2 validity: tx \(id) committed twice"
            }
            if case let .failure(error) = BlockExecutor.checkTx(tx, over: state) {
                return
                    "I2 validity: height \(block.height) commits tx \(id) from an unpermitted sender (\(error))"
            }
            guard tx.canonicalBytes.count <= Int(SimChain.parameters.maxTransactionBytes) else {
                return "I2 validity: oversized tx \(id) committed"
            }
        }
        executor.deliver(block: block, certificate: decision.certificate)
        if let halt = executor.halt {
            return "I4 state: the agreed chain does not execute to its headers: \(halt)"
        }
        committedTransactions += block.transactions.count
        for outcome in executor.takeOutcomes() {
            for receipt in outcome.receipts where receipt.code == Receipt.successCode {
                guard let bill = claimedBill[receipt.txID] else { continue }
                guard billsClaimed.insert(bill).inserted else {
                    return
                        "I8 domain: bill \(bill) reimbursed twice beyond its amount (height \(block.height))"
                }
            }
        }
        return nil
    }
}

final class EmptyPool: TransactionPool {
    func reap(maxCount: Int, maxBytes: Int) -> [Transaction] { [] }
    func removeCommitted(_ ids: [Hash256], height: UInt64) {}
    func recheck(_ stillValid: (Transaction) -> Bool) {}
}

/// A deliberately broken disk for the finding-8 mutation test: from `fromHeight` on, reads
/// of bills come back empty, so this replica's execution differs from everyone else's.
final class DivergentChainStore: ChainStore {
    let base: InMemoryChainStore
    let fromHeight: UInt64

    init(base: InMemoryChainStore, fromHeight: UInt64) {
        self.base = base
        self.fromHeight = fromHeight
    }

    func storedGenesis() throws -> Genesis? { try base.storedGenesis() }
    func initialise(
        genesis: Genesis, writes: [StateWrite], results: ExecutionResults,
        treeNodes: [(hash: Hash256, node: SparseMerkleNode)]
    ) throws {
        try base.initialise(
            genesis: genesis, writes: writes, results: results, treeNodes: treeNodes)
    }
    var lastHeight: UInt64 { base.lastHeight }
    func block(at height: UInt64) throws -> Block? { try base.block(at: height) }
    func results(at height: UInt64) throws -> ExecutionResults? { try base.results(at: height) }
    func isCommitted(_ id: Hash256) throws -> Bool { try base.isCommitted(id) }
    func commit(_ commit: BlockCommit) throws { try base.commit(commit) }

    func committedState() -> any CommittedStateReader {
        let reader = base.committedState()
        return base.lastHeight + 1 >= fromHeight ? ForgetfulReader(base: reader) : reader
    }

    struct ForgetfulReader: CommittedStateReader {
        let base: any CommittedStateReader
        var failure: (any Error)? { nil }
        func value(for key: StateKey) -> [UInt8]? {
            key.bytes.starts(with: Array("bill".utf8)) ? nil : base.value(for: key)
        }
        func entries(withPrefix prefix: StateKey) -> [StateEntry] {
            base.entries(withPrefix: prefix)
        }
        func loadNode(_ hash: Hash256) -> SparseMerkleNode? { base.loadNode(hash) }
    }
}
