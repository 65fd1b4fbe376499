import Consensus
import Execution
import Ledger

// MARK: - Validator-set changes

extension Cluster {
    /// Learns the sets an honest instance's executed state determines (up to its tip + 2),
    /// and checks them against what the others determined: two honest replicas naming
    /// different sets for one height is a divergence of their governance state.
    mutating func learnValidatorSets(from instance: Int) {
        guard instances[instance].isHonest, instances[instance].isUp else { return }
        let executor = instances[instance].application.executor
        let tip = executor.tip.height
        let known = validatorSets.knownThrough
        let first = max(1, min(known + 1, tip + 1))
        for height in first...(tip + 2) {
            // Nil only once the executor halted (the halt is reported on its own).
            guard let set = executor.validatorSet(forHeight: height) else { return }
            if !validatorSets.record(set, forHeight: height) {
                safetyViolation = "validator sets: instance \(instance) determines another set "
                    + "for height \(height) than the other honest replicas"
                return
            }
        }
    }

    /// Block sync for replicas outside their height's set (a spare before governance adds
    /// it, a removed validator): they sign nothing, so no peer ever sees them lag and sends
    /// them decisions. A node catches them up by its status-based block sync; here the
    /// most advanced honest instance answers them, once per client tick. Without followers
    /// (every run whose set never changes) this does nothing and draws no randomness.
    mutating func syncFollowers() {
        let target = honestInstances.filter { instances[$0].isUp }
            .max { committedHeight(instance: $0) < committedHeight(instance: $1) }
        guard let target else { return }
        let best = committedHeight(instance: target)
        for instance in instances.indices where instance != target {
            guard let replica = instances[instance].replica, replica.index == nil else { continue }
            let height = committedHeight(instance: instance)
            guard height < best else { continue }
            queue.push(
                .syncRequest(instance: target, from: instance, fromHeight: height + 1, count: 64),
                atMs: nowMs + 1)
        }
    }
}
