import Consensus
import Contracts
import Ledger
import Simulation
import Testing

// Setup: the simulator over the real executor and contracts, with governance changing the
// validator set mid-run (SimChain's admin threshold is 1: a proposal executes at once). A
// change committed in block h certifies blocks from h + 2 on (docs/consensus.md,
// "Validator-set changes"). The cluster verifies every message and certificate against
// the set of its own height, as the honest replicas' executed state determines it, and
// checks agreement, validity, state and liveness as in every run.

private func governance(_ change: GovernanceChange, id: String) -> Transaction {
    ContractCall.governance(.propose(proposalID: id, change: change)).transaction(
        chainID: SimChain.chainID, signer: SimChain.admin,
        uniqueID: Array(SHA256.hash(Array(id.utf8)).bytes.prefix(Transaction.uniqueIDByteCount)),
        validUntilHeight: 10_000)
}

/// The first height certified by a set of `count` validators, and that set.
private func activation(_ cluster: Cluster, count: Int) -> (height: UInt64, set: ValidatorSet)? {
    let sets = cluster.validatorSets
    guard let first = sets.firstKnown, first <= sets.knownThrough else { return nil }
    for height in first...sets.knownThrough {
        if let set = sets.set(forHeight: height), set.count == count { return (height, set) }
    }
    return nil
}

@Test("membership: a validator added while a twin equivocates votes from its activation height (n=4 to 5)")
func addedValidatorVotesWhileTwinEquivocates() throws {
    for seed in [41, 42, 43] as [UInt64] {
        var options = SimulationOptions(nodes: 4, byzantine: 1, faults: .twins)
        options.spareValidators = 1
        var cluster = Cluster(seed: seed, options: options)
        #expect(cluster.instanceCount == 6, "4 validators, the spare, the twin")
        cluster.run(untilMs: 600)
        let addedAt = cluster.maximumHonestHeight
        cluster.schedule([governance(.addValidator(Cluster.validator(4)), id: "add-v4")], atMs: 601)
        cluster.run(untilMs: 8_000)
        #expect(cluster.safetyViolation == nil, "seed \(seed): \(cluster.safetyViolation ?? "")")
        let (height, set) = try #require(activation(cluster, count: 5), "seed \(seed)")
        #expect(height > addedAt + 2, "a change applies two blocks after the one that commits it")
        let newcomer = try #require(set.index(of: Cluster.validatorKey(4).publicKey))
        let chain = cluster.chain(instance: 4)
        let tip = cluster.committedHeight(instance: 4)
        #expect(tip >= height + 5, "the spare followed, then kept committing as a validator")
        // Before its activation height it never signs; from it on it does.
        let signed = chain.filter { decision in
            decision.certificate.signatures.contains { Int($0.validatorIndex) == newcomer }
        }.map(\.block.height)
        #expect(signed.allSatisfy { $0 >= height }, "seed \(seed)")
        #expect(!signed.isEmpty, "seed \(seed): the added validator's votes count")
        // The block before the activation height names the new set.
        let before = try #require(chain.first { $0.block.height == height - 1 })
        #expect(before.block.header.nextValidatorsHash == set.hash)
        #expect(cluster.minimumHonestHeight >= height + 3, "seed \(seed): everyone stays live")
    }
}

@Test("membership: a removed Byzantine validator that keeps voting with its old index is not counted (n=5 to 4)")
func removedValidatorKeepsVoting() throws {
    for seed in [51, 52] as [UInt64] {
        var options = SimulationOptions(nodes: 5, byzantine: 1, faults: .none)
        options.byzantineKeys = [0]
        options.keepsGenesisSet = [0]
        var cluster = Cluster(seed: seed, options: options)
        cluster.run(untilMs: 600)
        let removed = Cluster.validatorKey(0).publicKey
        cluster.schedule([governance(.removeValidator(removed), id: "remove-v0")], atMs: 601)
        cluster.run(untilMs: 8_000)
        #expect(cluster.safetyViolation == nil, "seed \(seed): \(cluster.safetyViolation ?? "")")
        let (height, set) = try #require(activation(cluster, count: 4), "seed \(seed)")
        #expect(set.index(of: removed) == nil)
        // It goes on signing with index 0, which now names v1: refused at verification.
        let refused = cluster.dropCounts.filter {
            ["invalid_signature", "unknown_validator", "wrong_proposer"].contains($0.reason)
        }.map(\.count).reduce(0, +)
        #expect(refused > 0, "seed \(seed): the removed validator's statements were refused")
        for decision in cluster.chain(instance: 1) where decision.block.height >= height {
            #expect(decision.certificate.signatures.count <= 4)
            try decision.certificate.verify(
                chainID: SimChain.chainID, validators: set, blockID: decision.block.hash,
                height: decision.block.height)
        }
        #expect(cluster.minimumHonestHeight >= height + 5, "seed \(seed): the four stay live")
    }
}
