internal import NIOConcurrencyHelpers
internal import Prometheus
public import Contracts
public import Execution
public import Ledger

extension NodeRuntime {
    /// Transactions queued for the next gossip flush, at most (ten full gossip batches).
    static let maxPendingGossip = 10 * PeerMessage.maxGossipBatch

    /// Admits a client's transaction to the mempool and queues it for gossip.
    public func submit(bytes: [UInt8]) async -> Result<Transaction, AdmissionError> {
        let result = await admit(bytes)
        switch result {
        case .success:
            // Bounded where written: flushed every 5 ms, so only a stalled gossip task fills
            // it. A transaction left out stays in this node's mempool and is proposed from
            // there; peers then see it in the block.
            gossip.withLockedValue { pending in
                if pending.count < Self.maxPendingGossip { pending.append(bytes) }
            }
            inbox.noteTransactions()
        case .failure: metrics.transactionsRefused.increment()
        }
        metrics.mempoolTransactions.record(Int64(mempool.count))
        return result
    }

    /// Transactions gossiped by peers: admitted locally, not re-gossiped (validators are
    /// fully meshed, and the sender already told everyone).
    func admitGossip(_ list: [[UInt8]]) async {
        for bytes in list {
            if case .success = await admit(bytes) { inbox.noteTransactions() }
        }
    }

    private func admit(_ bytes: [UInt8]) async -> Result<Transaction, AdmissionError> {
        let mempool = mempool
        do {
            // Committed-index and role lookups read RocksDB: on the thread pool.
            return try await store.run { store in
                let state = RocksStateStore(database: store.database)
                let result = mempool.admit(
                    bytes: bytes, height: store.lastHeight,
                    isCommitted: { try store.location(ofTransaction: $0) != nil },
                    permits: { tx in
                        let check = BlockExecutor.checkTx(tx, over: state)
                        // A role check whose read failed proves nothing: refuse (below).
                        if state.failure != nil { return "state read failed" }
                        if case let .failure(error) = check { return error.description }
                        return nil
                    })
                if let failure = state.failure { return .failure(.unavailable("state read failed: \(failure)")) }
                return result
            }
        } catch {
            return .failure(.busy("node is shutting down"))
        }
    }

    func flushGossip(_ transport: any PeerTransport) {
        let batch = gossip.withLockedValue { pending -> [[UInt8]] in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return }
        var start = 0
        while start < batch.count {
            let end = min(start + PeerMessage.maxGossipBatch, batch.count)
            transport.broadcast(PeerMessage.transactions(Array(batch[start..<end])).canonicalBytes)
            start = end
        }
    }

    /// The committed location and receipt of `id`, if it is committed.
    public func committedTransaction(_ id: Hash256) -> CommittedTransaction? {
        guard let location = try? blockStore.location(ofTransaction: id),
              let receipt = try? blockStore.receipt(at: location)
        else { return nil }
        return CommittedTransaction(location: location, receipt: receipt)
    }
}
