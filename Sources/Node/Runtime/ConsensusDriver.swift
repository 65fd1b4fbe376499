internal import NIOConcurrencyHelpers
internal import Prometheus
public import Consensus
public import Execution
public import Ledger
public import Logging
internal import NIOPosix

/// Owns the consensus `Replica` and the `ChainExecutor`, and runs THE driver loop
/// (`Replica.handle(_:application:effects:)`, shared with the simulator) from ONE task: no
/// actor re-entrancy can interleave two events. Each event is handled whole on the thread
/// pool (it may fsync the safety state and commit a block to RocksDB); what needs the async
/// world (arming timers, catch-up replies, evidence, waking waiters) follows once it returns.
final class ConsensusDriver: Sendable {
    private let runtime: NodeRuntime
    private var inbox: DriverInbox { runtime.inbox }

    /// Catch-up replies and evidence submissions in flight at once; more are dropped
    /// (counted): each reads the store, and a peer must not be able to make us spawn
    /// without bound (issue 17, finding 6).
    static let maxBackgroundJobs = 8

    init(runtime: NodeRuntime) { self.runtime = runtime }

    /// Runs until cancelled. `replica` is nil on a node that is not a validator: it only
    /// follows the chain through block sync.
    func run(replica initial: Replica?) async throws {
        let core = DriverCore(replica: initial, executor: runtime.executor, runtime: runtime)
        var doorbell = inbox.doorbell.makeAsyncIterator()
        try await withThrowingDiscardingTaskGroup { group in
            let jobs = JobCounter(limit: Self.maxBackgroundJobs)
            if initial != nil { try await step(.start(nowMs: Clock.nowMs()), core, &group, jobs) }
            while !Task.isCancelled {
                while let input = inbox.next(nowMs: Clock.nowMs()) {
                    guard let event = event(for: input, core) else { continue }
                    try await step(event, core, &group, jobs)
                }
                guard await doorbell.next() != nil else { break }
            }
        }
    }

    private func event(for input: DriverInbox.Input, _ core: DriverCore) -> Replica.Event? {
        let now = Clock.nowMs()
        switch input {
        case let .timeout(id): return .timeout(id, nowMs: now)
        case let .message(verified): return .message(verified, nowMs: now)
        case let .synced(decision):
            // Between events: the executor is not running, so reading it here is safe.
            guard let verified = runtime.verifySynced(decision, executor: core.executor) else {
                return nil
            }
            return .message(verified, nowMs: now)
        case .transactionsAvailable:
            // Worth a thread-pool hop only when the proposer is actually waiting.
            return core.replica?.awaitsTransactions == true
                ? .transactionsAvailable(nowMs: now) : nil
        }
    }

    private func step(
        _ event: Replica.Event, _ core: DriverCore,
        _ group: inout ThrowingDiscardingTaskGroup<any Error>, _ jobs: JobCounter
    ) async throws {
        let output = try await runtime.threadPool.runIfActive { try core.handle(event) }
        for rejection in output.rejections {
            runtime.logger.warning(
                "rejected proposal",
                metadata: [
                    "height": "\(rejection.height)", "reason": "\(rejection.reason)",
                ])
        }
        for outcome in output.outcomes { runtime.published(outcome) }
        if let halt = output.halt {
            runtime.logger.critical("HALT: \(halt)")
            throw halt
        }
        let now = Clock.nowMs()
        for (id, afterMs) in output.timers {
            // Timeouts come from genesis parameters: saturate rather than trap on a huge one.
            let (due, overflow) = now.addingReportingOverflow(afterMs)
            inbox.schedule(id, dueMs: overflow ? .max : due)
            let inbox = inbox
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int64(clamping: afterMs)))
                inbox.ring()
            }
        }
        for (peer, heights) in output.decisionRequests {
            guard jobs.acquire() else {
                runtime.metrics.backgroundJobsDropped.increment(); continue
            }
            let runtime = runtime
            group.addTask {
                defer { jobs.release() }
                await runtime.sendDecisions(to: peer, heights: heights)
            }
        }
        for evidence in output.evidence {
            guard jobs.acquire() else {
                runtime.metrics.backgroundJobsDropped.increment(); continue
            }
            let runtime = runtime
            group.addTask {
                defer { jobs.release() }
                await runtime.reportEvidence(evidence)
            }
        }
        if let replica = core.replica {
            runtime.noteRound(replica.round)
            inbox.pruneTimers(height: replica.height, round: replica.round)
        }
    }
}

