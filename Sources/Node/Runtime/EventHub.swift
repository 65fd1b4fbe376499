public import Execution
public import Ledger
internal import NIOConcurrencyHelpers

/// A committed event with where it happened.
public struct CommittedEvent: Sendable {
    public let height: UInt64
    public let txIndex: UInt32
    public let txID: Hash256
    public let event: Event
}

/// What a subscriber receives: events, and heartbeats that let a server-sent-event handler
/// notice a client that went away (a write to a closed connection fails).
public enum EventHubItem: Sendable {
    case event(CommittedEvent)
    case heartbeat
}

/// Fans committed events out to subscribers (the API's event stream). Each subscriber has a
/// bounded buffer: a subscriber too slow to keep up loses the oldest events, never the
/// node's memory. `finishAll` ends every stream, so a graceful shutdown never waits on one.
public final class EventHub: Sendable {
    private struct State {
        var subscribers: [UInt64: AsyncStream<EventHubItem>.Continuation] = [:]
        var next: UInt64 = 0
        var finished = false
    }

    private let state = NIOLockedValueBox(State())
    public static let bufferPerSubscriber = 10_000
    /// Streams open at once. Each may buffer `bufferPerSubscriber` events, and any client can
    /// open one, so the list is bounded where it is written.
    public let maxSubscribers: Int

    public init(maxSubscribers: Int = 256) { self.maxSubscribers = max(maxSubscribers, 1) }

    /// A new stream of committed events, or nil when `maxSubscribers` are open.
    public func subscribe() -> AsyncStream<EventHubItem>? {
        let (stream, continuation) = AsyncStream.makeStream(
            of: EventHubItem.self, bufferingPolicy: .bufferingNewest(Self.bufferPerSubscriber))
        var full = false
        let id = state.withLockedValue { state -> UInt64? in
            guard !state.finished else { return nil }
            guard state.subscribers.count < maxSubscribers else {
                full = true
                return nil
            }
            state.next += 1
            state.subscribers[state.next] = continuation
            return state.next
        }
        guard let id else {
            continuation.finish()
            return full ? nil : stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ outcome: CommitOutcome) {
        let subscribers = state.withLockedValue { Array($0.subscribers.values) }
        guard !subscribers.isEmpty else { return }
        for (index, receipt) in outcome.receipts.enumerated() {
            for event in receipt.events {
                let committed = CommittedEvent(height: outcome.block.height, txIndex: UInt32(index), txID: receipt.txID, event: event)
                for subscriber in subscribers { subscriber.yield(.event(committed)) }
            }
        }
        // Block events (expiry reminders) come after every transaction's: index one past
        // the last transaction, no transaction id.
        for event in outcome.blockEvents {
            let committed = CommittedEvent(
                height: outcome.block.height, txIndex: UInt32(outcome.receipts.count),
                txID: Hash256.zero, event: event)
            for subscriber in subscribers { subscriber.yield(.event(committed)) }
        }
    }
}

extension EventHub {
    func heartbeat() {
        let subscribers = state.withLockedValue { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(.heartbeat) }
    }

    /// Ends every subscription and refuses new ones (node shutting down).
    func finishAll() {
        let subscribers = state.withLockedValue { state -> [AsyncStream<EventHubItem>.Continuation] in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
