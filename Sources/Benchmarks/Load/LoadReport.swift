/// The figures of one open-loop run.
///
/// - Offered TPS: transactions scheduled per second (dropped ones included).
/// - Committed TPS: transactions acknowledged committed with code 0 whose acknowledgement
///   came inside the measured window [warmup, duration], divided by the window's length: the
///   steady throughput, not inflated by a drain after the schedule ends.
/// - Latency: submission to commit acknowledgement, of committed transactions sent inside
///   the window.
public struct LoadReport: Sendable {
    public let plan: LoadPlan
    public let offeredTPS: Double
    public let committedTPS: Double
    public let latencyMs: (p50: Double, p90: Double, p99: Double, max: Double)
    public let sent: Int
    public let committed: Int
    public let failed: Int
    public let refused: [String: Int]
    public let timedOut: Int
    public let errors: Int
    public let dropped: Int
    public let queries: Int
    public let queryLatencyMs: (p50: Double, p99: Double)
    public let byKind: [OperationKind: (committed: Int, failed: Int, p50Ms: Double)]
    public let generatorCPUSeconds: Double
    public let firstError: String?
    /// `429 busy` answers the generator met, retried ones included.
    public let busyRefusals: Int
    /// CPU seconds of the watched node processes over the run, and the largest VmRSS sampled.
    public let nodes: ProcessWatch.Figures?
    public let nodeCount: Int

    init(
        plan: LoadPlan, mix: Mix, operations: [Operation], samples: [Sample], dropped: Int,
        generatorCPUSeconds: Double, nodes: ProcessWatch.Figures?, nodeCount: Int
    ) {
        self.plan = plan
        self.dropped = dropped
        self.generatorCPUSeconds = generatorCPUSeconds
        self.nodes = nodes
        self.nodeCount = nodeCount
        busyRefusals = samples.reduce(0) { $0 + $1.busyRefusals }
        let windowStart = UInt64(plan.warmupSeconds * 1e9)
        let windowEnd = UInt64(plan.durationSeconds * 1e9)
        let window = max(0.001, plan.durationSeconds - plan.warmupSeconds)
        let transactions = samples.filter { $0.kind.isTransaction }
        offeredTPS =
            Double(operations.filter { $0.kind.isTransaction }.count) / plan.durationSeconds
        committedTPS =
            Double(
                transactions.filter {
                    $0.outcome == .committed && $0.doneNs >= windowStart && $0.doneNs <= windowEnd
                }.count) / window
        let measured = transactions.filter { $0.outcome == .committed && $0.sentNs >= windowStart }
        let latencies = measured.map { Double($0.doneNs - $0.sentNs) / 1e6 }.sorted()
        latencyMs = (
            Benchmarks.quantile(latencies, 0.5), Benchmarks.quantile(latencies, 0.9),
            Benchmarks.quantile(latencies, 0.99), latencies.last ?? 0
        )
        sent = transactions.count
        committed = transactions.filter { $0.outcome == .committed }.count
        var failed = 0
        var timedOut = 0
        var errors = 0
        var refused: [String: Int] = [:]
        var firstError: String?
        for sample in transactions {
            switch sample.outcome {
            case .committed: break
            case .failed: failed += 1
            case .refused(let code): refused[code, default: 0] += 1
            case .timedOut: timedOut += 1
            case .error(let text):
                errors += 1
                firstError = firstError ?? text
            }
        }
        (self.failed, self.timedOut, self.errors, self.refused, self.firstError) = (
            failed, timedOut, errors, refused, firstError
        )
        let querySamples = samples.filter { !$0.kind.isTransaction && $0.outcome == .committed }
        queries = querySamples.count
        let queryLatencies = querySamples.map { Double($0.doneNs - $0.sentNs) / 1e6 }.sorted()
        queryLatencyMs = (
            Benchmarks.quantile(queryLatencies, 0.5), Benchmarks.quantile(queryLatencies, 0.99)
        )
        var byKind: [OperationKind: (committed: Int, failed: Int, p50Ms: Double)] = [:]
        for (kind, _) in mix.weights where kind.isTransaction {
            let ofKind = transactions.filter { $0.kind == kind }
            let done = ofKind.filter { $0.outcome == .committed }
            let p50 = Benchmarks.quantile(
                done.map { Double($0.doneNs - $0.sentNs) / 1e6 }.sorted(), 0.5)
            byKind[kind] = (
                done.count,
                ofKind.filter { if case .failed = $0.outcome { true } else { false } }.count, p50
            )
        }
        self.byKind = byKind
    }

