import Consensus

/// Totals over many seeds.
public struct SweepSummary: Sendable {
    public var seeds = 0
    public var safetyViolations = 0
    public var livenessFailures = 0
    public var blocks: UInt64 = 0
    public var transactions = 0
    public var largestReplicaBytes = 0
    public var failures: [SimulationReport] = []

    public init() {}

    /// The one-line summary `govchain-node simulate` ends with.
    public var summaryLine: String {
        "simulate: seeds=\(seeds) safety_violations=\(safetyViolations) "
            + "liveness_failures=\(livenessFailures) blocks=\(blocks) transactions=\(transactions) "
            + "max_replica_bytes=\(largestReplicaBytes)"
    }
}

/// Runs seeded clusters one after another.
public enum Simulator {
    /// Runs `count` seeds starting at `firstSeed`.
    /// - Parameters:
    ///   - onFailure: called with each failing seed's report as it happens.
    ///   - onReport: called with every seed's report.
    public static func sweep(
        firstSeed: UInt64, count: Int, options: SimulationOptions,
        onFailure: (SimulationReport) -> Void = { _ in }, onReport: (SimulationReport) -> Void = { _ in }
    ) -> SweepSummary {
        var summary = SweepSummary()
        for offset in 0..<count {
            var cluster = Cluster(seed: firstSeed &+ UInt64(offset), options: options)
            let report = cluster.run()
            onReport(report)
            summary.seeds += 1
            summary.blocks += report.blocks
            summary.transactions += report.transactions
            summary.largestReplicaBytes = max(summary.largestReplicaBytes, report.largestReplicaBytes)
            if report.safetyViolation != nil { summary.safetyViolations += 1 }
            if report.livenessFailure != nil { summary.livenessFailures += 1 }
            if report.safetyViolation != nil || report.livenessFailure != nil {
                summary.failures.append(report)
                onFailure(report)
            }
        }
        return summary
    }

    /// The exact command that replays one seed.
    public static func replayCommand(seed: UInt64, options: SimulationOptions) -> String {
        "govchain-node simulate --seeds 1 --seed \(seed) --nodes \(options.nodes) "
            + "--byzantine \(options.byzantine) --faults \(options.faults.spelled) "
            + "--fault-phase-ms \(options.faultPhaseMs) --adversary \(Adversary.spelled(options.adversaries))"
            + options.mutations.map { " --mutation \($0.rawValue)" }.sorted().joined()
    }
}
