import Dispatch
import Synchronization
import Consensus
import Ledger

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
    /// - Parameter jobs: seeds run on this many threads at once (each seed is independent and
    ///   deterministic, so the reports are the same); reports arrive in seed order.
    public static func sweep(
        firstSeed: UInt64, count: Int, options: SimulationOptions, jobs: Int = 1,
        onFailure: (SimulationReport) -> Void = { _ in }, onReport: (SimulationReport) -> Void = { _ in }
    ) -> SweepSummary {
        var summary = SweepSummary()
        let reports = jobs > 1
            ? parallelReports(firstSeed: firstSeed, count: count, options: options, jobs: jobs) : nil
        for offset in 0..<count {
            let report: SimulationReport
            if let reports {
                report = reports[offset]
            } else {
                var cluster = Cluster(seed: firstSeed &+ UInt64(offset), options: options)
                report = cluster.run()
            }
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

    private static func parallelReports(
        firstSeed: UInt64, count: Int, options: SimulationOptions, jobs: Int
    ) -> [SimulationReport] {
        let results = Mutex<[Int: SimulationReport]>([:])
        DispatchQueue.concurrentPerform(iterations: jobs) { job in
            for offset in stride(from: job, to: count, by: jobs) {
                var cluster = Cluster(seed: firstSeed &+ UInt64(offset), options: options)
                let report = cluster.run()
                results.withLock { $0[offset] = report }
            }
        }
        let all = results.withLock { $0 }
        return (0..<count).compactMap { all[$0] }
    }

    /// The exact command that replays one seed.
    public static func replayCommand(seed: UInt64, options: SimulationOptions) -> String {
        let suite = CryptoSuite.active
        let mutations: String = options.mutations.map { " --mutation \($0.rawValue)" }.sorted()
            .joined()
        let base: String =
            "govchain-node simulate --seeds 1 --seed \(seed) --nodes \(options.nodes) "
            + "--byzantine \(options.byzantine) --faults \(options.faults.spelled) "
            + "--fault-phase-ms \(options.faultPhaseMs) --adversary \(Adversary.spelled(options.adversaries))"
        return base + mutations + (suite == .ed25519SHA256 ? "" : " --suite \(suite)")
    }
}
