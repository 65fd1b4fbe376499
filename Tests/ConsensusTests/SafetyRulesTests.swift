import Consensus
import Ledger
import Testing

// Setup: one validator's SafetyRules over a fresh or persisted SafetyState.
// Test: it signs only what cannot conflict, re-sends what it signed, and keeps that
// promise across a restart from the persisted (encoded, decoded) state.

private let chainID = "govchain-test"
private let key = SigningKey.deterministic(label: "safety-rules-test")
private let blockA = SHA256.hash(Array("block a".utf8))
private let blockB = SHA256.hash(Array("block b".utf8))

@Test("SafetyRules refuses to sign a conflicting vote and re-sends the same one")
func safetyRulesRefusesConflictingVotes() throws {
    var rules = SafetyRules(chainID: chainID, key: key, state: .initial)
    let first = try rules.signVote(kind: .prevote, height: 1, round: 0, blockID: blockA)
    #expect(first.stateToPersist != nil)

    let again = try rules.signVote(kind: .prevote, height: 1, round: 0, blockID: blockA)
    #expect(again.signature == first.signature)
    #expect(again.stateToPersist == nil, "a re-send changes nothing, so nothing to persist")

    #expect(throws: SafetyError.self) {
        _ = try rules.signVote(kind: .prevote, height: 1, round: 0, blockID: blockB)
    }
    do {
        _ = try rules.signVote(kind: .prevote, height: 1, round: 0, blockID: nil)
        Issue.record("a nil prevote after a block prevote must be refused")
    } catch let .conflicting(previous) {
        #expect(previous.signature == first.signature)
        #expect(previous.body == ConsensusStatement.voteBody(blockID: blockA))
    }
}

@Test("SafetyRules refuses stale rounds and steps already passed")
func safetyRulesRefusesStaleStatements() throws {
    var rules = SafetyRules(chainID: chainID, key: key, state: .initial)
    _ = try rules.signVote(kind: .precommit, height: 2, round: 3, blockID: nil)
    #expect(throws: SafetyError.self) {
        _ = try rules.signVote(kind: .prevote, height: 2, round: 3, blockID: nil)
    }
    #expect(throws: SafetyError.self) {
        _ = try rules.signVote(kind: .precommit, height: 2, round: 2, blockID: nil)
    }
    #expect(throws: SafetyError.self) {
        _ = try rules.signProposal(height: 1, round: 9, blockID: blockA, polRound: nil)
    }
}

@Test("SafetyRules keeps the lock: no prevote for another block without a newer prevote quorum")
func safetyRulesKeepsTheLock() throws {
    var rules = SafetyRules(chainID: chainID, key: key, state: .initial)
    _ = try rules.signVote(kind: .prevote, height: 5, round: 1, blockID: blockA)
    let precommit = try rules.signVote(kind: .precommit, height: 5, round: 1, blockID: blockA)
    #expect(precommit.stateToPersist?.lockedBlockID == blockA)
    #expect(precommit.stateToPersist?.lockedRound == 1)

    #expect(throws: SafetyError.lockViolation(lockedRound: 1, polRound: nil)) {
        _ = try rules.signVote(kind: .prevote, height: 5, round: 2, blockID: blockB)
    }
    // A prevote quorum for B in round 2 (>= the lock round) unlocks it in round 3.
    _ = try rules.signVote(kind: .prevote, height: 5, round: 3, blockID: blockB, polRound: 2)
    // A new height starts without a lock.
    _ = try rules.signVote(kind: .prevote, height: 6, round: 0, blockID: blockB)
}

@Test("a validator restarted from its persisted safety state never equivocates")
func restartedSafetyRulesNeverEquivocate() throws {
    var rules = SafetyRules(chainID: chainID, key: key, state: .initial)
    var persisted = SafetyState.initial
    for statement in [
        try rules.signProposal(height: 7, round: 0, blockID: blockA, polRound: nil),
        try rules.signVote(kind: .prevote, height: 7, round: 0, blockID: blockA),
        try rules.signVote(kind: .precommit, height: 7, round: 0, blockID: blockA),
    ] {
        if let state = statement.stateToPersist { persisted = state }
    }
    // The node stores the canonical bytes; a restart decodes them.
    let restored = try SafetyState(canonicalBytes: persisted.canonicalBytes)
    #expect(restored == persisted)
    var restarted = SafetyRules(chainID: chainID, key: key, state: restored)

    for kind in [StatementKind.prevote, .precommit] {
        #expect(throws: SafetyError.self) {
            _ = try restarted.signVote(kind: kind, height: 7, round: 0, blockID: blockB)
        }
        let resent = try restarted.signVote(kind: kind, height: 7, round: 0, blockID: blockA)
        #expect(resent.stateToPersist == nil)
    }
    #expect(throws: SafetyError.self) {
        _ = try restarted.signProposal(height: 7, round: 0, blockID: blockB, polRound: nil)
    }
    #expect(throws: SafetyError.lockViolation(lockedRound: 0, polRound: nil)) {
        _ = try restarted.signVote(kind: .prevote, height: 7, round: 1, blockID: blockB)
    }
}

