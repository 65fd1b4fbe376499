import Consensus
import Contracts
import Execution
import Ledger
import Testing

// Setup: the real ChainExecutor over the in-memory store (the simulator's port), a
// one-validator genesis with a hospital that may issue bills. Test: the validity rules a
// faulty proposer meets (findings 3, 5, 9) and the halt on a diverged state (finding 8).

private final class Pool: TransactionPool {
    var pending: [Transaction] = []
    func reap(maxCount: Int, maxBytes: Int) -> [Transaction] { Array(pending.prefix(maxCount)) }
    func removeCommitted(_ ids: [Hash256], height: UInt64) {
        pending.removeAll { ids.contains($0.id) }
    }
    func recheck(_ stillValid: (Transaction) -> Bool) { pending.removeAll { !stillValid($0) } }
}

/// An in-memory store whose replay index fails, as a broken disk would.
private final class BrokenIndexStore: ChainStore {
    struct DiskFailure: Error {}
    let base = InMemoryChainStore()
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
    func isCommitted(_ id: Hash256) throws -> Bool { throw DiskFailure() }
    func committedState() -> any CommittedStateReader { base.committedState() }
    func commit(_ commit: BlockCommit) throws { try base.commit(commit) }
}

private enum Chain {
    static let validator = SigningKey.deterministic(label: "executor-test-validator")
    static let hospital = SigningKey.deterministic(label: "executor-test-hospital")
    static let stranger = SigningKey.deterministic(label: "executor-test-stranger")
    static let admin = SigningKey.deterministic(label: "executor-test-admin")

    static var genesis: Genesis {
        Genesis(
            chainID: "executor-test", genesisTimeMs: 1_700_000_000_000,
            validators: [Validator(name: "v0", publicKey: validator.publicKey, address: "a", networkKey: SigningKey.deterministic(label: "network:" + (validator.publicKey).hex).publicKey)],
            organisations: [
                Organisation(
                    id: "bureau", name: "bureau", creditCode: "11360000MB00000011",
                    keys: [OrganisationKey(publicKey: admin.publicKey, roles: [.admin])]),
                Organisation(
                    id: "hospital", name: "hospital", creditCode: "12360000MB0000006D",
                    keys: [OrganisationKey(publicKey: hospital.publicKey, roles: [.billIssuer])]),
            ],
            adminThreshold: 1, consensus: ConsensusParameters())
    }

    static func bill(_ serial: UInt64, by signer: SigningKey) -> Transaction {
        let number = String(1_000_000_000 + serial)
        return ContractCall.bill(
            .issue(
                BillIssue(
                    // A stand-in check digest: the executor stores it as given.
                    number: .medical(code: "36123423", number: number),
                    checkDigest: SHA256.hash(Array("check \(serial)".utf8)),
                    issuedAtMs: 1_700_000_000_000, totalFen: 100, categories: nil, payer: .zero))
        )
        .transaction(
            chainID: "executor-test", signer: signer,
            uniqueID: Array(SHA256.hash(Array(number.utf8)).bytes.prefix(16)), validUntilHeight: 100
        )
    }

    static func block(_ transactions: [Transaction], on executor: ChainExecutor) -> Block {
        let header = BlockHeader(
            chainID: "executor-test", height: executor.tip.height + 1, round: 0,
            previousHash: executor.tip.blockHash, txRoot: Block.transactionRoot(transactions),
            receiptsRoot: executor.tipResults.receiptsRoot,
            stateRoot: executor.tipResults.stateRoot,
            proposer: validator.publicKey, timeMs: executor.tip.timeMs + 1_000,
            nextValidatorsHash: executor.validatorSet(forHeight: executor.tip.height + 2)?.hash ?? .zero)
        return Block(header: header, transactions: transactions)
    }

    static func certificate(_ block: Block) -> CommitCertificate {
        let signature = validator.sign(
            ConsensusStatement.voteSigningBytes(
                chainID: "executor-test", kind: .precommit, height: block.height, round: 0,
                blockID: block.hash))
        return CommitCertificate(
            height: block.height, round: 0, blockID: block.hash,
            signatures: [ValidatorSignature(validatorIndex: 0, signature: signature)])
    }

    static func executor(store: any ChainStore = InMemoryChainStore(), pool: Pool = Pool()) throws
        -> ChainExecutor
    {
        try ChainExecutor(store: store, genesis: genesis, pool: pool, signatures: SignatureCache())
    }
}

@Test(
    "attack: a proposer swaps a gossiped transaction's signature; the cache hit on its id does not pass it (finding 3)"
)
func forgedSignatureAfterCacheHit() throws {
    let executor = try Chain.executor()
    let honest = Chain.bill(1, by: Chain.hospital)
    #expect(executor.signatures.isValid(honest, id: honest.id))  // admitted: now cached
    var forged = honest
    forged.signature = Chain.stranger.sign(forged.signingBytes)
    #expect(forged.id == honest.id, "the id does not cover the signature")
    guard case let .invalid(reason) = executor.validate(block: Chain.block([forged], on: executor))
    else {
        Issue.record("a block with a forged signature was accepted")
        return
    }
    #expect(reason.contains("invalid signature"))
}

