import Contracts
import Ledger
import Testing

// Setup: three admin keys, threshold 2.
@Suite("Governance")
struct GovernanceTests {
    let newKey = SigningKey.deterministic(label: "new-department-key")

    @Test("a change below the admin threshold is not applied")
    func belowThreshold() throws {
        var chain = TestChain()
        let change = GovernanceChange.registerOrganisation(
            id: "health", name: "Health Commission",
            creditCode: TestChain.creditCode("11360000MB0000099"))
        let receipt = chain.submit(
            .governance(.propose(proposalID: "p1", change: change)), by: TestChain.admins[0])
        #expect(receipt.status == .ok)
        #expect(receipt.events.map(\.type) == ["proposed", "approved"])
        #expect(try chain.queries.organisation("health") == nil)
        #expect(try chain.queries.proposal("p1")?.executed == false)
    }

    @Test("the approval that reaches the threshold executes the change")
    func reachThreshold() throws {
        var chain = TestChain()
        let change = GovernanceChange.addKey(
            organisationID: "civil", publicKey: newKey.publicKey, roles: [.licenceUser],
            licenceTypes: [])
        chain.submit(
            .governance(.propose(proposalID: "p1", change: change)), by: TestChain.admins[0])
        let receipt = chain.submit(.governance(.approve(proposalID: "p1")), by: TestChain.admins[2])
        #expect(receipt.status == .ok)
        #expect(receipt.events.last?.type == "executed")
        #expect(try chain.queries.key(newKey.publicKey)?.organisationID == "civil")
        #expect(try chain.queries.organisation("civil")?.keys.contains(newKey.publicKey) == true)
        let again = chain.submit(.governance(.approve(proposalID: "p1")), by: TestChain.admins[1])
        #expect(again.status == .invalidTransition)
    }

    @Test("one admin key approving twice counts once")
    func oneApprovalPerKey() throws {
        var chain = TestChain()
        let change = GovernanceChange.revokeRole(
            publicKey: TestChain.civil.publicKey, role: .licenceUser)
        chain.submit(
            .governance(.propose(proposalID: "p1", change: change)), by: TestChain.admins[0])
        let receipt = chain.submit(.governance(.approve(proposalID: "p1")), by: TestChain.admins[0])
        #expect(receipt.status == .alreadyApproved)
        #expect(try chain.queries.key(TestChain.civil.publicKey)?.roles == [.licenceUser])
    }

    @Test("a key without the admin role cannot propose")
    func nonAdmin() throws {
        var chain = TestChain()
        let change = GovernanceChange.grantRole(
            publicKey: TestChain.civil.publicKey, role: .admin, licenceTypes: [])
        let receipt = chain.submit(
            .governance(.propose(proposalID: "p1", change: change)), by: TestChain.civil)
        #expect(receipt.status == .missingRole)
    }

    @Test("a change that would leave fewer admins than the threshold is refused")
    func keepEnoughAdmins() throws {
        var chain = TestChain()
        chain.submit(
            .governance(
                .propose(proposalID: "p1", change: .removeKey(TestChain.admins[0].publicKey))),
            by: TestChain.admins[0])
        #expect(
            chain.submit(.governance(.approve(proposalID: "p1")), by: TestChain.admins[1]).status
                == .ok)
        let second = chain.submit(
            .governance(
                .propose(proposalID: "p2", change: .removeKey(TestChain.admins[1].publicKey))),
            by: TestChain.admins[1])
        #expect(second.status == .invalidTransition)
        #expect(try chain.queries.key(TestChain.admins[0].publicKey) == nil)
    }

    @Test("a rotated key keeps its roles and the old key loses them")
    func rotateKey() throws {
        var chain = TestChain()
        let change = GovernanceChange.rotateKey(
            old: TestChain.police.publicKey, new: newKey.publicKey)
        chain.submit(
            .governance(.propose(proposalID: "rot", change: change)), by: TestChain.admins[0])
        chain.submit(.governance(.approve(proposalID: "rot")), by: TestChain.admins[1])
        #expect(try chain.queries.key(newKey.publicKey)?.licenceTypes == [TestChain.residenceType])
        let issue = Licences.issue(Licences.residence("R1"), holder: People.holder(0))
        #expect(chain.submit(issue, by: TestChain.police).status == .unknownSender)
        #expect(chain.submit(issue, by: newKey).status == .ok)
    }

    @Test("registering an organisation with a bad credit code is refused at proposal")
    func badCreditCode() throws {
        var chain = TestChain()
        let change = GovernanceChange.registerOrganisation(
            id: "x", name: "X", creditCode: "113600000000000000")
        let receipt = chain.submit(
            .governance(.propose(proposalID: "p1", change: change)), by: TestChain.admins[0])
        #expect(receipt.status == .invalidIdentifier)
        #expect(try chain.queries.proposal("p1") == nil)
    }
}

