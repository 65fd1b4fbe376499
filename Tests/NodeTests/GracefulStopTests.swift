import Client
import Foundation
import Testing
@testable import Ledger
@testable import Node

// Setup: a 4-validator cluster of real `govchain-node` processes (LocalCluster slot 23).
// Each round stops one node with SIGTERM while transactions are being submitted to it and an
// event stream on it is open, checks that it exited 0 and logged no error or crash, starts it
// again and waits until it caught up. systemd and Kubernetes record a non-zero exit as a
// failed stop, so every rolling upgrade depends on this (issue 15, item 6).

extension EndToEnd {
@Suite("Graceful stop (real processes)", .serialized)
struct GracefulStopTests {
    static let rounds = 5

    /// What a node's log must never contain after a graceful stop: the old
    /// `Error: CancellationError()`, Hummingbird's cancellation errors, a C++ abort, a Swift
    /// runtime crash report, or an error-level log line.
    static let forbidden = [
        "Error:", "Fatal", "terminate called", "CancellationError", "Waiting on child channel",
        "Server shutdown error", "crashed", "Backtrace", "Segmentation fault", " error ",
    ]

    @Test("SIGTERM under load, event stream open: exit 0, clean log, restart catches up (x5)")
    func repeatedGracefulStops() async throws {
        let cluster = try LocalCluster(slot: 23)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let started = await cluster.eventually(seconds: 20) { (await cluster.height(0) ?? 0) >= 2 }
        #expect(started)
        for round in 0..<Self.rounds {
            let node = round % cluster.count
            let (outcome, counts) = try await Self.stopUnderLoad(cluster, node: node, round: round)
            let seen = counts.values
            print("graceful stop \(round): node \(node): \(outcome); before it, \(seen.committed) "
                + "txs committed through it and \(seen.events) events streamed from it")
            #expect(outcome == .exited(0), "round \(round): node \(node) stopped with \(outcome)")
            #expect(seen.committed > 0 && seen.events > 0, "round \(round): no live load: \(seen)")
            let log = Self.log(cluster, node: node)
            for line in Self.offending(log) {
                Issue.record("round \(round): node \(node) logged: \(line)")
            }
            #expect(log.contains("node stopped"), "round \(round): no 'node stopped' line")
            try cluster.start(node)
            let other = (node + 1) % cluster.count
            let target = await cluster.height(other) ?? 0
            let caughtUp = await cluster.eventually(seconds: 40) {
                (await cluster.height(node) ?? 0) >= target
            }
            #expect(caughtUp, "round \(round): restarted node \(node) did not reach \(target)")
        }
        // And every node once more, as `make stop` or a host shutdown would stop them.
        for node in 0..<cluster.count {
            let outcome = cluster.terminate(node)
            print("final stop: node \(node): \(outcome)")
            #expect(outcome == .exited(0), "final stop: node \(node) stopped with \(outcome)")
            for line in Self.offending(Self.log(cluster, node: node)) {
                Issue.record("final stop: node \(node) logged: \(line)")
            }
        }
    }

    /// What one round saw before the stop: transactions acknowledged committed by the node,
    /// and events its open stream delivered (proof the load and the stream were live).
    final class RoundCounts: @unchecked Sendable {
        private let lock = NSLock()
        private var committedCount = 0
        private var eventCount = 0
        func committed() { lock.withLock { committedCount += 1 } }
        func event() { lock.withLock { eventCount += 1 } }
        var values: (committed: Int, events: Int) { lock.withLock { (committedCount, eventCount) } }
    }

    /// Stops `node` with SIGTERM while two submitters keep transactions in flight on its API
    /// and an event stream on it is open (and has delivered events); returns how the process
    /// ended and what the round saw.
    static func stopUnderLoad(
        _ cluster: LocalCluster, node: Int, round: Int
    ) async throws -> (outcome: LocalCluster.StopOutcome, counts: RoundCounts) {
        let client = try cluster.client("peoples-hospital", nodes: [node])
        let reader = try cluster.readClient(node)
        let counts = RoundCounts()
        let outcome = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Ends with an error (or normally) once the node closes the stream.
                do { for try await _ in reader.events() { counts.event() } } catch {}
            }
            for submitter in 0..<2 {
                group.addTask {
                    var index = 0
                    while !Task.isCancelled {
                        let call = Workload.billIssue(
                            round * 100_000 + submitter * 50_000 + index, run: "stop\(round)")
                        index += 1
                        do {
                            _ = try await client.submit(call, deadline: .seconds(5))
                            counts.committed()
                        } catch {
                            try? await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
            }
            // Stop once the stream has delivered events of the load (at most 20 s, on a
            // loaded machine), while both submitters still have requests in flight.
            _ = await cluster.eventually(seconds: 20) { counts.values.events >= 2 }
            let outcome = cluster.terminate(node)
            group.cancelAll()
            return outcome
        }
        return (outcome, counts)
    }

    /// The node's log since its last start (`LocalCluster.start` begins a fresh file).
    static func log(_ cluster: LocalCluster, node: Int) -> String {
        let path = cluster.dataDirectory(node) + "/node.log"
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    static func offending(_ log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { line in
            forbidden.contains { line.contains($0) }
        }
    }
}
}
