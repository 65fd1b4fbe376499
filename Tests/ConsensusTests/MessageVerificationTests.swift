import Consensus
import Ledger
import Simulation
import Testing

// Setup: four simulation validators and messages they signed.
// Test: the edge refuses anything malformed, forged, or under-signed, without trapping.

private let chainID = Cluster.chainID
private let keys = (0..<4).map(Cluster.validatorKey)
private let validators = ValidatorSet(keys.enumerated().map { index, key in
    Validator(name: "v\(index)", publicKey: key.publicKey, address: "test:\(index)", networkKey: SigningKey.deterministic(label: "network:" + (key.publicKey).hex).publicKey)
})

private func makeBlock(height: UInt64 = 1, round: UInt64 = 0) -> Block {
    let proposer = keys[Int((height + round) % 4)].publicKey
    let header = BlockHeader(
        chainID: chainID, height: height, round: round, previousHash: .zero,
        txRoot: Block.transactionRoot([]), receiptsRoot: .zero, stateRoot: .zero, proposer: proposer,
        timeMs: 1_000, nextValidatorsHash: .zero)
    return Block(header: header, transactions: [])
}

private func precommit(_ index: Int, block: Block, round: UInt64 = 0) -> ValidatorSignature {
    let bytes = ConsensusStatement.voteSigningBytes(
        chainID: chainID, kind: .precommit, height: block.height, round: round, blockID: block.hash)
    return ValidatorSignature(validatorIndex: UInt16(index), signature: keys[index].sign(bytes))
}

private func signedProposal(_ block: Block, round: UInt64 = 0) -> Proposal {
    let signer = keys[Int((block.height + round) % 4)]
    let bytes = ConsensusStatement.signingBytes(
        chainID: chainID, kind: .proposal, height: block.height, round: round,
        body: Proposal.body(blockID: block.hash, polRound: nil))
    return Proposal(round: round, polRound: nil, block: block, signature: signer.sign(bytes))
}

private func signedVote(_ index: Int, blockID: Hash256?) -> Vote {
    let bytes = ConsensusStatement.voteSigningBytes(
        chainID: chainID, kind: .prevote, height: 1, round: 0, blockID: blockID)
    return Vote(kind: .prevote, height: 1, round: 0, blockID: blockID, validatorIndex: UInt16(index),
                signature: keys[index].sign(bytes))
}

@Test("a certificate with fewer than quorum signatures is rejected")
func underSignedCertificateIsRejected() {
    let block = makeBlock()
    let certificate = CommitCertificate(
        height: 1, round: 0, blockID: block.hash, signatures: [0, 1].map { precommit($0, block: block) })
    #expect(throws: CertificateError.insufficientSigners(valid: 2, quorum: 3)) {
        try certificate.verify(chainID: chainID, validators: validators, blockID: block.hash, height: 1)
    }
    let message = ConsensusMessage.decision(Decision(block: block, certificate: certificate))
    #expect(throws: VerificationError.invalidCertificate(.insufficientSigners(valid: 2, quorum: 3))) {
        _ = try UnverifiedMessage(bytes: message.canonicalBytes).verify(chainID: chainID, validators: validators)
    }
}

@Test("a certificate with a forged signature is rejected")
func forgedCertificateIsRejected() throws {
    let block = makeBlock()
    var signatures = [0, 1, 2].map { precommit($0, block: block) }
    // Validator 3's key signs in validator 2's name.
    signatures[2] = ValidatorSignature(validatorIndex: 2, signature: precommit(3, block: block).signature)
    let forged = CommitCertificate(height: 1, round: 0, blockID: block.hash, signatures: signatures)
    #expect(throws: CertificateError.invalidSignature(index: 2)) {
        try forged.verify(chainID: chainID, validators: validators, blockID: block.hash, height: 1)
    }
    let honest = CommitCertificate(
        height: 1, round: 0, blockID: block.hash, signatures: [0, 1, 2].map { precommit($0, block: block) })
    let verified = try UnverifiedMessage(.decision(Decision(block: block, certificate: honest)))
        .verify(chainID: chainID, validators: validators)
    #expect(verified.signer == nil)
}