@Suite("Evidence")
struct EvidenceTests {
    func evidence(signer: SigningKey, height: UInt64 = 5, tamper: Bool = false) -> EquivocationEvidence {
        let bodies = [Hash256.zero, SHA256.hash([1])].map {
            ConsensusStatement.voteBody(blockID: $0)
        }
        let signatures = bodies.map {
            signer.sign(
                ConsensusStatement.signingBytes(
                    chainID: TestChain.chainID, kind: .precommit, height: height, round: 0, body: $0))
        }
        return EquivocationEvidence(
            chainID: TestChain.chainID, validator: signer.publicKey, kind: .precommit, height: height,
            round: tamper ? 1 : 0, bodyA: bodies[0], signatureA: signatures[0], bodyB: bodies[1],
            signatureB: signatures[1])
    }

    @Test("verified equivocation evidence is recorded once and can be listed")
    func record() throws {
        var chain = TestChain()
        let proof = evidence(signer: TestChain.validators[1])
        #expect(chain.submit(.evidence(.record(proof)), by: TestChain.auditor).status == .ok)
        #expect(try chain.queries.evidence.map(\.evidence) == [proof])
        #expect(
            chain.submit(.evidence(.record(proof)), by: TestChain.civil).status == .alreadyExists)
    }

    @Test("evidence with a bad signature or against a non-validator is refused")
    func refuse() throws {
        var chain = TestChain()
        let forged = evidence(signer: TestChain.validators[0], tamper: true)
        #expect(
            chain.submit(.evidence(.record(forged)), by: TestChain.auditor).status
                == .invalidEvidence)
        let outsider = evidence(signer: TestChain.police)
        #expect(
            chain.submit(.evidence(.record(outsider)), by: TestChain.auditor).status
                == .invalidEvidence)
        #expect(try chain.queries.evidence.isEmpty)
    }
}

extension EvidenceTests {
    @Test("evidence is judged by the set of its own height: a removed validator's stops counting, an added one's starts")
    func evidenceFollowsSetChanges() throws {
        var chain = TestChain()
        let removed = TestChain.validators[0]
        let newcomerKey = SigningKey.deterministic(label: "validator-4")
        let newcomer = Validator(name: "v4", publicKey: newcomerKey.publicKey, address: "127.0.0.1:7004", networkKey: SigningKey.deterministic(label: "network:" + (newcomerKey.publicKey).hex).publicKey)
        chain.block([])  // block 1
        chain.block(TestChain.governance(.addValidator(newcomer), id: "e-add"))  // block 2: counts from 4
        chain.block(TestChain.governance(.removeValidator(removed.publicKey), id: "e-rm"))  // block 3: from 5
        func status(_ proof: EquivocationEvidence) -> StatusCode? {
            chain.submit(.evidence(.record(proof)), by: TestChain.auditor).status
        }
        #expect(status(evidence(signer: newcomerKey, height: 3)) == .invalidEvidence, "not yet a validator at 3")
        #expect(status(evidence(signer: newcomerKey, height: 4)) == .ok)
        #expect(status(evidence(signer: removed, height: 4)) == .ok, "still a validator at 4")
        #expect(status(evidence(signer: removed, height: 5)) == .invalidEvidence, "removed from 5 on")
        #expect(status(evidence(signer: removed, height: 1_000)) == .invalidEvidence, "the latest set judges the future")
        #expect(status(evidence(signer: newcomerKey, height: 1_000)) == .ok)
        #expect(status(evidence(signer: TestChain.validators[1], height: 0)) == .invalidEvidence)
    }
}

