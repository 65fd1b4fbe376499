public import Ledger
internal import NIOConcurrencyHelpers

/// Transaction ids whose signatures this node has verified, so no signature is verified
/// twice on one node (mempool admission, proposal validation and execution all ask here).
/// Bounded: the oldest entries are forgotten first; a forgotten id is simply verified again.
public final class SignatureCache: Sendable {
    private struct State {
        var verified: Set<Hash256> = []
        var order: [Hash256] = []
        var head = 0
    }

    private let state = NIOLockedValueBox(State())
    public let capacity: Int

    public init(capacity: Int = 200_000) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// True when `tx` carries a valid signature; verifies only on a cache miss.
    public func isValid(_ tx: Transaction, id: Hash256) -> Bool {
        if state.withLockedValue({ $0.verified.contains(id) }) { return true }
        // Verify outside the lock: it is the expensive part and needs no shared state.
        guard tx.hasValidSignature else { return false }
        state.withLockedValue { state in
            guard state.verified.insert(id).inserted else { return }
            if state.order.count < capacity {
                state.order.append(id)
            } else {
                state.verified.remove(state.order[state.head])
                state.order[state.head] = id
                state.head = (state.head + 1) % capacity
            }
        }
        return true
    }

    public var count: Int { state.withLockedValue { $0.verified.count } }
}
