import Consensus
import Ledger
import Simulation
import Testing

// Setup: one production Replica (validator 0 of n = 4) at height 1, round 0, fed verified
// messages directly, as a node's driver would. Validator 2 is faulty: it leads rounds
// 1, 5, 9, ... of height 1 and signs whatever it likes.
// Test: what it can make the replica store and check is bounded; honest progress is not.

private let chainID = Cluster.chainID
private let keys = (0..<4).map(Cluster.validatorKey)
private let validators = ValidatorSet(keys.enumerated().map { index, key in
    Validator(name: "v\(index)", publicKey: key.publicKey, address: "test:\(index)", networkKey: SigningKey.deterministic(label: "network:" + (key.publicKey).hex).publicKey)
})
private let genesis = Cluster.genesisTip()
private let nowMs = Cluster.genesisTimeMs + 100
// The simulator's timeouts with the default block limits (5,000 transactions, 8 MiB).
private let floodParameters = ConsensusParameters(timeoutProposeMs: 300, timeoutVoteMs: 150, timeoutMaxMs: 2_400)

private func freshReplica(index: Int = 0) -> (Replica, [Replica.Action]) {
    let configuration = ReplicaConfiguration(
        chainID: chainID, validators: validators, parameters: floodParameters, index: index)
    let safety = SafetyRules(chainID: chainID, key: keys[index], state: .initial)
    var replica = Replica(configuration: configuration, safetyRules: safety, tip: genesis)
    let actions = replica.handle(.start(nowMs: nowMs))
    return (replica, actions)
}

/// `count` transactions whose arguments share one buffer (cheap to build, full size to
/// the replica's byte accounting).
private func transactions(_ count: Int, argumentBytes: Int) -> [Transaction] {
    let arguments = [UInt8](repeating: 7, count: argumentBytes)
    let sender = keys[3].publicKey
    let signature = try! Signature(bytes: [UInt8](repeating: 0, count: 64))
    return (0..<count).map { position in
        Transaction(
            chainID: chainID, sender: sender, uniqueID: Array(SHA256.hash([UInt8(position & 0xff),
            UInt8(position >> 8)]).bytes.prefix(16)), validUntilHeight: 100, contract: "c",
            method: "m", arguments: arguments, signature: signature)
    }
}

private func proposal(
    height: UInt64 = 1, round: UInt64, variant: UInt64 = 0, transactions: [Transaction]
) -> VerifiedMessage {
    let proposer = Int((height + round) % 4)
    let header = BlockHeader(
        chainID: chainID, height: height, round: round, previousHash: genesis.blockHash,
        txRoot: Block.transactionRoot(transactions), receiptsRoot: genesis.blockHash,
        stateRoot: genesis.blockHash, proposer: keys[proposer].publicKey,
        timeMs: genesis.timeMs + 1 + variant, nextValidatorsHash: validators.hash)
    let block = Block(header: header, transactions: transactions)
    let body = Proposal.body(blockID: block.hash, polRound: nil)
    let signature = keys[proposer].sign(ConsensusStatement.signingBytes(
        chainID: chainID, kind: .proposal, height: height, round: round, body: body))
    let message = ConsensusMessage.proposal(
        Proposal(round: round, polRound: nil, block: block, signature: signature))
    return try! UnverifiedMessage(message).verify(chainID: chainID, validators: validators)
}

private func prevote(_ validator: Int, height: UInt64 = 1, round: UInt64) -> VerifiedMessage {
    let signature = keys[validator].sign(ConsensusStatement.voteSigningBytes(
        chainID: chainID, kind: .prevote, height: height, round: round, blockID: nil))
    let vote = Vote(
        kind: .prevote, height: height, round: round, blockID: nil,
        validatorIndex: UInt16(validator), signature: signature)
    return try! UnverifiedMessage(.vote(vote)).verify(chainID: chainID, validators: validators)
}

private func validations(_ actions: [Replica.Action]) -> Int {
    actions.filter { if case .validateBlock = $0 { true } else { false } }.count
}

