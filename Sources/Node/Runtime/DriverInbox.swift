public import Consensus
internal import NIOConcurrencyHelpers

/// What the consensus driver reacts to, kept so that a flood of peer traffic can never
/// push out a timer (issue 17, finding 7):
/// - timers live in their own map keyed by `TimeoutID`, never dropped: the replica only
///   arms timers for its current height and round (plus one retransmit timer), and fired or
///   stale ones are pruned, so the map stays small by construction;
/// - peer messages and synced blocks are bounded queues that drop their oldest entry when
///   full (consensus recovers lost messages through retransmission, sync asks again).
/// A doorbell wakes the driver; a ring is never lost (the stream keeps the newest one).
final class DriverInbox: Sendable {
    private struct State {
        var messages = BoundedQueue<VerifiedMessage>(capacity: DriverInbox.messageCapacity)
        var synced = BoundedQueue<Decision>(capacity: DriverInbox.syncedCapacity)
        var timers: [TimeoutID: UInt64] = [:]
        var transactionsArrived = false
    }

    /// Peer messages waiting for the driver: about 4 s of a busy 4-validator chain.
    static let messageCapacity = 20_000
    /// Synced decisions waiting: a few sync batches.
    static let syncedCapacity = 1_024

    private let state = NIOLockedValueBox(State())
    let doorbell: AsyncStream<Void>
    private let bell: AsyncStream<Void>.Continuation

    init() {
        (doorbell, bell) = AsyncStream.makeStream(
            of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a verified peer message. - Returns: false when the oldest one was dropped.
    @discardableResult
    func submit(_ message: VerifiedMessage) -> Bool {
        defer { bell.yield() }
        return state.withLockedValue { $0.messages.append(message) }
    }

    /// Queues a certified block from block sync or a peer's catch-up reply, its certificate
    /// not yet checked: the driver checks it against the set of its height when it comes to
    /// it, after the blocks before it (that set is determined by them).
    /// - Returns: false when one was dropped.
    @discardableResult
    func submitSynced(_ decision: Decision) -> Bool {
        defer { bell.yield() }
        return state.withLockedValue { $0.synced.append(decision) }
    }

    /// Arms (or re-arms) a timer due at `dueMs`; `ring()` once it is due.
    func schedule(_ id: TimeoutID, dueMs: UInt64) {
        state.withLockedValue { $0.timers[id] = dueMs }
    }

    /// The mempool has transactions again (coalesced: one pending note at most).
    func noteTransactions() {
        let first = state.withLockedValue { state -> Bool in
            defer { state.transactionsArrived = true }
            return !state.transactionsArrived
        }
        if first { bell.yield() }
    }

    func ring() { bell.yield() }

    /// Ends the doorbell: the driver's wait returns nil.
    func close() { bell.finish() }

    enum Input {
        case timeout(TimeoutID)
        case message(VerifiedMessage)
        case synced(Decision)
        case transactionsAvailable
    }

    /// The next input: due timers first (in deadline order), then synced blocks, then peer
    /// messages, then a transactions note.
    func next(nowMs: UInt64) -> Input? {
        state.withLockedValue { state in
            // One pass, no allocation: this runs before every peer message the driver takes.
            var earliest: (id: TimeoutID, dueMs: UInt64)?
            for (id, dueMs) in state.timers where dueMs <= nowMs {
                if let current = earliest,
                    (current.dueMs, current.id.kind.rawValue) <= (dueMs, id.kind.rawValue)
                { continue }
                earliest = (id, dueMs)
            }
            if let earliest {
                state.timers[earliest.id] = nil
                return .timeout(earliest.id)
            }
            if let synced = state.synced.popFirst() { return .synced(synced) }
            if let message = state.messages.popFirst() { return .message(message) }
            if state.transactionsArrived {
                state.transactionsArrived = false
                return .transactionsAvailable
            }
            return nil
        }
    }

    /// Forgets timers of rounds the replica has left: it would ignore them when they fire.
    func pruneTimers(height: UInt64, round: UInt64) {
        state.withLockedValue { state in
            // Removes in place: rebuilding the map after every event allocated each time,
            // and almost always nothing is stale.
            let stale = state.timers.keys.filter { id in
                id.kind != .retransmit
                    && (id.height < height || (id.height == height && id.round < round))
            }
            for id in stale { state.timers[id] = nil }
        }
    }

    var pendingTimers: Int { state.withLockedValue { $0.timers.count } }
}

/// A FIFO queue with a fixed capacity that drops its oldest element when full.
struct BoundedQueue<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { storage = Array(repeating: nil, count: max(1, capacity)) }

    /// - Returns: false when the oldest element was dropped to make room.
    mutating func append(_ element: Element) -> Bool {
        let capacity = storage.count
        if count == capacity {
            storage[(head + count) % capacity] = element
            head = (head + 1) % capacity
            return false
        }
        storage[(head + count) % capacity] = element
        count += 1
        return true
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return element
    }
}

/// A locked counter (the driver's background jobs).
final class LockedCounter: Sendable {
    private let value = NIOLockedValueBox(0)

    /// Adds one unless that would reach beyond `limit`. - Returns: whether it added.
    func increment(ifBelow limit: Int) -> Bool {
        value.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func decrement() { value.withLockedValue { $0 = max(0, $0 - 1) } }
}

extension BoundedQueue: Sendable where Element: Sendable {}
