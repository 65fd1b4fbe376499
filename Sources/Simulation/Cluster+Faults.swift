import Consensus
import Execution
import Ledger

// MARK: - The seed's fault plan, and a full run with its liveness check

extension Cluster {
    /// Draws the fault plan for the fault phase from the seed.
    mutating func planRandomFaults() {
        let phase = options.faultPhaseMs
        let faults = options.faults
        if faults.contains(.network) {
            schedule(.network(NetworkConditions(
                dropPerMille: Int(random.draw(0...150)), duplicatePerMille: Int(random.draw(0...100)),
                corruptPerMille: Int(random.draw(0...10)), minDelayMs: 1, maxDelayMs: random.draw(5...200))),
                atMs: 0)
        }
        if faults.contains(.partition) { planPartitions(phase: phase) }
        if faults.contains(.crash) {
            let honest = honestInstances
            for _ in 0..<random.draw(0...3) where !honest.isEmpty {
                let instance = honest[Int.random(in: 0..<honest.count, using: &random)]
                planCrash(instance, amnesia: false, phase: phase)
            }
        }
        if faults.contains(.amnesia) {
            for instance in instances.indices where !instances[instance].isHonest && random.chance(perMille: 500) {
                planCrash(instance, amnesia: true, phase: phase)
            }
        }
    }

    private mutating func planCrash(_ instance: Int, amnesia: Bool, phase: UInt64) {
        let crashAt = random.draw(0...phase)
        schedule(.crash(instance: instance), atMs: crashAt)
        let restartAt = crashAt + random.draw(50...1_500)
        // Restarts after the fault phase happen at healing time instead.
        if restartAt < phase { schedule(.restart(instance: instance, amnesia: amnesia), atMs: restartAt) }
    }

    /// Sequential partitions: 1|n-1, a half split, or the leader cut off; twins of a
    /// Byzantine validator usually land on opposite sides, so each side sees a different
    /// face of it (the Twins attack).
    private mutating func planPartitions(phase: UInt64) {
        var cursor = random.draw(0...phase / 2)
        for _ in 0..<random.draw(1...3) where cursor < phase {
            let duration = random.draw(100...1_500)
            switch random.draw(0...2) {
            case 0: schedule(.partition(isolated: isolatedInstances(validators: [randomValidator()])), atMs: cursor)
            case 1:
                var indices = Array(0..<validators.count)
                indices.shuffle(using: &random)
                let half = Array(indices.prefix(validators.count / 2))
                schedule(.partition(isolated: isolatedInstances(validators: half)), atMs: cursor)
            default: schedule(.isolateLeader, atMs: cursor)
            }
            schedule(.heal, atMs: min(cursor + duration, phase))
            cursor += duration + random.draw(0...500)
        }
    }

    private mutating func randomValidator() -> Int { Int.random(in: 0..<validators.count, using: &random) }

    /// The instances of `chosen` validators, with each twin flipped to the other side
    /// three times in four.
    private mutating func isolatedInstances(validators chosen: [Int]) -> [Int] {
        var sides: [Bool] = instances.map { chosen.contains($0.validatorIndex) }
        for twin in (options.nodes + options.spareValidators)..<instances.count
        where random.chance(perMille: 750) {
            sides[twin].toggle()
        }
        return instances.indices.filter { sides[$0] }
    }

    /// Runs the seed: the fault phase, then healing (network calm, partitions healed,
    /// crashed replicas restarted), then checks that every honest replica commits a new
    /// block within the liveness window.
    public mutating func run() -> SimulationReport {
        let phase = options.faultPhaseMs
        schedule(.heal, atMs: phase)
        schedule(.network(.calm), atMs: phase)
        for instance in instances.indices {
            schedule(.restart(instance: instance, amnesia: false), atMs: phase)
        }
        run(untilMs: phase)
        // Restart events scheduled exactly at `phase` have run; measure progress from here.
        let baseline = maximumHonestHeight
        let deadline = SimChain.genesisTimeMs + phase + options.livenessWindowMs
        var livenessFailure: String?
        while safetyViolation == nil, minimumHonestHeight <= baseline {
            guard let next = queue.nextTimeMs, next <= deadline else {
                livenessFailure = "no new block on every honest replica within \(options.livenessWindowMs) ms "
                    + "after healing (baseline height \(baseline), honest heights "
                    + "\(liveHonestInstances.map(committedHeight))); "
                    + instances.indices.map { "#\($0): \(instances[$0].replica.map(String.init(describing:)) ?? "down")" }
                    .joined(separator: "; ")
                break
            }
            processNextEvent()
        }
        var report = SimulationReport(
            seed: seed, safetyViolation: safetyViolation, livenessFailure: livenessFailure,
            blocks: maximumHonestHeight, evidenceReported: evidenceReported, drops: dropCounts,
            simulatedMs: nowMs - SimChain.genesisTimeMs)
        report.transactions = committedTransactions
        report.halts = halts.keys.sorted().map { "instance \($0): \(halts[$0] ?? "")" }
        report.largestReplicaBytes = largestReplicaBytes
        report.billsClaimed = oracle.billsClaimed.count
        return report
    }
}