@Test("attack: a proposer floods proposals for 1,000 future rounds; memory stays under the byte budget and no validation runs for them")
func floodOfFutureRoundProposals() {
    var (replica, _) = freshReplica()
    var validationCount = 0
    // Inside the kept window (rounds 1 and 5): four near-full-size blocks per round.
    let big = transactions(240, argumentBytes: 62 * 1024)
    for round: UInt64 in [1, 5] {
        for variant: UInt64 in 0..<4 {
            let message = proposal(round: round, variant: variant, transactions: big)
            validationCount += validations(replica.handle(.message(message, nowMs: nowMs)))
        }
    }
    // Then one small block for each of its next 1,000 rounds.
    let small = transactions(1, argumentBytes: 1_024)
    for turn: UInt64 in 0..<1_000 {
        let message = proposal(round: 1 + 4 * turn, variant: 9, transactions: small)
        validationCount += validations(replica.handle(.message(message, nowMs: nowMs)))
    }
    #expect(replica.round == 0, "one validator's rounds move nobody")
    #expect(validationCount == 0, "no block of a round that has not started is validated")
    #expect(replica.bufferedProposalBytes <= Replica.maxProposalBytesPerHeight)
    #expect(replica.keptRoundCount <= Int(ReplicaConfiguration.maxRoundLead) + 1)

    // Lazily: once round 1 starts (f + 1 = 2 validators are there), its kept proposals,
    // and only those, are validated.
    var actions = replica.handle(.message(prevote(1, round: 1), nowMs: nowMs))
    actions += replica.handle(.message(prevote(3, round: 1), nowMs: nowMs))
    #expect(replica.round == 1)
    #expect((1...Replica.maxProposalsPerRound).contains(validations(actions)))
}

@Test("attack: one validator floods 512 full-size next-height proposals; the buffer stays within its share and the next proposer's still fits")
func floodOfNextHeightProposals() {
    var (replica, _) = freshReplica()
    let big = transactions(240, argumentBytes: 62 * 1024)
    // Validator 3 leads height 2 in rounds 1, 5, ...; the same message 512 times, and
    // proposals for far rounds of height 2.
    let flood = proposal(height: 2, round: 1, transactions: big)
    for _ in 0..<512 { _ = replica.handle(.message(flood, nowMs: nowMs)) }
    for round: UInt64 in stride(from: 13, to: 4_000, by: 4) {
        _ = replica.handle(.message(prevote(3, height: 2, round: round), nowMs: nowMs))
    }
    #expect(replica.bufferedFutureBytes <= Replica.maxFutureMessageBytesPerValidator)
    let before = replica.bufferedFutureBytes
    // Validator 2 leads height 2, round 0: its proposal is still buffered.
    let honest = proposal(height: 2, round: 0, transactions: big)
    _ = replica.handle(.message(honest, nowMs: nowMs))
    #expect(replica.bufferedFutureBytes > before)
    #expect(replica.bufferedFutureBytes <= Replica.maxFutureMessageBytes)
}

@Test("bounds: a replica 40 rounds behind still follows f + 1 validators (rounds it does not keep)")
func laggardCatchesUpPastTheRoundWindow() {
    var (replica, _) = freshReplica()
    _ = replica.handle(.message(prevote(1, round: 40), nowMs: nowMs))
    #expect(replica.round == 0, "one validator, possibly faulty, moves nobody")
    _ = replica.handle(.message(prevote(2, round: 41), nowMs: nowMs))
    #expect(replica.round == 40, "two validators at or past round 40 include an honest one")
}

@Test("attack: votes for round 2^64 - 1 from one validator neither trap nor move the replica")
func votesForTheLastRound() {
    var (replica, _) = freshReplica()
    _ = replica.handle(.message(prevote(2, round: .max), nowMs: nowMs))
    _ = replica.handle(.message(prevote(2, height: 2, round: .max), nowMs: nowMs))
    #expect(replica.round == 0)
    #expect(replica.keptRoundCount <= 1)
}
