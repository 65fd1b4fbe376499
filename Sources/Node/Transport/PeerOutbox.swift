internal import NIOConcurrencyHelpers
internal import NIOCore

/// One validator's bounded outbound queue. It belongs to the peer, not to a connection, so
/// messages queued while a peer is down (or while one connection replaces another) wait
/// here for the next connection instead of being lost with the old one.
///
/// Exactly one connection, the current `owner`, drains it; a newer connection taking over
/// wakes the old one's writer with nil. When full, the oldest message is dropped: consensus
/// messages are superseded by newer ones (a later round's vote matters more than an older
/// one's), and the caller is told so it can count the drop.
final class PeerOutbox: Sendable {
    private struct Waiter {
        let owner: UInt64
        let continuation: CheckedContinuation<[UInt8]?, Never>
    }

    private struct State {
        var queue = CircularBuffer<[UInt8]>()
        var owner: UInt64?
        var waiter: Waiter?
    }

    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        precondition(limit > 0, "an outbox holds at least one message")
        self.limit = limit
    }

    var count: Int { state.withLockedValue { $0.queue.count } }

    /// Queues `payload`; false when the queue was full and its oldest message was dropped.
    func enqueue(_ payload: [UInt8]) -> Bool {
        let (waiter, dropped) = state.withLockedValue { state -> (Waiter?, Bool) in
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, false)
            }
            var dropped = false
            if state.queue.count >= limit {
                state.queue.removeFirst()
                dropped = true
            }
            state.queue.append(payload)
            return (nil, dropped)
        }
        waiter?.continuation.resume(returning: payload)
        return !dropped
    }

    /// Puts back a message a writer took but could not write (its connection died), so the
    /// next connection sends it. Dropped (false) if the queue has filled up meanwhile.
    func requeue(_ payload: [UInt8]) -> Bool {
        guard !payload.isEmpty else { return true }  // a keepalive is not worth keeping
        let (waiter, kept) = state.withLockedValue { state -> (Waiter?, Bool) in
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, true)
            }
            guard state.queue.count < limit else { return (nil, false) }
            state.queue.prepend(payload)
            return (nil, true)
        }
        waiter?.continuation.resume(returning: payload)
        return kept
    }

    /// Wakes `owner`'s writer with an empty payload (a keepalive) if it is idle, waiting on
    /// an empty queue; does nothing when messages are flowing anyway.
    func pokeIfIdle(owner: UInt64) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard state.waiter?.owner == owner else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.continuation.resume(returning: [])
    }

    /// Makes connection `owner` the only one that drains this outbox.
    func attach(owner: UInt64) {
        let previous = state.withLockedValue { state -> Waiter? in
            state.owner = owner
            defer { state.waiter = nil }
            return state.waiter
        }
        previous?.continuation.resume(returning: nil)
    }

    /// Releases the outbox if `owner` still holds it (the queue itself is kept).
    func detach(owner: UInt64) {
        let previous = state.withLockedValue { state -> Waiter? in
            guard state.owner == owner else { return nil }
            state.owner = nil
            defer { state.waiter = nil }
            return state.waiter
        }
        previous?.continuation.resume(returning: nil)
    }

    /// The next message for connection `owner`; nil once it no longer owns the outbox or its
    /// task is cancelled.
    func next(owner: UInt64) async -> [UInt8]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8]?, Never>) in
                let immediate: [UInt8]?? = state.withLockedValue { state in
                    // Checked under the lock that onCancel also takes, so a cancellation
                    // that ran before the waiter was installed is never missed.
                    guard state.owner == owner, !Task.isCancelled else { return .some(nil) }
                    if let first = state.queue.popFirst() { return .some(first) }
                    precondition(state.waiter == nil, "two writers drain one outbox")
                    state.waiter = Waiter(owner: owner, continuation: continuation)
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> Waiter? in
                guard state.waiter?.owner == owner else { return nil }
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.continuation.resume(returning: nil)
        }
    }
}