    /// Transactions that did not end committed, as a fraction of those scheduled.
    public var lossFraction: Double {
        let scheduled = sent + dropped
        return scheduled == 0 ? 0 : Double(scheduled - committed) / Double(scheduled)
    }

    public var refusedTotal: Int { refused.values.reduce(0, +) }

    public var json: [String: Any] {
        var kinds: [String: Any] = [:]
        for (kind, figures) in byKind {
            kinds[kind.rawValue] = [
                "committed": figures.committed, "failed": figures.failed,
                "p50_ms": Benchmarks.rounded(figures.p50Ms),
            ]
        }
        var object: [String: Any] = [
            "offered_tps": Benchmarks.rounded(offeredTPS), "tps": Benchmarks.rounded(committedTPS),
            "p50_ms": Benchmarks.rounded(latencyMs.p50),
            "p90_ms": Benchmarks.rounded(latencyMs.p90),
            "p99_ms": Benchmarks.rounded(latencyMs.p99),
            "max_ms": Benchmarks.rounded(latencyMs.max),
            "duration_s": plan.durationSeconds, "warmup_s": plan.warmupSeconds,
            "sent": sent, "committed": committed, "failed": failed, "refused": refusedTotal,
            "refused_by_code": refused, "timed_out": timedOut, "errors": errors, "dropped": dropped,
            "max_in_flight": plan.maxInFlight, "queries": queries,
            "query_p50_ms": Benchmarks.rounded(queryLatencyMs.p50),
            "query_p99_ms": Benchmarks.rounded(queryLatencyMs.p99),
            "by_kind": kinds,
            "generator_cpu_s": Benchmarks.rounded(generatorCPUSeconds, 2),
            "busy_refusals": busyRefusals,
        ]
        if let firstError { object["first_error"] = firstError }
        // Per committed transaction: every transaction the run saw committed (the drain after
        // the schedule included), since the CPU is counted over the same span.
        if committed > 0 {
            object["generator_cpu_us_per_tx"] = Benchmarks.rounded(
                generatorCPUSeconds * 1e6 / Double(committed))
        }
        if let nodes {
            object["nodes_cpu_s"] = Benchmarks.rounded(nodes.cpuSeconds, 2)
            object["max_rss_mib"] = nodes.maxRSSMiB
            if committed > 0, nodeCount > 0 {
                object["cpu_us_per_tx"] = Benchmarks.rounded(
                    nodes.cpuSeconds * 1e6 / Double(committed) / Double(nodeCount))
            }
        }
        return object
    }

    /// One human-readable line.
    public var summary: String {
        let f = { (value: Double) in String(Int(value.rounded())) }
        return "offered \(f(offeredTPS)) tx/s, committed \(f(committedTPS)) tx/s, "
            + "p50 \(f(latencyMs.p50)) ms, p90 \(f(latencyMs.p90)) ms, "
            + "p99 \(f(latencyMs.p99)) ms, max \(f(latencyMs.max)) ms; "
            + "failed \(failed), refused \(refusedTotal), timed out \(timedOut), "
            + "errors \(errors), dropped \(dropped), busy 429s \(busyRefusals)"
            + (nodes.map { nodes in
                let perTx = committed > 0 && nodeCount > 0
                    ? nodes.cpuSeconds * 1e6 / Double(committed) / Double(nodeCount) : 0
                return "; nodes \(f(perTx)) us CPU per tx each, max RSS \(nodes.maxRSSMiB) MiB"
            } ?? "")
    }
}
