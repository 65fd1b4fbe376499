public import Consensus
public import Execution
public import Ledger

/// Network behaviour during a phase of the run.
public struct NetworkConditions: Sendable, Hashable {
    public var dropPerMille: Int
    public var duplicatePerMille: Int
    /// Messages whose bytes get one bit flipped (they must be dropped at verification).
    public var corruptPerMille: Int
    public var minDelayMs: UInt64
    public var maxDelayMs: UInt64

    public init(dropPerMille: Int, duplicatePerMille: Int, corruptPerMille: Int, minDelayMs: UInt64, maxDelayMs: UInt64) {
        self.dropPerMille = dropPerMille
        self.duplicatePerMille = duplicatePerMille
        self.corruptPerMille = corruptPerMille
        self.minDelayMs = minDelayMs
        self.maxDelayMs = maxDelayMs
    }

    /// A healthy LAN: no loss, 1-20 ms.
    public static let calm = NetworkConditions(
        dropPerMille: 0, duplicatePerMille: 0, corruptPerMille: 0, minDelayMs: 1, maxDelayMs: 20)
}

/// A fault a test (or the random fault plan) schedules at a point in simulated time.
public enum ScriptedFault: Sendable, Hashable {
    /// The replica process dies; in-flight messages to it and its mempool are lost.
    case crash(instance: Int)
    /// It comes back from its persisted safety state and chain; with `amnesia`, from a
    /// blank safety state (only ever done to Byzantine replicas).
    case restart(instance: Int, amnesia: Bool)
    /// Cuts these instances off from all others (both directions) until `.heal`.
    case partition(isolated: [Int])
    /// Isolates the proposer of the next height's first round.
    case isolateLeader
    case heal
    case network(NetworkConditions)
}

enum SimEvent {
    case deliver(instance: Int, VerifiedMessage)
    case timer(instance: Int, incarnation: Int, TimeoutID)
    case fault(ScriptedFault)
    /// Clients submit the workload's next transactions to every replica that is up.
    case clientTraffic
    /// The Byzantine validators act on their own (crafted messages, sync requests).
    case adversaryTick
    /// A peer's block-sync request reaches `instance`.
    case syncRequest(instance: Int, from: Int, fromHeight: UInt64, count: UInt32)
    /// A client submits these transactions to every replica that is up.
    case submit([Transaction])
}

/// One replica process: the production `Replica` core, the real `ChainExecutor` over an
/// in-memory store, its mempool, and what survives a crash (the store, the safety state).
struct Instance {
    let validatorIndex: Int
    let isHonest: Bool
    /// A Byzantine replica that ignores validator-set changes (`keepsGenesisSet`).
    var keepsGenesisSet = false
    var replica: Replica?
    var incarnation = 0
    /// The durable chain (blocks, certificates, state, tree): survives crashes.
    let store: any ChainStore
    let blocks: InMemoryChainStore
    /// Rebuilt from the store at every restart, as a node process would be.
    var application: InstanceApplication
    /// The last `.persistSafetyState` this instance carried out.
    var persistedSafety = SafetyState.initial
    var clockSkewMs: UInt64
    var isUp: Bool { replica != nil }
}

/// N production replicas in one process over a simulated network and clock, all driven
/// by one seed, each running the real executor and contracts over an in-memory store.
/// Byzantine validators run as Twins (two instances sharing one key) and/or with the
/// behaviours of `options.adversaries`. Instances `0..<nodes` are the validators; twins
/// follow at `nodes...`.
public struct Cluster {
    public static let chainID = SimChain.chainID
    public static let genesisTimeMs = SimChain.genesisTimeMs
    public static let parameters = SimChain.parameters
    /// The proposer's wait for transactions before an empty block (as on a node).
    static let emptyBlockWaitMs: UInt64 = 100
    /// Simulated client traffic: a few transactions this often.
    static let clientIntervalMs: UInt64 = 40
    static let adversaryIntervalMs: UInt64 = 30
    /// The most bytes an honest replica may buffer in consensus (invariant I9).
    public static let replicaByteBudget = 32 << 20

