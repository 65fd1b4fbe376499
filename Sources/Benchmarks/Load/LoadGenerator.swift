internal import Foundation
internal import Synchronization

/// How one open-loop run is paced and bounded.
public struct LoadPlan: Sendable {
    /// Offered transactions per second (queries of the mix come on top).
    public var rate: Double
    public var durationSeconds: Double
    /// Results of operations sent before this offset are left out of the figures.
    public var warmupSeconds: Double
    /// Operations allowed in flight at once; an operation due while the bound is reached is
    /// dropped (counted), so the generator's memory stays bounded whatever the nodes do.
    public var maxInFlight: Int

    public init(rate: Double, durationSeconds: Double, warmupSeconds: Double, maxInFlight: Int) {
        self.rate = rate
        self.durationSeconds = durationSeconds
        self.warmupSeconds = warmupSeconds
        self.maxInFlight = maxInFlight
    }
}

/// One completed operation, times in nanoseconds from the run's start.
struct Sample: Sendable {
    let kind: OperationKind
    let sentNs: UInt64
    let doneNs: UInt64
    let outcome: Outcome
    /// `429 busy` answers met (and retried) on the way.
    let busyRefusals: Int
}

/// The open-loop generator: operations leave on a fixed schedule (the i-th at i / rate),
/// never waiting for earlier answers.
public struct LoadGenerator: Sendable {
    public let sender: Sender
    /// The node processes whose CPU and memory each run reports (none: not reported).
    public let watch: ProcessWatch

    public init(sender: Sender, watch: ProcessWatch = ProcessWatch(pids: [])) {
        self.sender = sender
        self.watch = watch
    }

    /// Sends `operations` at `opsPerSecond` and returns the samples and the drop count.
    func run(_ operations: [Operation], opsPerSecond: Double, plan: LoadPlan) async -> (
        samples: [Sample], dropped: Int, cpuSeconds: Double, nodes: ProcessWatch.Figures
    ) {
        let sink = SampleSink(capacity: operations.count)
        let cpuBefore = Self.processCPUSeconds()
        let (dropped, nodes) = await watch.measure {
            await Self.schedule(operations, opsPerSecond: opsPerSecond, plan: plan, sender: sender, sink: sink)
        }
        let cpu = Self.processCPUSeconds() - cpuBefore
        return (sink.samples.withLock { $0 }, dropped, cpu, nodes)
    }

    /// The open loop itself; returns how many operations were dropped at the in-flight bound.
    private static func schedule(
        _ operations: [Operation], opsPerSecond: Double, plan: LoadPlan, sender: Sender,
        sink: SampleSink
    ) async -> Int {
        var dropped = 0
        let clock = ContinuousClock()
        let start = clock.now
        await withDiscardingTaskGroup { group in
            var next = 0
            while next < operations.count {
                let elapsed = (clock.now - start).inSeconds
                let due = min(operations.count, Int(elapsed * opsPerSecond) + 1)
                while next < due {
                    let operation = operations[next]
                    let nodeIndex = next
                    next += 1
                    guard sink.inFlight.load(ordering: .relaxed) < plan.maxInFlight else {
                        dropped += 1
                        continue
                    }
                    sink.inFlight.add(1, ordering: .relaxed)
                    group.addTask {
                        let sent = clock.now
                        let delivery = await sender.sendRetryingBusy(operation, nodeIndex: nodeIndex)
                        let done = clock.now
                        sink.inFlight.subtract(1, ordering: .relaxed)
                        let sample = Sample(
                            kind: operation.kind, sentNs: (sent - start).inNanoseconds,
                            doneNs: (done - start).inNanoseconds, outcome: delivery.outcome,
                            busyRefusals: delivery.busyRefusals)
                        sink.samples.withLock { $0.append(sample) }
                    }
                }
                let wake = start.advanced(by: .seconds(Double(next) / opsPerSecond))
                try? await Task.sleep(until: wake, tolerance: .microseconds(100), clock: clock)
            }
        }
        return dropped
    }

    /// Runs the plan with operations from `workload` and summarises it.
    public func run(plan: LoadPlan, mix: Mix, workload: Workload) async -> LoadReport {
        let opsPerSecond = mix.operationsPerSecond(transactionsPerSecond: plan.rate)
        let count = max(1, Int(opsPerSecond * plan.durationSeconds))
        let operations = workload.operations(count: count, mix: mix)
        let result = await run(operations, opsPerSecond: opsPerSecond, plan: plan)
        return LoadReport(
            plan: plan, mix: mix, operations: operations, samples: result.samples,
            dropped: result.dropped, generatorCPUSeconds: result.cpuSeconds,
            nodes: watch.pids.isEmpty ? nil : result.nodes, nodeCount: watch.pids.count)
    }

    /// User + system CPU seconds this process has used (the generator shares the nodes' cores).
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// Shared by the scheduler and the request tasks.
final class SampleSink: Sendable {
    let samples: Mutex<[Sample]>
    let inFlight = Atomic<Int>(0)

    init(capacity: Int) {
        var initial: [Sample] = []
        initial.reserveCapacity(capacity)
        samples = Mutex(initial)
    }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var inNanoseconds: UInt64 {
        UInt64(max(0, components.seconds)) * 1_000_000_000
            + UInt64(max(0, components.attoseconds / 1_000_000_000))
    }
}
