public import Execution
public import Ledger

/// The simulated replica's mempool: bounded, FIFO, deduplicated. Admission verifies the
/// signature through the replica's own `SignatureCache`, as the node's mempool does, so a
/// proposal's transactions are cache hits exactly when they would be on a node.
final class SimPool: TransactionPool {
    static let capacity = 2_000
    private var order: [(tx: Transaction, id: Hash256, size: Int)] = []
    private var ids: Set<Hash256> = []
    let signatures: SignatureCache

    init(signatures: SignatureCache) { self.signatures = signatures }

    var count: Int { order.count }

    /// Admits a client or gossiped transaction; refuses what the node's mempool would.
    @discardableResult
    func admit(_ tx: Transaction, chainID: String, height: UInt64, isCommitted: (Hash256) -> Bool)
        -> Bool
    {
        let id = tx.id
        guard order.count < Self.capacity, tx.chainID == chainID, tx.validUntilHeight > height,
            !ids.contains(id), !isCommitted(id), signatures.isValid(tx, id: id)
        else { return false }
        order.append((tx, id, tx.canonicalBytes.count))
        ids.insert(id)
        return true
    }

    func reap(maxCount: Int, maxBytes: Int) -> [Transaction] {
        var picked: [Transaction] = []
        var bytes = 0
        for (tx, _, size) in order {
            guard picked.count < maxCount else { break }
            guard bytes + size <= maxBytes else { break }
            picked.append(tx)
            bytes += size
        }
        return picked
    }

    func removeCommitted(_ committed: [Hash256], height: UInt64) {
        let gone = Set(committed)
        order.removeAll { entry in
            guard gone.contains(entry.id) || entry.tx.validUntilHeight <= height else {
                return false
            }
            ids.remove(entry.id)
            return true
        }
    }

    func recheck(_ stillValid: (Transaction) -> Bool) {
        order.removeAll { entry in
            guard !stillValid(entry.tx) else { return false }
            ids.remove(entry.id)
            return true
        }
    }
}