/// What one handled event asks of the async side.
struct DriverOutput: Sendable {
    var timers: [(TimeoutID, UInt64)] = []
    var decisionRequests: [(PublicKey, ClosedRange<UInt64>)] = []
    var evidence: [EquivocationEvidence] = []
    var outcomes: [CommitOutcome] = []
    var rejections: [(height: UInt64, reason: String)] = []
    var halt: ExecutionHalt?
}

/// The replica and the executor, touched only by the driver's task (one event at a time,
/// each awaited before the next), so they need no lock.
///
/// `@unchecked Sendable`: it crosses into the thread pool for each event, never two at once.
final class DriverCore: @unchecked Sendable {
    var replica: Replica?
    let executor: ChainExecutor
    let runtime: NodeRuntime

    init(replica: Replica?, executor: ChainExecutor, runtime: NodeRuntime) {
        self.replica = replica
        self.executor = executor
        self.runtime = runtime
    }

    func handle(_ event: Replica.Event) throws -> DriverOutput {
        var effects = NodeEffects(runtime: runtime)
        var application = executor
        if var current = replica {
            defer { replica = current }
            try current.handle(event, application: &application, effects: &effects)
        } else if case let .message(verified, _) = event,
            case let .decision(decision) = verified.message
        {
            // A follower: no votes, just the certified chain, in order.
            let tip = executor.tip
            if decision.block.height == tip.height + 1,
                decision.block.header.previousHash == tip.blockHash
            {
                executor.deliver(block: decision.block, certificate: decision.certificate)
            }
        }
        runtime.learnValidatorSets(from: executor)
        var output = effects.output
        output.outcomes = executor.takeOutcomes()
        output.rejections = executor.takeRejections()
        output.halt = executor.halt
        return output
    }
}

/// The node's side effects of the replica's actions: the safety state fsynced to RocksDB,
/// messages queued to the peer transport (non-blocking), the rest handed back to the
/// driver's task in `output`.
struct NodeEffects: ConsensusEffects {
    let runtime: NodeRuntime
    var output = DriverOutput()

    mutating func persist(_ state: SafetyState) throws {
        // Durable before any statement it covers leaves this node.
        try runtime.blockStore.saveSafetyState(state.canonicalBytes)
    }

    mutating func broadcast(_ message: ConsensusMessage) {
        runtime.transport?.broadcast(PeerMessage.consensus(message.canonicalBytes).canonicalBytes)
    }

    mutating func send(_ message: ConsensusMessage, to validator: Int) {
        // An index of the set of the height being decided (the latest set known here).
        let known = runtime.validatorSets.withLockedValue { $0 }
        guard let validators = known.set(forHeight: runtime.blockStore.lastHeight + 1),
            validator >= 0, validator < validators.count
        else { return }
        let peer = validators[validator].networkKey
        runtime.transport?.send(
            PeerMessage.consensus(message.canonicalBytes).canonicalBytes, to: peer)
    }

    /// `signer` is the consensus key of a lagging validator's message; the reply goes to the
    /// network key that the latest known set pairs with it.
    mutating func sendDecisions(to signer: PublicKey, heights: ClosedRange<UInt64>) {
        guard let peer = runtime.validatorSets.withLockedValue({ $0.networkKey(ofConsensusKey: signer) })
        else { return }
        output.decisionRequests.append((peer, heights))
    }

    mutating func schedule(_ timeout: TimeoutID, afterMs: UInt64) {
        output.timers.append((timeout, afterMs))
    }

    mutating func report(_ evidence: EquivocationEvidence) {
        output.evidence.append(evidence)
    }
}

/// Counts background jobs in flight against a limit.
final class JobCounter: Sendable {
    private let count = LockedCounter()
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func acquire() -> Bool { count.increment(ifBelow: limit) }
    func release() { count.decrement() }
}

/// Wall-clock milliseconds: consensus time comes from here, and only through events.
enum Clock {
    static func nowMs() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}

#if canImport(Glibc)
    import Glibc
#endif
