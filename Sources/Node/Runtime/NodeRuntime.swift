internal import Prometheus
public import Consensus
public import Contracts
public import Execution
public import GovChainAPI
public import Ledger
public import Logging
internal import NIOConcurrencyHelpers
public import NIOPosix

/// One GovChain peer, assembled: storage, mempool, executor, consensus driver, block sync
/// and the peer transport. `run()` drives it until cancelled; the HTTP API reads from it.
public final class NodeRuntime: Sendable {
    public let genesis: Genesis
    public let validators: ValidatorSet
    public let nodeKey: PublicKey
    let signingKey: SigningKey
    public let logger: Logger
    public let metrics: NodeMetrics
    public let store: AsyncBlockStore
    public let blockStore: BlockStore
    public let mempool: Mempool
    public let notifier: CommitNotifier
    /// Sheds client submissions beyond what this node commits within seconds (429 busy).
    public let admission: AdmissionGate
    public let events: EventHub
    let transport: (any PeerTransport)?
    let threadPool: NIOThreadPool
    /// Used by the consensus driver's task only (see `DriverCore`), and read by
    /// `makeReplica` before the driver starts.
    let executor: ChainExecutor
    /// What the consensus driver reacts to (peer messages, synced blocks, timers).
    let inbox = DriverInbox()
    let dynamic: NIOLockedValueBox<DynamicStatus>
    let gossip: NIOLockedValueBox<[[UInt8]]>
    /// Bounds catch-up replies per recipient (NodeRuntime+Run.swift).
    let syncReplies = SyncReplyBudget(limits: SyncReplyBudget.Limits())

    struct DynamicStatus {
        var round: UInt64 = 0
        var peerHeights: [PublicKey: UInt64] = [:]
        var syncRequestedAtMs: UInt64 = 0
        var syncRotation = 0
        var lastBlockTimeMs: UInt64 = 0
    }

    /// - Parameters:
    ///   - transport: nil runs a node with no peers (a one-validator chain, or tests).
    ///   - admissionLimits: when the API sheds submissions (`AdmissionGate`).
    public init(
        genesis: Genesis, signingKey: SigningKey, databasePath: String, mempoolLimits: Mempool.Limits,
        admissionLimits: AdmissionGate.Limits = AdmissionGate.Limits(),
        transport: (any PeerTransport)?, threadPool: NIOThreadPool, logger: Logger
    ) throws {
        try genesis.validate()
        self.genesis = genesis
        self.validators = genesis.validatorSet
        self.signingKey = signingKey
        self.nodeKey = signingKey.publicKey
        self.logger = logger
        self.metrics = NodeMetrics()
        self.blockStore = try BlockStore(path: databasePath)
        self.store = AsyncBlockStore(store: blockStore, pool: threadPool)
        self.threadPool = threadPool
        let signatures = SignatureCache()
        self.mempool = Mempool(chainID: genesis.chainID, limits: mempoolLimits, signatures: signatures)
        self.notifier = CommitNotifier()
        self.admission = AdmissionGate(limits: admissionLimits)
        self.events = EventHub()
        self.transport = transport
        let executor = try ChainExecutor(
            store: RocksChainStore(blocks: blockStore), genesis: genesis, pool: mempool, signatures: signatures)
        self.executor = executor
        var status = DynamicStatus()
        status.lastBlockTimeMs = executor.tip.timeMs
        self.dynamic = NIOLockedValueBox(status)
        self.gossip = NIOLockedValueBox([])
        metrics.height.record(Int64(clamping: blockStore.lastHeight))
    }

    /// This node's index in the validator set, or nil for a follower.
    public var validatorIndex: Int? { validators.index(of: nodeKey) }

    /// The replica to drive, rebuilt from the persisted safety state and the stored tip.
    func makeReplica() throws -> Replica? {
        guard let index = validatorIndex else { return nil }
        let safety: SafetyState
        if let bytes = try blockStore.loadSafetyState() {
            safety = try SafetyState(canonicalBytes: bytes)
        } else {
            safety = .initial
        }
        let configuration = ReplicaConfiguration(
            chainID: genesis.chainID, validators: validators, parameters: genesis.consensus, index: index,
            emptyBlockWaitMs: Self.emptyBlockWaitMs)
        let rules = SafetyRules(chainID: genesis.chainID, key: signingKey, state: safety)
        return Replica(configuration: configuration, safetyRules: rules, tip: executor.tip)
    }

