public import Ledger
internal import NIOConcurrencyHelpers

/// A committed event with where it happened.
public struct CommittedEvent: Sendable {
    public let height: UInt64
    public let txIndex: UInt32
    public let txID: Hash256
    public let event: Event
}

/// Fans committed events out to subscribers (the API's event stream). Each subscriber has a
/// bounded buffer: a subscriber too slow to keep up loses the oldest events, never the
/// node's memory.
public final class EventHub: Sendable {
    private struct State {
        var subscribers: [UInt64: AsyncStream<CommittedEvent>.Continuation] = [:]
        var next: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())
    public static let bufferPerSubscriber = 10_000

    public init() {}

    public func subscribe() -> AsyncStream<CommittedEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: CommittedEvent.self, bufferingPolicy: .bufferingNewest(Self.bufferPerSubscriber))
        let id = state.withLockedValue { state -> UInt64 in
            state.next += 1
            state.subscribers[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ outcome: CommitOutcome) {
        let subscribers = state.withLockedValue { Array($0.subscribers.values) }
        guard !subscribers.isEmpty else { return }
        for (index, (tx, receipt)) in zip(outcome.block.transactions, outcome.receipts).enumerated() {
            for event in receipt.events {
                let committed = CommittedEvent(height: outcome.block.height, txIndex: UInt32(index), txID: tx.id, event: event)
                for subscriber in subscribers { subscriber.yield(committed) }
            }
        }
    }
}
