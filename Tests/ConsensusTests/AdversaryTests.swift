import Consensus
import Execution
import Simulation
import Testing

// Setup: the seeded simulator over the REAL executor and contracts, with one Byzantine
// validator running the attacks of issue 17 (Simulation/Adversary.swift) on top of every
// random fault. Test: no invariant breaks (agreement, validity of every committed tx,
// state equal to the reference execution, bounded consensus memory, bounded catch-up
// replies, liveness after healing); and with each finding put back on purpose (a
// `NodeMutation`), the same adversary reports it: a simulator that cannot fail proves nothing.

private func sweep(
    seeds: ClosedRange<UInt64>, adversaries: Set<Adversary>, mutations: Set<NodeMutation> = [],
    faults: FaultSet = .all
) -> [SimulationReport] {
    let options = SimulationOptions(
        nodes: 4, byzantine: 1, faults: faults, faultPhaseMs: 1_500, adversaries: adversaries,
        nodeMutations: mutations)
    return seeds.map { seed in
        var cluster = Cluster(seed: seed, options: options)
        return cluster.run()
    }
}

private func expectClean(_ reports: [SimulationReport], _ name: String) {
    for report in reports where report.safetyViolation != nil || report.livenessFailure != nil {
        Issue.record(
            """
            \(name): seed \(report.seed): \(report.safetyViolation ?? report.livenessFailure ?? "")
            reproduce with: govchain-node simulate --seeds 1 --seed \(report.seed) --adversary all
            """)
    }
}

@Test(
    "adversary: every attack at once against the real executor, 24 seeds: zero violations, real traffic"
)
func everyAttackAtOnce() {
    let reports = sweep(seeds: 1...24, adversaries: Set(Adversary.allCases))
    expectClean(reports, "all attacks")
    #expect(
        reports.map(\.transactions).reduce(0, +) > 600, "the workload must commit real transactions"
    )
    #expect(reports.allSatisfy { $0.largestReplicaBytes <= Cluster.replicaByteBudget })
    #expect(
        reports.map(\.billsClaimed).reduce(0, +) > 50,
        "the racing claims must reach the contracts (I8)")
}

@Test(
    "attack: a proposer replaces a gossiped transaction's signature; no honest replica commits it (finding 3)"
)
func forgedSignatureIsRefused() {
    expectClean(
        sweep(seeds: 1...15, adversaries: [.forgedSignature], faults: .none), "forged signature")
}

@Test(
    "attack: a proposer includes a validly signed call from an unregistered key; it is never committed (finding 5)"
)
func unpermittedSenderIsRefused() {
    expectClean(
        sweep(seeds: 1...15, adversaries: [.unpermittedSender], faults: .none), "unpermitted sender"
    )
}

@Test(
    "attack: a proposer stamps its blocks 9.95 s in the future; the next heights do not stall (finding 5)"
)
func futureTimestampsDoNotStall() {
    let options = SimulationOptions(
        nodes: 4, byzantine: 1, faults: .none, faultPhaseMs: 1_000, adversaries: [.futureTimestamp])
    var cluster = Cluster(seed: 7, options: options)
    cluster.run(untilMs: 20_000)
    #expect(cluster.safetyViolation == nil)
    // One height in four has the skewed proposer: a 10 s stall after each would allow a
    // handful of heights in 20 s; without stalls there are hundreds.
    #expect(
        cluster.minimumHonestHeight > 100, "honest height \(cluster.minimumHonestHeight) after 20 s"
    )
}

@Test(
    "attack: replayed old votes of many heights buy at most one catch-up batch per peer per timeout (finding 6)"
)
func replayedVotesAreNotAmplified() {
    expectClean(
        sweep(seeds: 1...15, adversaries: [.replayedVotes], faults: .none), "replayed votes")
}

@Test(
    "attack: sync requests from UInt64.max and for UInt32.max blocks are answered within the chain (finding 2)"
)
func extremeSyncRequestsStayInRange() {
    expectClean(sweep(seeds: 1...10, adversaries: [.extremeSync]), "extreme sync")
    #expect(BlockSyncPlan.heights(fromHeight: .max, count: .max, tip: 10, maxBatch: 64) == nil)
    #expect(BlockSyncPlan.heights(fromHeight: 9, count: .max, tip: 10, maxBatch: 64) == 9...10)
    #expect(BlockSyncPlan.heights(fromHeight: 1, count: 3, tip: .max, maxBatch: 64) == 1...3)
    #expect(
        BlockSyncPlan.heights(fromHeight: .max, count: 64, tip: .max, maxBatch: 64) == UInt64
            .max...UInt64.max)
    #expect(BlockSyncPlan.heights(fromHeight: 0, count: 5, tip: 10, maxBatch: 64) == nil)
}

@Test(
    "attack: one replica's disk corrupts its execution; it halts at the next height instead of serving a forked state (finding 8)"
)
func divergentReplicaHalts() {
    let reports = sweep(
        seeds: 1...5, adversaries: [], mutations: [.divergentReplica], faults: .none)
    expectClean(reports, "divergent replica")
    #expect(
        reports.allSatisfy { !$0.halts.isEmpty },
        "the corrupted replica must halt on the root mismatch")
    #expect(reports.allSatisfy { $0.halts.allSatisfy { $0.contains("state divergence") } })
}

// MARK: - The simulator still bites: each finding put back is reported

@Test(
    "mutation: with the sync arithmetic unchecked (finding 2), the extreme-sync adversary reports the overflow"
)
func mutationUncheckedSyncIsFound() {
    let reports = sweep(
        seeds: 1...3, adversaries: [.extremeSync], mutations: [.uncheckedSyncArithmetic])
    #expect(
        reports.allSatisfy { $0.safetyViolation?.contains("overflows the reply range") == true })
}

@Test(
    "mutation: with the signature cache keyed by id only (finding 3), a forged signature gets committed and is reported"
)
func mutationSignatureCacheByIDIsFound() {
    let reports = sweep(
        seeds: 1...5, adversaries: [.forgedSignature], mutations: [.signatureCacheByIDOnly],
        faults: .none)
    let found = reports.filter { $0.safetyViolation?.contains("invalid signature") == true }
    #expect(
        found.count >= 3,
        "found in \(found.count) of 5 seeds: \(reports.map { $0.safetyViolation ?? "-" })")
}

@Test(
    "mutation: without the commit-time root check (finding 8), the diverged replica carries on and I4 reports it"
)
func mutationSkippedRootCheckIsFound() {
    let reports = sweep(
        seeds: 1...3, adversaries: [], mutations: [.divergentReplica, .skipCommitRootCheck],
        faults: .none)
    #expect(
        reports.allSatisfy { $0.safetyViolation?.contains("I4 state") == true },
        "\(reports.map { $0.safetyViolation ?? "-" })")
}
