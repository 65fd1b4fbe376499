import Consensus
import Ledger
import Simulation
import Testing

// Setup: a 4-validator cluster (n=4, f=1) over the simulated network, with no random
// faults; each scenario scripts its own. The cluster checks agreement, validity,
// certificates and honest non-equivocation on every delivery.

private func quietCluster(seed: UInt64, byzantine: Int = 0, faults: FaultSet = .none) -> Cluster {
    Cluster(seed: seed, options: SimulationOptions(nodes: 4, byzantine: byzantine, faults: faults))
}

private func heights(_ cluster: Cluster, _ instances: [Int]) -> [UInt64] {
    instances.map { cluster.committedHeight(instance: $0) }
}

@Test("liveness: leader crashes mid-round, the others move on, it catches up (n=4, f=1)")
func leaderCrashesMidRound() {
    var cluster = quietCluster(seed: 11)
    cluster.run(untilMs: 1_000)
    let leader = Int((cluster.maximumHonestHeight + 1) % 4)
    let before = cluster.maximumHonestHeight
    cluster.schedule(.crash(instance: leader), atMs: 1_001)
    cluster.run(untilMs: 4_000)
    let others = (0..<4).filter { $0 != leader }
    #expect(heights(cluster, others).allSatisfy { $0 >= before + 3 }, "the other three keep committing")
    let stalled = cluster.committedHeight(instance: leader)

    cluster.schedule(.restart(instance: leader, amnesia: false), atMs: 4_001)
    cluster.run(untilMs: 8_000)
    #expect(cluster.committedHeight(instance: leader) > stalled, "the restarted leader catches up via decisions")
    #expect(cluster.minimumHonestHeight + 2 >= cluster.maximumHonestHeight)
    #expect(cluster.safetyViolation == nil)
}

@Test("liveness: a 2|2 partition halts commits, and they resume once it heals (n=4, f=1)")
func twoTwoPartitionHaltsThenHeals() {
    var cluster = quietCluster(seed: 22)
    cluster.run(untilMs: 800)
    cluster.schedule(.partition(isolated: [0, 1]), atMs: 801)
    // Let blocks already in flight land, then measure the halt.
    cluster.run(untilMs: 1_200)
    let halted = cluster.maximumHonestHeight
    cluster.run(untilMs: 4_000)
    #expect(cluster.maximumHonestHeight == halted, "no side has a quorum of 3")

    cluster.schedule(.heal, atMs: 4_001)
    cluster.run(untilMs: 12_000)
    #expect(cluster.minimumHonestHeight > halted)
    #expect(cluster.safetyViolation == nil)
}

@Test("twins: an equivocating leader is reported and cannot split the honest replicas")
func equivocatingLeaderWithATwin() {
    var cluster = quietCluster(seed: 33, byzantine: 1, faults: .twins)
    #expect(cluster.instanceCount == 5)
    cluster.run(untilMs: 4_000)
    #expect(cluster.safetyViolation == nil)
    #expect(cluster.minimumHonestHeight >= 5)
    let byzantineKey = cluster.validators[cluster.byzantineValidators[0]].publicKey
    let proposals = cluster.evidenceSamples.filter { $0.kind == .proposal }
    #expect(!proposals.isEmpty, "the twins propose different payloads when they lead")
    for evidence in cluster.evidenceSamples {
        #expect(evidence.validator == byzantineKey)
        #expect(throws: Never.self) { try evidence.verify(validators: cluster.validators) }
    }
}

@Test("twins: a double-voting replica is reported as verifiable vote evidence")
func doubleVotingReplica() {
    var cluster = quietCluster(seed: 44, byzantine: 1, faults: .twins)
    let twin = cluster.instanceCount - 1
    // One face of the Byzantine validator is cut off, so it times out and votes nil
    // while the other face votes for the proposed blocks.
    cluster.schedule(.partition(isolated: [twin]), atMs: 200)
    cluster.schedule(.heal, atMs: 2_000)
    cluster.run(untilMs: 5_000)
    #expect(cluster.safetyViolation == nil)
    let votes = cluster.evidenceSamples.filter { $0.kind != .proposal }
    #expect(!votes.isEmpty)
    #expect(votes.allSatisfy { (try? $0.verify(validators: cluster.validators)) != nil })
}

@Test("recovery: replicas restarted from persisted safety state never equivocate (n=4, f=1)")
func restartFromPersistedSafetyState() {
    var cluster = quietCluster(seed: 55)
    // Crash-restart every honest replica repeatedly, mid-round, at staggered times.
    for cycle in 0..<12 {
        let instance = cycle % 4
        let at = UInt64(150 + cycle * 230)
        cluster.schedule(.crash(instance: instance), atMs: at)
        cluster.schedule(.restart(instance: instance, amnesia: false), atMs: at + 40)
    }
    cluster.run(untilMs: 8_000)
    // An honest equivocation would be reported as evidence and fail the run.
    #expect(cluster.safetyViolation == nil)
    #expect(cluster.evidenceReported == 0)
    #expect(cluster.minimumHonestHeight >= 5)
    for instance in 0..<4 {
        #expect(cluster.persistedSafetyState(instance: instance).height >= cluster.committedHeight(instance: instance))
    }
}

@Test("amnesia: a twin restarted with wiped safety state is caught, honest replicas agree")
func amnesiaTwinIsCaught() {
    var cluster = quietCluster(seed: 66, byzantine: 1, faults: [.twins, .amnesia])
    let twin = cluster.instanceCount - 1
    for cycle in 0..<5 {
        let at = UInt64(300 + cycle * 500)
        cluster.schedule(.crash(instance: twin), atMs: at)
        cluster.schedule(.restart(instance: twin, amnesia: true), atMs: at + 1)
    }
    cluster.run(untilMs: 5_000)
    #expect(cluster.safetyViolation == nil)
    #expect(cluster.minimumHonestHeight >= 5)
}

@Test("network: a storm of duplicated, reordered and corrupted messages changes nothing")
func messageStormOfDuplicates() {
    var cluster = quietCluster(seed: 77)
    cluster.schedule(.network(NetworkConditions(
        dropPerMille: 0, duplicatePerMille: 1_000, corruptPerMille: 50, minDelayMs: 1, maxDelayMs: 150)), atMs: 0)
    cluster.run(untilMs: 5_000)
    #expect(cluster.safetyViolation == nil)
    #expect(cluster.minimumHonestHeight >= 5)
    #expect(cluster.dropCounts.reduce(0) { $0 + $1.count } > 0, "corrupted copies are dropped at verification")
}

@Test("runs are deterministic: one seed replays the same chain")
func seedReplaysExactly() {
    let options = SimulationOptions(nodes: 4, byzantine: 1, faults: .all, faultPhaseMs: 1_500)
    var first = Cluster(seed: 99, options: options)
    var second = Cluster(seed: 99, options: options)
    let reports = (first.run(), second.run())
    #expect(reports.0.blocks == reports.1.blocks)
    #expect(reports.0.simulatedMs == reports.1.simulatedMs)
    #expect(first.chain(instance: 0) == second.chain(instance: 0))
}
