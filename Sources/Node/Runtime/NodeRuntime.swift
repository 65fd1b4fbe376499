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
    /// The genesis set (the first two heights').
    public let validators: ValidatorSet
    /// The sets of the heights around the tip, as this node's executed state determines
    /// them: what peers' messages are verified against, each at its own height. The
    /// driver adds the next ones after every event (`learnValidatorSets`).
    let validatorSets: NIOLockedValueBox<ValidatorSetHistory>
    /// The tip height at which the follower keys were last read from state.
    private let followersLearnedAt = NIOLockedValueBox<UInt64>(.max)
    /// This node's keys, one use each (`NodeKeys`).
    let keys: NodeKeys
    /// The key peers know this node by (the transport's handshake key).
    public var networkKey: PublicKey { keys.network }
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
    /// The snapshot served to peers joining by state sync (NodeRuntime+Snapshot.swift).
    let snapshots = SnapshotServer()

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
        genesis: Genesis, keys: NodeKeys, databasePath: String, mempoolLimits: Mempool.Limits,
        admissionLimits: AdmissionGate.Limits = AdmissionGate.Limits(),
        transport: (any PeerTransport)?, threadPool: NIOThreadPool, logger: Logger
    ) throws {
        try genesis.validate()
        self.genesis = genesis
        self.validators = genesis.validatorSet
        self.keys = keys
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
        self.validatorSets = NIOLockedValueBox(
            try Self.knownValidatorSets(executor: executor, genesis: genesis))
        transport?.admit(validatorSets.withLockedValue { $0.validators })
        transport?.admitFollowers(executor.followerKeys() ?? [])
        var status = DynamicStatus()
        status.lastBlockTimeMs = executor.tip.timeMs
        self.dynamic = NIOLockedValueBox(status)
        self.gossip = NIOLockedValueBox([])
        metrics.height.record(Int64(clamping: blockStore.lastHeight))
    }

    /// This node's index in the set of the height being decided, or nil for a follower.
    public var validatorIndex: Int? {
        let height = blockStore.lastHeight
        guard let set = validatorSets.withLockedValue({ $0.set(forHeight: height + 1) }) else { return nil }
        return keys.consensus.lazy.compactMap { set.index(of: $0.publicKey) }.first
    }

    /// The sets of up to 16 heights below the tip and of the next two, from the governance
    /// record's history in the committed state (`ValidatorSchedule`).
    static func knownValidatorSets(
        executor: ChainExecutor, genesis: Genesis
    ) throws -> ValidatorSetHistory {
        let tip = executor.tip.height
        var history = ValidatorSetHistory()
        for height in max(1, tip > 16 ? tip - 16 : 1)...(tip + 2) {
            guard let set = executor.validatorSet(forHeight: height) else {
                throw ExecutionHalt.storage(
                    height: tip, reason: "the validator set of height \(height) is unreadable")
            }
            history.record(set, forHeight: height)
        }
        return history
    }

    /// Called by the driver after every event: records the sets the executor now knows
    /// (up to its tip + 2) and lets the transport admit any new validator's key, and, once
    /// per new tip, admits exactly the followers governance records.
    func learnValidatorSets(from executor: ChainExecutor) {
        learnFollowers(from: executor)
        let target = executor.tip.height + 2
        let known = validatorSets.withLockedValue { $0.knownThrough }
        guard known < target else { return }
        var added: [Validator]?
        for height in max(known + 1, 1)...target {
            guard let set = executor.validatorSet(forHeight: height) else { break }
            let before = validatorSets.withLockedValue { $0.validators }
            let after = validatorSets.withLockedValue { sets -> [Validator] in
                sets.record(set, forHeight: height)
                return sets.validators
            }
            if before != after {
                added = after
                logger.info("validator set changes", metadata: [
                    "height": "\(height)", "validators": "\(set.count)",
                ])
            }
        }
        if let added { transport?.admit(added) }
    }

    private func learnFollowers(from executor: ChainExecutor) {
        let tip = executor.tip.height
        let isNew = followersLearnedAt.withLockedValue { learned in
            guard learned != tip else { return false }
            learned = tip
            return true
        }
        guard isNew, let keys = executor.followerKeys() else { return }
        transport?.admitFollowers(keys)
    }

    /// A synced or caught-up block, checked against the set of its own height (known once
    /// the blocks before it are executed; a block further ahead is dropped, sync asks again).
    func verifySynced(_ decision: Decision, executor: ChainExecutor) -> VerifiedMessage? {
        let height = decision.block.height
        guard height > executor.tip.height else { return nil }
        do throws(VerificationError) {
            guard let validators = executor.validatorSet(forHeight: height) else {
                throw .unknownValidatorSet(height: height)
            }
            return try UnverifiedMessage(.decision(decision)).verify(
                chainID: genesis.chainID, validators: validators)
        } catch {
            metrics.consensusMessagesDropped.increment()
            logger.debug("dropped synced block", metadata: [
                "height": "\(height)", "reason": "\(error)",
            ])
            return nil
        }
    }

    /// The replica to drive, rebuilt from the persisted safety state and the stored tip. A
    /// node outside the current set runs one too: it follows, and votes from the height a
    /// set that names its key takes over.
    func makeReplica() throws -> Replica? {
        let tip = executor.tip
        guard let current = executor.validatorSet(forHeight: tip.height + 1),
            let next = executor.validatorSet(forHeight: tip.height + 2)
        else {
            throw ExecutionHalt.storage(
                height: tip.height, reason: "the validator sets after the tip are unreadable")
        }
        let safety: SafetyState
        if let bytes = try blockStore.loadSafetyState() {
            safety = try SafetyState(canonicalBytes: bytes)
        } else {
            safety = .initial
        }
        var rules = SafetyRules(chainID: genesis.chainID, keys: keys.consensus, state: safety)
        let configuration = ReplicaConfiguration(
            chainID: genesis.chainID, validators: current, parameters: genesis.consensus,
            index: rules.select(in: current), emptyBlockWaitMs: Self.emptyBlockWaitMs)
        return Replica(
            configuration: configuration, safetyRules: rules, tip: tip, nextValidators: next)
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
    /// node's evidence key: an organisation key (genesis or `addKey` registers it), never the
    /// consensus key. Without one configured the evidence is only logged.
    func reportEvidence(_ evidence: EquivocationEvidence) async {
        logger.warning("equivocation detected", metadata: [
            "validator": "\(evidence.validator.hex)", "height": "\(evidence.height)", "round": "\(evidence.round)",
        ])
        guard let evidenceKey = keys.evidence else {
            logger.warning("evidence not submitted: no evidence_key is configured")
            return
        }
        let call = ContractCall.evidence(.record(evidence))
        let tx = call.transaction(
            chainID: genesis.chainID, signer: evidenceKey, uniqueID: Array(evidence.hash.bytes.prefix(16)),
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
            chainID: genesis.chainID, nodeID: keys.network.hex, isValidator: validatorIndex != nil, height: height,
            lastBlockHash: height == 0 ? genesis.hash.hex : blockStore.lastHash.hex,
            lastBlockTimeMs: dynamic.lastBlockTimeMs, round: dynamic.round,
            peers: (transport?.connectedPeers ?? []).map(\.hex), catchingUp: best > height + 1,
            bestPeerHeight: best, mempoolSize: mempool.count, genesisHash: genesis.hash.hex,
            cryptoSuite: genesis.cryptoSuite,
            sm2UserID: genesis.cryptoSuite == CryptoSuite.sm2SM3.rawValue
                ? String(decoding: genesis.effectiveSM2UserID, as: UTF8.self) : nil)
    }
}