    public let seed: UInt64
    public let options: SimulationOptions
    public let genesis: Genesis
    /// The genesis set.
    public let validators: ValidatorSet
    /// The set of every height, as the honest replicas' executed state determines it: what
    /// messages are verified against (each at its own height) and certificates checked by.
    public internal(set) var validatorSets: ValidatorSetHistory
    /// Validator indices that misbehave (their instances are not checked for agreement).
    public let byzantineValidators: [Int]
    let keys: [SigningKey]
    var instances: [Instance] = []
    var queue = EventQueue<SimEvent>()
    var random: SeededGenerator
    /// Simulated time in ms since the Unix epoch.
    public private(set) var nowMs: UInt64 = SimChain.genesisTimeMs
    var network = NetworkConditions.calm
    /// Instances currently cut off (`isolated` side of the active partition).
    var isolated: Set<Int> = []
    var finalized: [UInt64: Hash256] = [:]
    var proposedTxRoots: Set<Hash256> = []
    public internal(set) var safetyViolation: String?
    public internal(set) var evidenceReported = 0
    /// The first few pieces of evidence reported (bounded), for inspection by tests.
    public internal(set) var evidenceSamples: [EquivocationEvidence] = []
    /// Honest replicas that stopped on purpose (an executor halt), with the reason.
    public internal(set) var halts: [Int: String] = [:]
    var drops: [String: Int] = [:]
    /// Verified messages by the hash of their bytes. Retransmissions repeat the same bytes,
    /// and verification is a pure function of them, so verifying once is enough.
    var verifiedByDigest: [Hash256: VerifiedMessage] = [:]
    static let verifiedCacheLimit = 50_000
    var eventsProcessed = 0
    var workload: SimWorkload
    /// The reference execution of the agreed chain (invariants I2 and I4).
    var oracle: Oracle
    var adversary: AdversaryState
    let tamperer: ProposalTamperer
    /// Catch-up blocks honest replicas sent to Byzantine ones, for the amplification bound.
    var catchUpSent = CatchUpLedger()
    public internal(set) var largestReplicaBytes = 0
    /// When the Twins scenario's first slot began (see `TwinsScenario.startHeight`).
    var twinsStartMs: UInt64?

    /// The tip before block 1 of a simulated chain of `nodes` validators.
    public static func genesisTip(nodes: Int = 4) -> ChainTip {
        ChainTip.genesis(SimChain.genesis(validators: (0..<nodes).map { index in
            validator(index)
        }))
    }

    /// Deterministic validator keys (simulation only).
    public static func validatorKey(_ index: Int) -> SigningKey {
        SigningKey.deterministic(label: "simulation-validator-\(index)")
    }

    /// Builds the cluster and, when `options.faults` is not empty, the seed's random
    /// fault plan. Call `run()` for a full seeded run, or schedule faults and `run(untilMs:)`.
    public init(seed: UInt64, options: SimulationOptions = SimulationOptions()) {
        self.seed = seed
        self.options = options
        random = SeededGenerator(seed: seed)
        keys = (0..<options.nodes + options.spareValidators).map(Cluster.validatorKey)
        let validatorList = (0..<options.nodes).map(Cluster.validator)
        genesis = SimChain.genesis(validators: validatorList)
        validators = ValidatorSet(validatorList)
        validatorSets = ValidatorSetHistory(validators, heights: 1...2)
        var indices = Array(0..<options.nodes)
        indices.shuffle(using: &random)
        // A Twins scenario names its Byzantine validator (it sets the twin's turn to lead).
        byzantineValidators = options.twins.map { [$0.byzantine] } ?? options.byzantineKeys
            ?? indices.prefix(options.byzantine).sorted()
        workload = SimWorkload(seed: seed)
        oracle = Oracle(genesis: genesis)
        adversary = AdversaryState(seed: seed, behaviours: options.adversaries)
        tamperer = ProposalTamperer(seed: seed, behaviours: options.adversaries)
        for index in 0..<options.nodes + options.spareValidators { addInstance(validator: index) }
        if options.faults.contains(.twins) || options.adversaries.contains(.equivocation) {
            for index in byzantineValidators { addInstance(validator: index) }
        }
        for instance in instances.indices { queue.push(.fault(.restart(instance: instance, amnesia: false)), atMs: nowMs) }
        queue.push(.clientTraffic, atMs: nowMs + Cluster.clientIntervalMs)
        if !options.adversaries.isEmpty, !byzantineValidators.isEmpty {
            queue.push(.adversaryTick, atMs: nowMs + Cluster.adversaryIntervalMs)
        }
        if !options.faults.isEmpty { planRandomFaults() }
    }