@Test(
    "attack: a proposer includes a validly signed call from an unregistered key; validation refuses it (finding 5)"
)
func unpermittedSenderRefused() throws {
    let executor = try Chain.executor()
    let verdict = executor.validate(
        block: Chain.block([Chain.bill(2, by: Chain.stranger)], on: executor))
    guard case let .invalid(reason) = verdict else {
        Issue.record("an unregistered sender's transaction was accepted")
        return
    }
    #expect(reason.contains("not permitted"))
    #expect(
        executor.validate(block: Chain.block([Chain.bill(3, by: Chain.hospital)], on: executor))
            == .valid)
}

@Test("attack: the replay index fails to read; validation and proposals fail closed (finding 9)")
func brokenReplayIndexFailsClosed() throws {
    let pool = Pool()
    let executor = try Chain.executor(store: BrokenIndexStore(), pool: pool)
    let tx = Chain.bill(4, by: Chain.hospital)
    guard case let .invalid(reason) = executor.validate(block: Chain.block([tx], on: executor))
    else {
        Issue.record("a transaction whose replay check failed was accepted")
        return
    }
    #expect(reason.contains("replay check failed"))
    pool.pending = [tx]
    #expect(executor.proposalPayload(height: 1, round: 0).transactions.isEmpty)
}

@Test(
    "attack: a final block certifies roots other than this node's results; the executor halts and commits nothing (finding 8)"
)
func divergenceHalts() throws {
    let store = InMemoryChainStore()
    let executor = try Chain.executor(store: store)
    let first = Chain.block([Chain.bill(5, by: Chain.hospital)], on: executor)
    executor.deliver(block: first, certificate: Chain.certificate(first))
    #expect(executor.halt == nil && store.lastHeight == 1)
    // The next header carries results this node did not compute.
    let honest = Chain.block([], on: executor)
    var header = honest.header
    header.stateRoot = SHA256.hash(Array("someone else's state".utf8))
    let diverged = Block(header: header, transactions: [])
    executor.deliver(block: diverged, certificate: Chain.certificate(diverged))
    guard case .divergence(height: 2, _, _) = executor.halt else {
        Issue.record("expected a divergence halt, got \(String(describing: executor.halt))")
        return
    }
    #expect(store.lastHeight == 1, "nothing is committed over a diverged state")
    #expect(executor.validate(block: honest) != .valid, "a halted executor accepts nothing")
}

@Test(
    "the same blocks give the same results on two executors (determinism of the shared application)"
)
func determinism() throws {
    let first = try Chain.executor()
    let second = try Chain.executor()
    for serial in 10..<14 {
        let block = Chain.block([Chain.bill(UInt64(serial), by: Chain.hospital)], on: first)
        first.deliver(block: block, certificate: Chain.certificate(block))
        second.deliver(block: block, certificate: Chain.certificate(block))
    }
    #expect(first.tipResults == second.tipResults)
    #expect(first.halt == nil && second.halt == nil)
}

@Test(
    "validator sets: a change committed in block h certifies from h + 2, the header of h + 1 names it, and a header naming another set is refused and halts"
)
func validatorSetChangeActivatesTwoBlocksLater() throws {
    let executor = try Chain.executor()
    let genesisSet = Chain.genesis.validatorSet
    let newcomer = Validator(
        name: "v1", publicKey: SigningKey.deterministic(label: "executor-test-v1").publicKey,
        address: "b", networkKey: SigningKey.deterministic(label: "executor-test-v1-network").publicKey)
    let add = ContractCall.governance(.propose(proposalID: "add", change: .addValidator(newcomer)))
        .transaction(
            chainID: "executor-test", signer: Chain.admin,
            uniqueID: Array(SHA256.hash(Array("add".utf8)).bytes.prefix(16)), validUntilHeight: 100)
    let first = Chain.block([add], on: executor)
    #expect(first.header.nextValidatorsHash == genesisSet.hash, "block 2 is still genesis's")
    executor.deliver(block: first, certificate: Chain.certificate(first))
    #expect(executor.halt == nil)
    let grown = ValidatorSet(genesisSet.validators + [newcomer])
    #expect(executor.validatorSet(forHeight: 1) == genesisSet)
    #expect(executor.validatorSet(forHeight: 2) == genesisSet)
    #expect(executor.validatorSet(forHeight: 3) == grown)
    #expect(executor.validatorSet(forHeight: 4) == nil, "not determined before block 2 executes")
    #expect(executor.validatorSet(forHeight: .max) == nil)
    #expect(executor.proposalPayload(height: 2, round: 0).nextValidatorsHash == grown.hash)
    let second = Chain.block([], on: executor)
    #expect(executor.validate(block: second) == .valid)
    var header = second.header
    header.nextValidatorsHash = genesisSet.hash
    let stale = Block(header: header, transactions: [])
    #expect(executor.validate(block: stale) != .valid, "a proposal naming the old set")
    executor.deliver(block: stale, certificate: Chain.certificate(stale))
    guard case .validatorSetDivergence(height: 2, _, _) = executor.halt else {
        Issue.record("expected a validator-set divergence halt, got \(String(describing: executor.halt))")
        return
    }
}
