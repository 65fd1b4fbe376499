internal import CoreMetrics
public import Consensus
public import Ledger
public import Logging
internal import NIOConcurrencyHelpers

/// What the driver's single task reacts to.
enum DriverInput: Sendable {
    case message(VerifiedMessage)
    case timeout(TimeoutID)
    /// Blocks fetched by block sync, each already verified (certificate against the set).
    case synced(VerifiedMessage)
}

/// Owns the consensus `Replica` and carries out its actions, in order, from ONE task: no
/// actor re-entrancy can interleave two events, and every `await` (fsync of the safety
/// state, a block commit) finishes before the next event is looked at.
final class ConsensusDriver: Sendable {
    let inputs: AsyncStream<DriverInput>
    private let continuation: AsyncStream<DriverInput>.Continuation
    private let runtime: NodeRuntime

    /// A proposer with an empty mempool waits this long for transactions before proposing:
    /// an idle chain then makes a few empty blocks a second instead of dozens. Well below
    /// the propose timeout, so it never costs a round.
    static let emptyBlockDelayMs: UInt64 = 250

    init(runtime: NodeRuntime) {
        self.runtime = runtime
        // Bounded: a flood of peer messages drops the oldest rather than growing memory;
        // consensus recovers lost messages through its retransmit timer.
        (inputs, continuation) = AsyncStream.makeStream(of: DriverInput.self, bufferingPolicy: .bufferingNewest(20_000))
    }

    func submit(_ input: DriverInput) {
        if case .dropped = continuation.yield(input) { runtime.metrics.consensusMessagesDropped.increment() }
    }

    /// Runs until cancelled. `replica` is nil on a node that is not a validator: it only
    /// follows the chain through block sync.
    func run(replica initial: Replica?) async throws {
        var replica = initial
        try await withThrowingDiscardingTaskGroup { group in
            if var current = replica {
                let actions = current.handle(.start(nowMs: Clock.nowMs()))
                replica = current
                try await perform(actions, replica: &replica, group: &group)
            }
            for await input in inputs {
                if Task.isCancelled { break }
                try await handle(input, replica: &replica, group: &group)
            }
        }
    }

    private func handle(
        _ input: DriverInput, replica: inout Replica?, group: inout ThrowingDiscardingTaskGroup<any Error>
    ) async throws {
        let now = Clock.nowMs()
        guard var current = replica else {
            if case let .synced(verified) = input, case let .decision(decision) = verified.message {
                try await runtime.commitSynced(decision)
            }
            return
        }
        let event: Replica.Event
        switch input {
        case let .message(verified), let .synced(verified): event = .message(verified, nowMs: now)
        case let .timeout(id): event = .timeout(id, nowMs: now)
        }
        let actions = current.handle(event)
        replica = current
        try await perform(actions, replica: &replica, group: &group)
    }

    /// Carries out actions in order. Application actions are answered by feeding the result
    /// back into the replica at once, as the Consensus driver contract asks.
    private func perform(
        _ initial: [Replica.Action], replica: inout Replica?, group: inout ThrowingDiscardingTaskGroup<any Error>
    ) async throws {
        var pending = initial[...]
        while let action = pending.popFirst() {
            var followUp: [Replica.Action] = []
            switch action {
            case let .persistSafetyState(state):
                // Durable before any statement it covers leaves this node.
                try await runtime.store.saveSafetyState(state.canonicalBytes)
            case let .broadcast(message):
                runtime.transport?.broadcast(PeerMessage.consensus(message.canonicalBytes).canonicalBytes)
            case let .send(message, to: index):
                let peer = runtime.genesis.validators[index].publicKey
                runtime.transport?.send(PeerMessage.consensus(message.canonicalBytes).canonicalBytes, to: peer)
            case let .sendDecisions(to: index, heights: heights):
                // Reading old blocks must not hold up consensus: a child task does it.
                let runtime = runtime
                group.addTask { await runtime.sendDecisions(to: index, heights: heights) }
            case let .scheduleTimeout(id, afterMs):
                let continuation = continuation
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(Int64(afterMs)))
                    continuation.yield(.timeout(id))
                }
            case let .requestPayload(height, round):
                await runtime.awaitTransactions(upToMs: ConsensusDriver.emptyBlockDelayMs)
                let payload = try await runtime.executorCall { $0.proposalPayload(height: height, round: round) }
                followUp = replica!.handle(.payloadReady(height: height, round: round, payload, nowMs: Clock.nowMs()))
            case let .validateBlock(block):
                let validity = try await runtime.executorCall { $0.validate(block: block) }
                if case let .invalid(reason) = validity {
                    runtime.logger.warning("rejected proposal", metadata: ["height": "\(block.height)", "reason": "\(reason)"])
                }
                followUp = replica!.handle(.validationResult(
                    blockID: block.hash, isValid: validity == .valid, nowMs: Clock.nowMs()))
            case let .deliverBlock(block, certificate):
                try await runtime.commit(block: block, certificate: certificate)
            case let .reportEvidence(evidence):
                await runtime.reportEvidence(evidence)
            }
            pending = (followUp + pending)[...]
            if let current = replica { runtime.noteRound(current.round) }
        }
    }
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
