internal import Foundation
internal import Synchronization

/// CPU and memory of the node processes under load, read from /proc while the generator runs
/// (`--watch-pid`): the cost per committed transaction is the nodes' CPU, not the
/// generator's, which shares the same cores and reports its own CPU apart.
public struct ProcessWatch: Sendable {
    public let pids: [Int32]

    public init(pids: [Int32]) { self.pids = pids }

    /// User + system CPU seconds of every watched process so far (fields 14 and 15 of
    /// /proc/PID/stat, in clock ticks); a process that has gone counts 0.
    func cpuSeconds() -> Double {
        let ticks = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return pids.reduce(0) { total, pid in total + Double(Self.cpuTicks(pid) ?? 0) / ticks }
    }

    /// The largest VmRSS of any watched process now, in MiB.
    func maxRSSMiB() -> Int {
        pids.map { Self.statusField("VmRSS", pid: $0) ?? 0 }.max().map { $0 / 1024 } ?? 0
    }

    static func cpuTicks(_ pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After the command name (which may hold spaces and parentheses) come field 3 on;
        // utime and stime are fields 14 and 15, so the 12th and 13th after the name.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12])
        else { return nil }
        return user &+ system
    }

    /// A "Name:   value kB" line of /proc/PID/status, in kB.
    static func statusField(_ name: String, pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
            return nil
        }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
                .flatMap { Int($0) }
        }
        return nil
    }

    /// What the watch saw over one run.
    public struct Figures: Sendable {
        public var cpuSeconds: Double
        public var maxRSSMiB: Int
    }

    /// Runs `body` while sampling RSS every `intervalMs`; CPU is the difference across it.
    func measure<T: Sendable>(intervalMs: Int = 250, _ body: () async -> T) async -> (T, Figures) {
        let before = cpuSeconds()
        let peak = Peak(maxRSSMiB())
        let watch = self
        let sampler = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(intervalMs))
                peak.raise(to: watch.maxRSSMiB())
            }
        }
        let result = await body()
        sampler.cancel()
        _ = await sampler.value
        peak.raise(to: maxRSSMiB())
        return (result, Figures(cpuSeconds: cpuSeconds() - before, maxRSSMiB: peak.value))
    }
}

/// The largest value seen, shared between the sampler task and the run.
final class Peak: Sendable {
    private let stored: Atomic<Int>

    init(_ initial: Int) { stored = Atomic(initial) }

    var value: Int { stored.load(ordering: .relaxed) }

    func raise(to candidate: Int) {
        var current = stored.load(ordering: .relaxed)
        while candidate > current {
            let (exchanged, original) = stored.compareExchange(
                expected: current, desired: candidate, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
}
