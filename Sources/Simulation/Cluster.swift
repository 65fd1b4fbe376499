public import Consensus
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
    /// The replica process dies; in-flight messages to it are lost.
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

enum SimEvent: Sendable {
    case deliver(instance: Int, VerifiedMessage)
    case timer(instance: Int, incarnation: Int, TimeoutID)
    case fault(ScriptedFault)
}

/// One replica process: the production `Replica` core plus what survives a crash.
struct Instance: Sendable {
    let validatorIndex: Int
    let isHonest: Bool
    var replica: Replica?
    var incarnation = 0
    /// The durable chain (and the deterministic application over it).
    var application: SimApplication
    /// The last `.persistSafetyState` this instance carried out.
    var persistedSafety = SafetyState.initial
    let clockSkewMs: UInt64
    var isUp: Bool { replica != nil }
}

/// N production replicas in one process over a simulated network and clock, all driven
/// by one seed. Byzantine validators run as Twins: two instances sharing one key.
/// Instances `0..<nodes` are the validators; twins follow at `nodes...`.
public struct Cluster: Sendable {
    public static let chainID = "govchain-sim"
    public static let genesisTimeMs: UInt64 = 1_700_000_000_000
    public static let parameters = ConsensusParameters(timeoutProposeMs: 300, timeoutVoteMs: 150, timeoutMaxMs: 2_400)

    public let seed: UInt64
    public let options: SimulationOptions
    public let validators: ValidatorSet
    /// Validator indices that misbehave (their instances are not checked for agreement).
    public let byzantineValidators: [Int]
    let keys: [SigningKey]
    var instances: [Instance] = []
    var queue = EventQueue<SimEvent>()
    var random: SeededGenerator
    /// Simulated time in ms since the Unix epoch.
    public private(set) var nowMs: UInt64 = Cluster.genesisTimeMs
    var network = NetworkConditions.calm
    /// Instances currently cut off (`isolated` side of the active partition).
    var isolated: Set<Int> = []
    var finalized: [UInt64: Hash256] = [:]
    var proposedTxRoots: Set<Hash256> = []
    public internal(set) var safetyViolation: String?
    public internal(set) var evidenceReported = 0
    /// The first few pieces of evidence reported (bounded), for inspection by tests.
    public internal(set) var evidenceSamples: [EquivocationEvidence] = []
    var drops: [String: Int] = [:]
    /// Verified messages by the hash of their bytes. Retransmissions repeat the same bytes,
    /// and verification is a pure function of them, so verifying once is enough.
    var verifiedByDigest: [Hash256: VerifiedMessage] = [:]
    static let verifiedCacheLimit = 50_000
    var eventsProcessed = 0
    /// When the Twins scenario's first slot began (see `TwinsScenario.startHeight`).
    var twinsStartMs: UInt64?

    /// Deterministic validator keys (simulation only).
    public static func validatorKey(_ index: Int) -> SigningKey {
        SigningKey.deterministic(label: "simulation-validator-\(index)")
    }

    public static var genesisTip: ChainTip {
        ChainTip(height: 0, blockHash: SHA256.hash(Array("govchain-sim-genesis".utf8)), timeMs: genesisTimeMs)
    }

    /// Builds the cluster and, when `options.faults` is not empty, the seed's random
    /// fault plan. Call `run()` for a full seeded run, or schedule faults and `run(untilMs:)`.
    public init(seed: UInt64, options: SimulationOptions = SimulationOptions()) {
        self.seed = seed
        self.options = options
        random = SeededGenerator(seed: seed)
        keys = (0..<options.nodes).map(Cluster.validatorKey)
        validators = ValidatorSet(keys.enumerated().map { index, key in
            Validator(name: "v\(index)", publicKey: key.publicKey, address: "sim:\(index)")
        })
        var indices = Array(0..<options.nodes)
        indices.shuffle(using: &random)
        // A Twins scenario names its Byzantine validator (it sets the twin's turn to lead).
        byzantineValidators = options.twins.map { [$0.byzantine] }
            ?? indices.prefix(options.byzantine).sorted()
        for index in 0..<options.nodes { addInstance(validator: index) }
        if options.faults.contains(.twins) {
            for index in byzantineValidators { addInstance(validator: index) }
        }
        for instance in instances.indices { queue.push(.fault(.restart(instance: instance, amnesia: false)), atMs: nowMs) }
        if !options.faults.isEmpty { planRandomFaults() }
    }

    private mutating func addInstance(validator: Int) {
        let salt = UInt64(instances.count)
        instances.append(Instance(
            validatorIndex: validator, isHonest: !byzantineValidators.contains(validator), replica: nil,
            application: SimApplication(chainID: Cluster.chainID, seed: seed, salt: salt, genesis: Cluster.genesisTip),
            clockSkewMs: random.draw(0...200)))
    }

    // MARK: - Inspection

    public var instanceCount: Int { instances.count }
    public func validatorIndex(ofInstance instance: Int) -> Int { instances[instance].validatorIndex }
    public func isHonest(instance: Int) -> Bool { instances[instance].isHonest }
    public func isUp(instance: Int) -> Bool { instances[instance].isUp }
    /// Committed height of an instance's durable chain.
    public func committedHeight(instance: Int) -> UInt64 { instances[instance].application.tip.height }
    public func chain(instance: Int) -> [Decision] { instances[instance].application.chain }
    public func persistedSafetyState(instance: Int) -> SafetyState { instances[instance].persistedSafety }
    public var honestInstances: [Int] { instances.indices.filter { instances[$0].isHonest } }
    public var minimumHonestHeight: UInt64 { honestInstances.map(committedHeight).min() ?? 0 }
    public var maximumHonestHeight: UInt64 { honestInstances.map(committedHeight).max() ?? 0 }
    /// Verification drops by reason, sorted by reason.
    public var dropCounts: [(reason: String, count: Int)] {
        drops.keys.sorted().map { ($0, drops[$0]!) }
    }

    // MARK: - Driving

    /// Schedules a fault `offsetMs` after genesis time.
    public mutating func schedule(_ fault: ScriptedFault, atMs offsetMs: UInt64) {
        queue.push(.fault(fault), atMs: Cluster.genesisTimeMs + offsetMs)
    }

    /// Processes events up to `offsetMs` after genesis time, or until a safety violation.
    public mutating func run(untilMs offsetMs: UInt64) {
        let limit = Cluster.genesisTimeMs + offsetMs
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
        }
    }

    func localNow(_ instance: Int) -> UInt64 { nowMs + instances[instance].clockSkewMs }
}
