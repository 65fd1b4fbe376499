public import Ledger
internal import NIOConcurrencyHelpers

/// Where a committed transaction ended up, with its receipt.
public struct CommittedTransaction: Sendable {
    public let location: TransactionLocation
    public let receipt: Receipt
}

/// Lets API requests wait for their transaction to commit. Waiters are bounded; a waiter
/// that times out is removed, so abandoned requests leave nothing behind.
public final class CommitNotifier: Sendable {
    private struct Waiter {
        let token: UInt64
        let continuation: CheckedContinuation<CommittedTransaction?, Never>
    }

    private struct State {
        var waiters: [Hash256: [Waiter]] = [:]
        var count = 0
        var nextToken: UInt64 = 0
        var finished = false
    }

    private let state = NIOLockedValueBox(State())
    public let maxWaiters: Int

    public init(maxWaiters: Int = 100_000) { self.maxWaiters = maxWaiters }

    /// Waits until `id` commits or `timeoutMs` passes (nil then). `alreadyCommitted` is asked
    /// after registering, so a commit racing with the registration is never missed.
    public func wait(
        for id: Hash256, timeoutMs: UInt64, alreadyCommitted: @escaping @Sendable () -> CommittedTransaction?
    ) async -> CommittedTransaction? {
        let token = state.withLockedValue { state -> UInt64? in
            guard !state.finished, state.count < maxWaiters else { return nil }
            state.nextToken += 1
            return state.nextToken
        }
        guard let token else { return alreadyCommitted() }
        return await withTaskGroup(of: CommittedTransaction?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    self.state.withLockedValue { state in
                        state.waiters[id, default: []].append(Waiter(token: token, continuation: continuation))
                        state.count += 1
                    }
                    if let done = alreadyCommitted() { self.resume(id: id, token: token, with: done) }
                }
            }
            group.addTask {
                // Clamped: Int64(_:) traps above Int64.max, and no wait needs 290 million years.
                try? await Task.sleep(for: .milliseconds(Int64(min(timeoutMs, UInt64(Int64.max)))))
                self.resume(id: id, token: token, with: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // The other child finishes promptly: the sleeper is cancelled, and the waiter was
            // resumed by whichever of commit or timeout came first.
            self.resume(id: id, token: token, with: first)
            return first
        }
    }

    /// Wakes everyone waiting for the block's transactions.
    public func committed(_ block: Block, receipts: [Receipt]) {
        for (index, receipt) in receipts.enumerated() {
            let done = CommittedTransaction(
                location: TransactionLocation(height: block.height, index: UInt32(index)), receipt: receipt)
            let waiters = state.withLockedValue { state -> [Waiter] in
                guard let waiters = state.waiters.removeValue(forKey: receipt.txID) else { return [] }
                state.count -= waiters.count
                return waiters
            }
            for waiter in waiters { waiter.continuation.resume(returning: done) }
        }
    }

    private func resume(id: Hash256, token: UInt64, with value: CommittedTransaction?) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard var list = state.waiters[id], let position = list.firstIndex(where: { $0.token == token }) else {
                return nil
            }
            let waiter = list.remove(at: position)
            state.waiters[id] = list.isEmpty ? nil : list
            state.count -= 1
            return waiter
        }
        waiter?.continuation.resume(returning: value)
    }

    public var waiting: Int { state.withLockedValue { $0.count } }

    /// Wakes every waiter with nil (its request answers "pending") and makes later waits
    /// return at once: a stopping node's HTTP server then drains in moments, never waiting
    /// up to a minute on a commit that may come after the node stopped.
    func finishAll() {
        let waiters = state.withLockedValue { state -> [Waiter] in
            state.finished = true
            defer {
                state.waiters.removeAll()
                state.count = 0
            }
            return state.waiters.values.flatMap { $0 }
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }
}
