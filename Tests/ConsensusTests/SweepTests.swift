import Simulation
import Testing

// Setup: the seeded simulator with every fault (network, partitions, crash-restart,
// twins, amnesia). Test: no violations with f Byzantine validators; with more than f it
// must find a safety violation (a simulator that cannot fail proves nothing).

@Test("sweep: 1,000 seeds with one Byzantine twin and all faults have zero violations (n=4, f=1)")
func sweepWithOneByzantine() {
    let options = SimulationOptions(nodes: 4, byzantine: 1, faults: .all, faultPhaseMs: 1_500)
    let summary = Simulator.sweep(firstSeed: 1, count: 1_000, options: options) { report in
        Issue.record("""
            seed \(report.seed): \(report.safetyViolation ?? report.livenessFailure ?? "")
            reproduce with: \(Simulator.replayCommand(seed: report.seed, options: options))
            """)
    }
    #expect(summary.seeds == 1_000)
    #expect(summary.safetyViolations == 0)
    #expect(summary.livenessFailures == 0)
    #expect(summary.blocks > 1_000)
}

@Test("sweep: two of four keys run as twins (byzantine 2 > f) break agreement, and the simulator sees it")
func sweepWithTooManyByzantineFindsViolation() {
    let options = SimulationOptions(nodes: 4, byzantine: 2, faults: .all, faultPhaseMs: 1_500)
    var found: UInt64?
    var seed: UInt64 = 1
    while found == nil, seed <= 400 {
        var cluster = Cluster(seed: seed, options: options)
        if cluster.run().safetyViolation != nil { found = seed }
        seed += 1
    }
    #expect(found != nil, "400 seeds with 2 Byzantine validators out of 4 found no safety violation")
}

@Test("sweep: other cluster sizes stay safe and live (n=1, 7)")
func sweepOtherSizes() {
    for (nodes, byzantine) in [(1, 0), (7, 2)] {
        let options = SimulationOptions(nodes: nodes, byzantine: byzantine, faults: .all, faultPhaseMs: 1_500)
        let summary = Simulator.sweep(firstSeed: 1, count: 20, options: options) { report in
            Issue.record("n=\(nodes) seed \(report.seed): \(report.safetyViolation ?? report.livenessFailure ?? "")")
        }
        #expect(summary.safetyViolations == 0 && summary.livenessFailures == 0)
    }
}