@Suite("Validator set changes")
struct ValidatorChangeTests {
    @Test("admins add and remove validators with k-of-n approvals")
    func addAndRemove() throws {
        var chain = TestChain()
        let newcomer = Validator(
            name: "v4", publicKey: SigningKey.deterministic(label: "validator-4").publicKey,
            address: "127.0.0.1:7004", networkKey: SigningKey.deterministic(label: "network:" + "v4").publicKey)
        chain.submit(
            .governance(.propose(proposalID: "v-add", change: .addValidator(newcomer))),
            by: TestChain.admins[0])
        #expect(try chain.queries.chainParameters?.validators.count == 4)
        chain.submit(.governance(.approve(proposalID: "v-add")), by: TestChain.admins[1])
        #expect(try chain.queries.chainParameters?.validators.last == newcomer)
        let removal = GovernanceChange.removeValidator(TestChain.validators[0].publicKey)
        chain.submit(
            .governance(.propose(proposalID: "v-", change: removal)), by: TestChain.admins[2])
        let approval = chain.submit(
            .governance(.approve(proposalID: "v-")), by: TestChain.admins[0])
        #expect(approval.status == .ok)
        #expect(
            try chain.queries.chainParameters?.validators.map(\.name) == ["v1", "v2", "v3", "v4"])
        let again = chain.submit(
            .governance(.propose(proposalID: "v--", change: removal)), by: TestChain.admins[2])
        #expect(again.status == .notFound)
    }

    @Test("rotateValidatorKeys replaces a validator's keys in place; keys that would serve twice are refused")
    func rotateValidatorKeys() throws {
        var chain = TestChain()
        let before = try #require(try chain.queries.chainParameters?.validators)
        let newConsensus = SigningKey.deterministic(label: "rotated-consensus").publicKey
        let newNetwork = SigningKey.deterministic(label: "rotated-network").publicKey
        func propose(_ id: String, _ change: GovernanceChange) -> StatusCode? {
            chain.submit(.governance(.propose(proposalID: id, change: change)), by: TestChain.admins[0]).status
        }
        // Refused: not a validator's consensus key; no key changed; another validator's
        // consensus or network key; one key for both uses; an organisation key.
        #expect(propose("r-1", .rotateValidatorKeys(
            validator: newConsensus, consensusKey: newConsensus, networkKey: newNetwork)) == .notFound)
        #expect(propose("r-2", .rotateValidatorKeys(
            validator: before[1].publicKey, consensusKey: before[1].publicKey, networkKey: before[1].networkKey))
            == .invalidTransition)
        #expect(propose("r-3", .rotateValidatorKeys(
            validator: before[1].publicKey, consensusKey: before[2].publicKey, networkKey: before[1].networkKey))
            == .alreadyExists)
        #expect(propose("r-4", .rotateValidatorKeys(
            validator: before[1].publicKey, consensusKey: before[2].networkKey, networkKey: before[1].networkKey))
            == .alreadyExists)
        #expect(propose("r-5", .rotateValidatorKeys(
            validator: before[1].publicKey, consensusKey: newConsensus, networkKey: newConsensus)) == .alreadyExists)
        #expect(propose("r-swap", .rotateValidatorKeys(
            validator: before[1].publicKey, consensusKey: before[1].networkKey, networkKey: before[1].publicKey))
            == .alreadyExists)
        #expect(propose("r-6", .rotateValidatorKeys(
            validator: before[1].publicKey, consensusKey: TestChain.admins[2].publicKey,
            networkKey: before[1].networkKey)) == .alreadyExists)
        #expect(try chain.queries.chainParameters?.validators == before, "a refused change changes nothing")

        chain.block(TestChain.governance(
            .rotateValidatorKeys(validator: before[1].publicKey, consensusKey: newConsensus, networkKey: newNetwork),
            id: "r-ok"))
        var expected = before
        expected[1].publicKey = newConsensus
        expected[1].networkKey = newNetwork
        let after = try #require(try chain.queries.chainParameters?.validators)
        #expect(after == expected, "same name, address and index; both keys new")
        #expect(ValidatorSchedule.validators(certifying: chain.height + 1, tip: chain.height, in: chain.state) == before)
        #expect(ValidatorSchedule.validators(certifying: chain.height + 2, tip: chain.height, in: chain.state) == after)
        // The old keys are free, the new ones taken: an organisation cannot register a
        // validator key, nor a follower use one.
        #expect(propose("k-1", .addKey(
            organisationID: "bureau", publicKey: newNetwork, roles: [.auditor], licenceTypes: [])) == .alreadyExists)
        #expect(propose("f-1", .addFollower(Follower(name: "replica", publicKey: newConsensus))) == .alreadyExists)
        let sharing = Validator(
            name: "v9", publicKey: SigningKey.deterministic(label: "v9").publicKey, address: "127.0.0.1:7009",
            networkKey: newNetwork)
        #expect(propose("a-1", .addValidator(sharing)) == .alreadyExists)
    }

    @Test("the set of height H is the record as it stood after block H - 2 (ValidatorSchedule)")
    func scheduleActivatesTwoBlocksLater() throws {
        var chain = TestChain()
        let genesisSet = TestChain.genesis.validators
        chain.block([])  // block 1
        let newcomer = Validator(
            name: "v4", publicKey: SigningKey.deterministic(label: "validator-4").publicKey,
            address: "127.0.0.1:7004", networkKey: SigningKey.deterministic(label: "network:" + "v4").publicKey)
        chain.block(TestChain.governance(.addValidator(newcomer), id: "v-add"))  // block 2
        #expect(chain.height == 2)
        func set(_ height: UInt64) -> [Validator]? {
            ValidatorSchedule.validators(certifying: height, tip: chain.height, in: chain.state)
        }
        #expect(set(1) == genesisSet)
        #expect(set(3) == genesisSet, "block 3 is certified by the set after block 1")
        #expect(set(4) == genesisSet + [newcomer], "the change of block 2 certifies block 4")
        #expect(set(5) == nil, "not determined before block 3 executes")
        #expect(set(0) == nil)
        #expect(set(.max) == nil)
        chain.block(TestChain.governance(.removeValidator(genesisSet[0].publicKey), id: "v-rm"))
        #expect(set(4) == genesisSet + [newcomer], "history keeps the earlier versions")
        #expect(set(5) == Array(genesisSet.dropFirst()) + [newcomer])
    }

    @Test("the list of sets clients follow: genesis from 1, each block's net change from block + 2, no-op changes left out")
    func changesListEachSetOnce() throws {
        var chain = TestChain()
        let genesisSet = TestChain.genesis.validators
        let newcomer = Validator(
            name: "v4", publicKey: SigningKey.deterministic(label: "validator-4").publicKey,
            address: "127.0.0.1:7004", networkKey: SigningKey.deterministic(label: "network:" + "v4").publicKey)
        chain.block(TestChain.governance(.addValidator(newcomer), id: "v-add"))  // block 1
        chain.block([])  // block 2
        // Added and removed again in one block: the set the block leaves is the one before.
        let other = Validator(
            name: "v5", publicKey: SigningKey.deterministic(label: "validator-5").publicKey,
            address: "127.0.0.1:7005", networkKey: SigningKey.deterministic(label: "network:" + "v5").publicKey)
        chain.block(
            TestChain.governance(.addValidator(other), id: "v-add5")
                + TestChain.governance(.removeValidator(other.publicKey), id: "v-rm5"))  // block 3
        chain.block(TestChain.governance(.removeValidator(genesisSet[0].publicKey), id: "v-rm"))  // block 4
        let changes = try #require(ValidatorSchedule.changes(in: chain.state))
        #expect(changes.map(\.fromHeight) == [1, 3, 6])
        #expect(changes.map(\.validators) == [
            genesisSet, genesisSet + [newcomer], Array(genesisSet.dropFirst()) + [newcomer],
        ])
        // Each entry agrees with the per-height schedule.
        for change in changes {
            #expect(ValidatorSchedule.validators(certifying: change.fromHeight, tip: chain.height, in: chain.state)
                    == change.validators)
        }
    }
}