@Test("proposals and votes verify, and forged or misattributed ones are dropped")
func forgedMessagesAreDropped() throws {
    let block = makeBlock()
    let proposal = signedProposal(block)
    let verified = try UnverifiedMessage(bytes: ConsensusMessage.proposal(proposal).canonicalBytes)
        .verify(chainID: chainID, validators: validators)
    #expect(verified.signer == 1)
    #expect(verified.message == .proposal(proposal))

    // Signed by the proposer of another round.
    let wrongRound = Proposal(round: 1, polRound: nil, block: block, signature: proposal.signature)
    #expect(throws: VerificationError.invalidSignature) {
        _ = try UnverifiedMessage(.proposal(wrongRound)).verify(chainID: chainID, validators: validators)
    }
    // Transactions swapped under a signed header.
    let tx = Transaction.signed(
        chainID: chainID, signer: keys[0], uniqueID: Array(repeating: 7, count: 16), validUntilHeight: 9,
        contract: "c", method: "m", arguments: [])
    let stuffed = Proposal(
        round: 0, polRound: nil, block: Block(header: block.header, transactions: [tx]), signature: proposal.signature)
    #expect(throws: VerificationError.inconsistentTxRoot) {
        _ = try UnverifiedMessage(.proposal(stuffed)).verify(chainID: chainID, validators: validators)
    }
    var vote = signedVote(2, blockID: block.hash)
    vote.validatorIndex = 3
    #expect(throws: VerificationError.invalidSignature) {
        _ = try UnverifiedMessage(.vote(vote)).verify(chainID: chainID, validators: validators)
    }
    vote.validatorIndex = 40
    #expect(throws: VerificationError.unknownValidator(index: 40)) {
        _ = try UnverifiedMessage(.vote(vote)).verify(chainID: chainID, validators: validators)
    }
}

@Test("decoding truncated or hostile consensus message bytes throws, never traps")
func hostileBytesThrow() {
    let block = makeBlock()
    let certificate = CommitCertificate(
        height: 1, round: 0, blockID: block.hash, signatures: [0, 1, 2].map { precommit($0, block: block) })
    let messages: [ConsensusMessage] = [
        .proposal(signedProposal(block)), .vote(signedVote(0, blockID: nil)),
        .vote(signedVote(1, blockID: block.hash)), .decision(Decision(block: block, certificate: certificate)),
    ]
    for message in messages {
        let bytes = message.canonicalBytes
        #expect((try? UnverifiedMessage(bytes: bytes))?.message == message)
        for length in 0..<bytes.count {
            #expect(throws: VerificationError.self) { _ = try UnverifiedMessage(bytes: Array(bytes.prefix(length))) }
        }
        #expect(throws: VerificationError.self) { _ = try UnverifiedMessage(bytes: bytes + [0]) }
    }
    // Unknown tags and kinds, and a length prefix claiming 4 GiB.
    for hostile: [UInt8] in [[1, 9], [1, 2, 0], [1, 2, 7], [1, 1] + Array(repeating: 0, count: 17) + [0xFF, 0xFF, 0xFF, 0xFF]] {
        #expect(throws: VerificationError.self) { _ = try UnverifiedMessage(bytes: hostile) }
    }
    // Seeded random garbage and random single-byte corruptions: throw or decode, never trap.
    var random = SeededGenerator(seed: 42)
    for _ in 0..<2_000 {
        let garbage = (0..<Int.random(in: 0..<300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        _ = try? UnverifiedMessage(bytes: [1] + garbage)
        var corrupted = messages[Int.random(in: 0..<messages.count, using: &random)].canonicalBytes
        corrupted[Int.random(in: 0..<corrupted.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
        if let decoded = try? UnverifiedMessage(bytes: corrupted) {
            _ = try? decoded.verify(chainID: chainID, validators: validators)
        }
    }
    #expect(throws: VerificationError.oversized(byteCount: ConsensusMessage.maxEncodedBytes + 1)) {
        _ = try UnverifiedMessage(bytes: Array(repeating: 0, count: ConsensusMessage.maxEncodedBytes + 1))
    }
}
