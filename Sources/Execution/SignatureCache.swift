public import Ledger
internal import NIOConcurrencyHelpers

/// Transactions whose signatures this node has verified, so no signature is verified twice
/// on one node (mempool admission, proposal validation and execution all ask here).
///
/// Keyed by what was verified: the transaction id AND the signature bytes. The id covers
/// the body but not the signature, so a cache keyed by the id alone would let a proposer
/// replace a gossiped transaction's signature and have the forgery accepted as a hit
/// (issue 17, finding 3).
///
/// Bounded: the oldest entries are forgotten first; a forgotten one is simply verified again.
public final class SignatureCache: Sendable {
    /// How entries are keyed. Only `.idAndSignature` is correct; `.idOnly` re-creates the
    /// defect of finding 3 on purpose, so the simulator's mutation test can show that its
    /// forged-signature adversary catches it. Nothing outside tests may choose it.
    public enum Keying: Sendable {
        case idAndSignature
        case idOnly
    }

    struct Key: Hashable {
        let id: Hash256
        let signature: Signature?
    }

    private struct State {
        var verified: Set<Key> = []
        var order: [Key] = []
        var head = 0
    }

    private let state = NIOLockedValueBox(State())
    public let capacity: Int
    public let keying: Keying

    public init(capacity: Int = 200_000, keying: Keying = .idAndSignature) {
        self.capacity = max(1, capacity)
        self.keying = keying
    }

    /// True when `tx` carries a valid signature; verifies only on a cache miss.
    public func isValid(_ tx: Transaction, id: Hash256) -> Bool {
        let key = Key(id: id, signature: keying == .idAndSignature ? tx.signature : nil)
        if state.withLockedValue({ $0.verified.contains(key) }) { return true }
        // Verify outside the lock: it is the expensive part and needs no shared state.
        guard tx.hasValidSignature else { return false }
        state.withLockedValue { state in
            guard state.verified.insert(key).inserted else { return }
            if state.order.count < capacity {
                state.order.append(key)
            } else {
                state.verified.remove(state.order[state.head])
                state.order[state.head] = key
                state.head = (state.head + 1) % capacity
            }
        }
        return true
    }

    public var count: Int { state.withLockedValue { $0.verified.count } }
}