@Test("hostile SafetyState bytes are refused, never trusted")
func hostileSafetyStateBytesThrow() {
    let valid = SafetyState(
        height: 3, round: 1, kind: .prevote, lockedRound: nil, lockedBlockID: nil, records: []
    ).canonicalBytes
    for length in 0..<valid.count {
        #expect(throws: CodecError.self) { _ = try SafetyState(canonicalBytes: Array(valid.prefix(length))) }
    }
    var badKind = valid
    badKind[17] = 9
    #expect(throws: CodecError.self) { _ = try SafetyState(canonicalBytes: badKind) }
}

@Test("the lock persists with its block, so a restarted validator can re-propose it")
func lockPersistsWithItsBlock() throws {
    let header = BlockHeader(
        chainID: chainID, height: 3, round: 0, previousHash: .zero, txRoot: Block.transactionRoot([]),
        receiptsRoot: .zero, stateRoot: .zero, proposer: key.publicKey, timeMs: 5,
        nextValidatorsHash: .zero)
    let block = Block(header: header, transactions: [])
    var rules = SafetyRules(chainID: chainID, key: key, state: .initial)
    let signed = try rules.signVote(kind: .precommit, height: 3, round: 0, blockID: block.hash, block: block)
    let persisted = try #require(signed.stateToPersist)
    let restored = try SafetyState(canonicalBytes: persisted.canonicalBytes)
    #expect(restored.lockedBlock == block)
    #expect(restored.lockedBlockID == block.hash)
}

@Test("SafetyRules with a next consensus key signs with the key each set names, and the safety state carries over the switch")
func safetyRulesSwitchesKeysAtASetChange() throws {
    let next = SigningKey.deterministic(label: "safety-rules-test-next")
    func set(_ signer: SigningKey) -> ValidatorSet {
        ValidatorSet([
            Validator(
                name: "other", publicKey: SigningKey.deterministic(label: "other").publicKey, address: "a",
                networkKey: SigningKey.deterministic(label: "other-network").publicKey),
            Validator(
                name: "me", publicKey: signer.publicKey, address: "b",
                networkKey: SigningKey.deterministic(label: "me-network").publicKey),
        ])
    }
    var rules = SafetyRules(chainID: chainID, keys: [key, next], state: .initial)
    #expect(rules.select(in: set(key)) == 1 && rules.publicKey == key.publicKey)
    let old = try rules.signVote(kind: .precommit, height: 4, round: 0, blockID: blockA)
    let statement = ConsensusStatement.signingBytes(
        chainID: chainID, kind: .precommit, height: 4, round: 0, body: ConsensusStatement.voteBody(blockID: blockA))
    #expect(key.publicKey.verifies(old.signature, for: statement))

    // The set of height 5 names the next key: the switch happens there, with no restart.
    #expect(rules.select(in: set(next)) == 1 && rules.publicKey == next.publicKey)
    // What the old key signed still binds: no conflicting statement at (4, 0) under the new key.
    #expect(throws: SafetyError.self) {
        _ = try rules.signVote(kind: .precommit, height: 4, round: 0, blockID: blockB)
    }
    let fresh = try rules.signVote(kind: .prevote, height: 5, round: 0, blockID: blockB)
    let freshStatement = ConsensusStatement.signingBytes(
        chainID: chainID, kind: .prevote, height: 5, round: 0, body: ConsensusStatement.voteBody(blockID: blockB))
    #expect(next.publicKey.verifies(fresh.signature, for: freshStatement))
    #expect(!key.publicKey.verifies(fresh.signature, for: freshStatement))

    // A set naming neither key: not a validator there, and the signing key is unchanged.
    let stranger = SigningKey.deterministic(label: "stranger")
    #expect(rules.select(in: set(stranger)) == nil && rules.publicKey == next.publicKey)
}