    // MARK: - Commit path

    /// A proposer with an empty mempool waits this long for transactions before proposing:
    /// an idle chain then makes a few empty blocks a second instead of dozens.
    static let emptyBlockWaitMs: UInt64 = 250

    /// Tells waiters, metrics and event streams about a block the executor committed
    /// (durably: the driver calls this after the synced write returned).
    func published(_ outcome: CommitOutcome) {
        let block = outcome.block
        notifier.committed(block, receipts: outcome.receipts)
        events.publish(outcome)
        metrics.height.record(Int64(clamping: block.height))
        metrics.blocksCommitted.increment()
        metrics.transactionsCommitted.increment(by: Int64(block.transactions.count))
        metrics.mempoolTransactions.record(Int64(mempool.count))
        metrics.mempoolBytes.record(Int64(mempool.byteCount))
        let nowMs = Clock.nowMs()
        admission.noteCommitted(block.transactions.count, nowMs: nowMs)
        if nowMs > block.header.timeMs {
            metrics.commitLatency.record(.milliseconds(Int64(clamping: nowMs - block.header.timeMs)))
        }
        dynamic.withLockedValue { $0.lastBlockTimeMs = block.header.timeMs }
        logger.debug("committed", metadata: ["height": "\(block.height)", "txs": "\(block.transactions.count)"])
    }

    func noteRound(_ round: UInt64) {
        let changed = dynamic.withLockedValue { state -> Bool in
            defer { state.round = round }
            return state.round != round
        }
        if changed {
            metrics.round.record(Int64(clamping: round))
            if round > 0 { metrics.roundChanges.increment() }
        }
    }

    /// Records equivocation evidence on chain through the evidence contract, signed with the
    /// node key (genesis must register validator keys with an organisation for this).
    func reportEvidence(_ evidence: EquivocationEvidence) async {
        logger.warning("equivocation detected", metadata: [
            "validator": "\(evidence.validator.hex)", "height": "\(evidence.height)", "round": "\(evidence.round)",
        ])
        let call = ContractCall.evidence(.record(evidence))
        let tx = call.transaction(
            chainID: genesis.chainID, signer: signingKey, uniqueID: Array(evidence.hash.bytes.prefix(16)),
            validUntilHeight: blockStore.lastHeight + 100)
        let result = await submit(bytes: tx.canonicalBytes)
        if case let .failure(error) = result {
            logger.warning("evidence not submitted", metadata: ["reason": "\(error)"])
        }
    }

    // MARK: - Shutdown

    /// The first step of a graceful stop, while the HTTP server drains: ends every event
    /// stream and wakes every request waiting for a commit, so no open request holds the
    /// stop up. Consensus keeps running until `run()` ends.
    public func beginShutdown() {
        events.finishAll()
        notifier.finishAll()
    }

    /// The last step of a graceful stop, once `run()` and the HTTP server have returned:
    /// closes the database (waiting for calls in progress). Idempotent; every later storage
    /// call fails with a `StorageError` instead of touching a freed handle.
    public func close() {
        blockStore.database.close()
    }

    // MARK: - Status

    public var status: NodeStatus {
        let dynamic = dynamic.withLockedValue { $0 }
        let height = blockStore.lastHeight
        // The height at least f + 1 peers claim: one lying peer cannot make this node look
        // (or stay) behind by announcing UInt64.max.
        let claims = dynamic.peerHeights.values.sorted(by: >)
        let best = claims.count > validators.maxFaulty ? claims[validators.maxFaulty] : 0
        return NodeStatus(
            chainID: genesis.chainID, nodeID: nodeKey.hex, isValidator: validatorIndex != nil, height: height,
            lastBlockHash: height == 0 ? genesis.hash.hex : blockStore.lastHash.hex,
            lastBlockTimeMs: dynamic.lastBlockTimeMs, round: dynamic.round,
            peers: (transport?.connectedPeers ?? []).map(\.hex), catchingUp: best > height + 1,
            bestPeerHeight: best, mempoolSize: mempool.count, genesisHash: genesis.hash.hex,
            cryptoSuite: genesis.cryptoSuite,
            sm2UserID: genesis.cryptoSuite == CryptoSuite.sm2SM3.rawValue
                ? String(decoding: genesis.effectiveSM2UserID, as: UTF8.self) : nil)
    }
}