    private mutating func addInstance(validator: Int) {
        let isHonest = !byzantineValidators.contains(validator)
        let blocks = InMemoryChainStore()
        let isVictim = isHonest && options.nodeMutations.contains(.divergentReplica)
            && instances.count == honestVictim
        let store: any ChainStore = isVictim ? DivergentChainStore(base: blocks, fromHeight: 3) : blocks
        var skew = random.draw(0...200)
        if !isHonest, options.adversaries.contains(.futureTimestamp) {
            // Just inside what voters accept: its blocks claim to come from the future.
            skew = ReplicaConfiguration.maxClockDriftMs - 50
        }
        let keepsGenesisSet = !isHonest && options.keepsGenesisSet.contains(validator)
        instances.append(Instance(
            validatorIndex: validator, isHonest: isHonest, keepsGenesisSet: keepsGenesisSet,
            replica: nil, store: store, blocks: blocks,
            application: makeApplication(
                store: store, isHonest: isHonest, keepsGenesisSet: keepsGenesisSet),
            clockSkewMs: skew))
    }

    /// The validator entry of key `index` (genesis lists the first `nodes`; governance
    /// adds spares with exactly this entry).
    public static func validator(_ index: Int) -> Validator {
        Validator(
            name: "v\(index)", publicKey: validatorKey(index).publicKey, address: "sim:\(index)",
            networkKey: SigningKey.deterministic(label: "simulation-network-\(index)").publicKey)
    }

    /// The proposer's wait for transactions. Twins scenarios time each slot to one round,
    /// measured against proposers that propose at once, so they run without it.
    var emptyBlockWaitMs: UInt64 { options.twins == nil ? Cluster.emptyBlockWaitMs : 0 }

    /// The honest instance a `.divergentReplica` mutation corrupts: the first honest one.
    var honestVictim: Int { (0..<options.nodes).first { !byzantineValidators.contains($0) } ?? 0 }

    func makeApplication(
        store: any ChainStore, isHonest: Bool, keepsGenesisSet: Bool = false
    ) -> InstanceApplication {
        let keying: SignatureCache.Keying = options.nodeMutations.contains(.signatureCacheByIDOnly)
            ? .idOnly : .idAndSignature
        let signatures = SignatureCache(capacity: 20_000, keying: keying)
        let pool = SimPool(signatures: signatures)
        // The in-memory store never throws; a failure here is a bug of the simulator.
        guard let executor = try? ChainExecutor(store: store, genesis: genesis, pool: pool, signatures: signatures)
        else { preconditionFailure("simulated executor failed to open its store") }
        executor.skipsCommitRootCheck = options.nodeMutations.contains(.skipCommitRootCheck)
        var application = InstanceApplication(executor: executor, pool: pool, isByzantine: !isHonest)
        if keepsGenesisSet { application.frozenSet = validators }
        if !isHonest, tamperer.isActive { application.tamperer = tamperer }
        return application
    }

    // MARK: - Inspection

    public var instanceCount: Int { instances.count }
    public func validatorIndex(ofInstance instance: Int) -> Int { instances[instance].validatorIndex }
    public func isHonest(instance: Int) -> Bool { instances[instance].isHonest }
    public func isUp(instance: Int) -> Bool { instances[instance].isUp }
    /// Committed height of an instance's durable chain.
    public func committedHeight(instance: Int) -> UInt64 { instances[instance].blocks.lastHeight }
    public func chain(instance: Int) -> [Decision] {
        let store = instances[instance].blocks
        return zip(store.blocks, store.certificates).map { Decision(block: $0, certificate: $1) }
    }
    public func persistedSafetyState(instance: Int) -> SafetyState { instances[instance].persistedSafety }
    public var honestInstances: [Int] { instances.indices.filter { instances[$0].isHonest } }
    /// Honest instances that have not halted on purpose (those must agree and stay live).
    var liveHonestInstances: [Int] { honestInstances.filter { halts[$0] == nil } }
    public var minimumHonestHeight: UInt64 { liveHonestInstances.map(committedHeight).min() ?? 0 }
    public var maximumHonestHeight: UInt64 { honestInstances.map(committedHeight).max() ?? 0 }
    /// Verification drops by reason, sorted by reason.
    public var dropCounts: [(reason: String, count: Int)] {
        drops.keys.sorted().map { ($0, drops[$0] ?? 0) }
    }
    /// Transactions committed on the agreed chain (by the reference execution).
    public var committedTransactions: Int { oracle.committedTransactions }