@Suite("Follower admission")
struct FollowerAdmissionTests {
    @Test("admins admit and withdraw followers; a validator, a repeat or an unknown key is refused")
    func admitAndWithdraw() throws {
        var chain = TestChain()
        let replica = Follower(name: "health-replica", publicKey: SigningKey.deterministic(label: "follower-1").publicKey)
        #expect(chain.govern(.addFollower(replica), id: "f-add").status == .ok)
        #expect(try chain.queries.followers == [replica])
        #expect(chain.govern(.addFollower(replica), id: "f-again").status == .alreadyExists)
        let validator = Follower(name: "v", publicKey: TestChain.validators[0].publicKey)
        #expect(chain.govern(.addFollower(validator), id: "f-validator").status == .alreadyExists)
        let other = Follower(name: "market-replica", publicKey: SigningKey.deterministic(label: "follower-0").publicKey)
        #expect(chain.govern(.addFollower(other), id: "f-other").status == .ok)
        #expect(try chain.queries.followers.map(\.publicKey) == [replica.publicKey, other.publicKey].sorted())
        #expect(chain.govern(.removeFollower(replica.publicKey), id: "f-rm").status == .ok)
        #expect(try chain.queries.followers == [other])
        #expect(chain.govern(.removeFollower(replica.publicKey), id: "f-rm-again").status == .notFound)
    }

    @Test("the follower list is bounded where it is written")
    func bounded() {
        var chain = TestChain()
        for index in 0..<RecordLimits.followers {
            let follower = Follower(name: "f\(index)", publicKey: SigningKey.deterministic(label: "follower-\(index)").publicKey)
            #expect(chain.govern(.addFollower(follower), id: "f\(index)").status == .ok)
        }
        let extra = Follower(name: "extra", publicKey: SigningKey.deterministic(label: "follower-extra").publicKey)
        #expect(chain.govern(.addFollower(extra), id: "f-extra").status == .limitReached)
    }
}
