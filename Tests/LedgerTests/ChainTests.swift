import Testing
@testable import Ledger

@Suite("Commit certificates and evidence")
struct ChainTests {
    let keys = (0..<4).map { SigningKey.deterministic(label: "validator-\($0)") }
    var validators: ValidatorSet {
        ValidatorSet(keys.enumerated().map { Validator(name: "v\($0.offset)", publicKey: $0.element.publicKey, address: "x", networkKey: SigningKey.deterministic(label: "network:" + ($0.element.publicKey).hex).publicKey) })
    }

    func certificate(signers: [Int], blockID: Hash256, height: UInt64 = 5, round: UInt64 = 0) -> CommitCertificate {
        let message = ConsensusStatement.voteSigningBytes(
            chainID: "test", kind: .precommit, height: height, round: round, blockID: blockID)
        return CommitCertificate(height: height, round: round, blockID: blockID, signatures: signers.map {
            ValidatorSignature(validatorIndex: UInt16($0), signature: keys[$0].sign(message))
        })
    }

    @Test("a quorum of 3 of 4 precommits proves finality")
    func quorumVerifies() throws {
        let id = SHA256.hash(Array("block".utf8))
        try certificate(signers: [0, 2, 3], blockID: id).verify(chainID: "test", validators: validators, blockID: id, height: 5)
    }

    @Test("2 of 4, a duplicate signer, a forged signature or another block are refused")
    func refusals() {
        let id = SHA256.hash(Array("block".utf8))
        #expect(throws: CertificateError.insufficientSigners(valid: 2, quorum: 3)) {
            try certificate(signers: [0, 1], blockID: id).verify(chainID: "test", validators: validators, blockID: id, height: 5)
        }
        var duplicate = certificate(signers: [0, 1, 2], blockID: id)
        duplicate.signatures[2] = duplicate.signatures[1]
        #expect(throws: CertificateError.duplicateSigner(index: 1)) {
            try duplicate.verify(chainID: "test", validators: validators, blockID: id, height: 5)
        }
        var forged = certificate(signers: [0, 1, 2], blockID: id)
        forged.signatures[1].signature = keys[1].sign([0])
        #expect(throws: CertificateError.invalidSignature(index: 1)) {
            try forged.verify(chainID: "test", validators: validators, blockID: id, height: 5)
        }
        #expect(throws: CertificateError.self) {
            try certificate(signers: [0, 1, 2], blockID: id).verify(
                chainID: "other-chain", validators: validators, blockID: id, height: 5)
        }
        let other = SHA256.hash(Array("other".utf8))
        #expect(throws: CertificateError.wrongBlock(expected: other, certified: id)) {
            try certificate(signers: [0, 1, 2], blockID: id).verify(chainID: "test", validators: validators, blockID: other, height: 5)
        }
    }

    @Test("quorum is n - f for every n from 1 to 31, and two quorums share an honest validator")
    func quorumSizes() {
        for n in 1...31 {
            let set = ValidatorSet((0..<n).map { _ in
                let key = SigningKey.generate()
                return Validator(name: "v", publicKey: key.publicKey, address: "x", networkKey: SigningKey.deterministic(label: "network:" + (key.publicKey).hex).publicKey)
            })
            #expect(2 * set.quorum - n >= set.maxFaulty + 1)
            #expect(set.quorum <= n - set.maxFaulty)
        }
    }

    @Test("equivocation evidence verifies, in either order, and refuses identical statements")
    func evidence() throws {
        let body1 = ConsensusStatement.voteBody(blockID: SHA256.hash([1]))
        let body2 = ConsensusStatement.voteBody(blockID: nil)
        func sign(_ body: [UInt8]) -> Signature {
            keys[2].sign(ConsensusStatement.signingBytes(chainID: "test", kind: .prevote, height: 3, round: 1, body: body))
        }
        let evidence = EquivocationEvidence(
            chainID: "test", validator: keys[2].publicKey, kind: .prevote, height: 3, round: 1,
            bodyA: body1, signatureA: sign(body1), bodyB: body2, signatureB: sign(body2))
        let swapped = EquivocationEvidence(
            chainID: "test", validator: keys[2].publicKey, kind: .prevote, height: 3, round: 1,
            bodyA: body2, signatureA: sign(body2), bodyB: body1, signatureB: sign(body1))
        #expect(evidence == swapped)
        try evidence.verify(validators: validators)
        let same = EquivocationEvidence(
            chainID: "test", validator: keys[2].publicKey, kind: .prevote, height: 3, round: 1,
            bodyA: body1, signatureA: sign(body1), bodyB: body1, signatureB: sign(body1))
        #expect(throws: EvidenceError.identicalStatements) { try same.verify(validators: validators) }
    }
}

@Suite("A validator's keys have one use each")
struct ValidatorKeySeparationTests {
    static func genesis(_ validators: [Validator], organisationKey: PublicKey) -> Genesis {
        Genesis(
            chainID: "keys", genesisTimeMs: 1, validators: validators,
            organisations: [
                Organisation(
                    id: "bureau", name: "Bureau", creditCode: "11360000MB00000011",
                    keys: [OrganisationKey(publicKey: organisationKey, roles: [.admin])]),
            ],
            adminThreshold: 1, consensus: ConsensusParameters())
    }

    static func key(_ label: String) -> PublicKey { SigningKey.deterministic(label: label).publicKey }

    @Test("genesis refuses a network key that is a consensus key, a key two validators share, and a validator key that is an organisation key")
    func genesisRefusesSharedKeys() throws {
        let v0 = Validator(name: "v0", publicKey: Self.key("c0"), address: "a", networkKey: Self.key("n0"))
        let v1 = Validator(name: "v1", publicKey: Self.key("c1"), address: "b", networkKey: Self.key("n1"))
        try Self.genesis([v0, v1], organisationKey: Self.key("org")).validate()
        var selfShared = v1
        selfShared.networkKey = v1.publicKey
        #expect(throws: CodecError.self) { try Self.genesis([v0, selfShared], organisationKey: Self.key("org")).validate() }
        var crossShared = v1
        crossShared.networkKey = v0.publicKey
        #expect(throws: CodecError.self) { try Self.genesis([v0, crossShared], organisationKey: Self.key("org")).validate() }
        #expect(throws: CodecError.self) { try Self.genesis([v0, v1], organisationKey: v0.publicKey).validate() }
        #expect(throws: CodecError.self) { try Self.genesis([v0, v1], organisationKey: v1.networkKey).validate() }
        #expect(ValidatorSet.checked([v0, crossShared]) == nil)
        #expect(ValidatorSet.checked([v0, v1]) != nil)
    }

    @Test("the set hash commits to the network keys")
    func setHashCoversNetworkKeys() {
        let v0 = Validator(name: "v0", publicKey: Self.key("c0"), address: "a", networkKey: Self.key("n0"))
        var rotated = v0
        rotated.networkKey = Self.key("n0-next")
        #expect(ValidatorSet([v0]).hash != ValidatorSet([rotated]).hash)
    }
}