    // MARK: - Driving

    /// Schedules a fault `offsetMs` after genesis time.
    public mutating func schedule(_ fault: ScriptedFault, atMs offsetMs: UInt64) {
        queue.push(.fault(fault), atMs: SimChain.genesisTimeMs + offsetMs)
    }

    /// Processes events up to `offsetMs` after genesis time, or until a safety violation.
    public mutating func run(untilMs offsetMs: UInt64) {
        let limit = SimChain.genesisTimeMs + offsetMs
        while safetyViolation == nil, let next = queue.nextTimeMs, next <= limit {
            processNextEvent()
        }
        nowMs = max(nowMs, limit)
    }

    /// Hands raw bytes to an instance as if they came off the wire (through verification).
    public mutating func injectBytes(_ bytes: [UInt8], to instance: Int) {
        guard let verified = verifyForDelivery(bytes) else { return }
        queue.push(.deliver(instance: instance, verified), atMs: nowMs)
    }

    mutating func processNextEvent() {
        guard let (time, event) = queue.pop() else { return }
        nowMs = max(nowMs, time)
        eventsProcessed += 1
        switch event {
        case let .deliver(instance, message):
            guard instances[instance].isUp else { return }
            handle(.message(message, nowMs: localNow(instance)), at: instance)
        case let .timer(instance, incarnation, id):
            guard instances[instance].isUp, instances[instance].incarnation == incarnation else { return }
            handle(.timeout(id, nowMs: localNow(instance)), at: instance)
        case let .fault(fault):
            apply(fault)
        case .clientTraffic:
            submitClientTraffic()
            queue.push(.clientTraffic, atMs: nowMs + Cluster.clientIntervalMs)
        case .adversaryTick:
            actAdversarially()
            if nowMs < SimChain.genesisTimeMs + options.faultPhaseMs {
                queue.push(.adversaryTick, atMs: nowMs + Cluster.adversaryIntervalMs)
            }
        case let .syncRequest(instance, from, fromHeight, count):
            answerSync(at: instance, from: from, fromHeight: fromHeight, count: count)
        case let .submit(transactions):
            submit(transactions)
        }
    }

    func localNow(_ instance: Int) -> UInt64 { nowMs + instances[instance].clockSkewMs }

    /// Schedules a client's transactions `offsetMs` after genesis time (e.g. governance).
    public mutating func schedule(_ transactions: [Transaction], atMs offsetMs: UInt64) {
        queue.push(.submit(transactions), atMs: SimChain.genesisTimeMs + offsetMs)
    }

    private mutating func submit(_ transactions: [Transaction]) {
        for tx in transactions {
            for instance in instances.indices where instances[instance].isUp {
                let store = instances[instance].store
                _ = instances[instance].application.pool.admit(
                    tx, chainID: SimChain.chainID, height: store.lastHeight,
                    isCommitted: { (try? store.isCommitted($0)) ?? true })
            }
        }
    }

    /// Clients send each new transaction to every replica that is up (gossip's effect).
    private mutating func submitClientTraffic() {
        syncFollowers()
        let count = Int(random.draw(0...3))
        for _ in 0..<count {
            let height = maximumHonestHeight
            let tx = workload.next(validUntilHeight: height + 200, nowMs: nowMs)
            for instance in instances.indices where instances[instance].isUp {
                let application = instances[instance].application
                let store = instances[instance].store
                let admitted = application.pool.admit(
                    tx, chainID: SimChain.chainID, height: store.lastHeight,
                    isCommitted: { (try? store.isCommitted($0)) ?? true })
                if admitted, let replica = instances[instance].replica, replica.awaitsTransactions {
                    handle(.transactionsAvailable(nowMs: localNow(instance)), at: instance)
                }
            }
        }
    }
}
