import Contracts
import Ledger
import Testing

// Setup: the test chain (three admin keys, threshold 2). Each test replays one attack of
// issue 17 that trapped every validator, or miscounted, on the code before it; the name
// says the attack, the body what must hold now.
@Suite("Attacks: one key must not stop the chain or bend its rules")
struct AttackTests {
    let number = Bills.medical(1)
    var billID: String { number.billID }

    func reversal(_ amountFen: UInt64, red: Int, categories: CategoryAmounts? = nil)
        -> ContractCall
    {
        .bill(
            .reverse(
                BillReversal(
                    billID: billID, redNumber: Bills.medical(red), amountFen: amountFen,
                    categories: categories)))
    }

    /// Proposes `change` with admin 0 and approves it with admin 1 (threshold 2).
    func govern(_ change: GovernanceChange, id: String, in chain: inout TestChain) -> Receipt {
        let proposed = chain.submit(
            .governance(.propose(proposalID: id, change: change)), by: TestChain.admins[0])
        guard proposed.status == .ok else { return proposed }
        return chain.submit(.governance(.approve(proposalID: id)), by: TestChain.admins[1])
    }

    // MARK: - Finding 1: lists that grow without bound

    @Test("attack: 257 partial 1-fen reversals of one bill do not trap any reader")
    func redBillFlood() throws {
        var chain = TestChain()
        chain.submit(Bills.issue(number, totalFen: 1_000), by: TestChain.hospital)
        let limit = RecordLimits.redBillsPerBill
        for first in stride(from: 0, to: limit, by: 64) {
            let calls = (first..<min(first + 64, limit)).map {
                (reversal(1, red: 1_000 + $0), TestChain.hospital)
            }
            let result = chain.block(calls)
            #expect(result.receipts.allSatisfy { $0.isSuccess })
        }
        let refused = chain.submit(reversal(1, red: 9_999), by: TestChain.hospital)
        #expect(refused.status == .limitReached)
        // Every reader of the bill still works: queries, a claim, another reversal attempt.
        #expect(try chain.queries.bill(billID)?.redBillIDs.count == limit)
        #expect(try chain.queries.billWallet(ofPayer: People.payer(0)).count == limit + 1)
        #expect(chain.submit(Bills.claim("c1", billID, 100), by: TestChain.insurers[0]).isSuccess)
        #expect(try chain.queries.amountLeft(ofBill: billID) == 1_000 - UInt64(limit) - 100)
    }

    @Test("attack: licence types granted to one key past 256 are refused; the key still signs")
    func licenceTypeFlood() throws {
        var chain = TestChain()
        let police = TestChain.police.publicKey
        let types = (0..<255).map { "T\($0)" }
        let grant = GovernanceChange.grantRole(
            publicKey: police, role: .licenceIssuer, licenceTypes: types)
        #expect(govern(grant, id: "p1", in: &chain).status == .ok)
        #expect(try chain.queries.key(police)?.licenceTypes.count == 256)
        let more = GovernanceChange.grantRole(
            publicKey: police, role: .licenceIssuer, licenceTypes: ["T999"])
        #expect(govern(more, id: "p2", in: &chain).status == .limitReached)
        // The key's record still decodes, so the key can still make calls.
        let licence = Licences.residence("A1")
        let issue = Licences.issue(licence, holder: People.holder(0))
        #expect(chain.submit(issue, by: TestChain.police).isSuccess)
    }

    @Test("attack: an organisation at 4096 keys refuses the next key and stays readable")
    func organisationKeyFlood() throws {
        var chain = TestChain()
        // Building 4096 keys by governance would take 8192 transactions; the state they would
        // leave is written directly instead: "civil" one key short of the bound.
        let fillers = (1..<RecordLimits.keysPerOrganisation - 1).map {
            SigningKey.deterministic(label: "filler-\($0)").publicKey
        }
        let keys = [TestChain.civil.publicKey] + fillers
        let civil = try #require(try chain.queries.organisation("civil"))
        let full = OrganisationRecord(
            id: civil.id, name: civil.name, creditCode: civil.creditCode, keys: keys)
        chain.state.apply([StateWrite(key: StateKey("org/civil"), value: full.canonicalBytes)])
        let add = { (label: String) in
            GovernanceChange.addKey(
                organisationID: "civil",
                publicKey: SigningKey.deterministic(label: label).publicKey,
                roles: [.licenceUser], licenceTypes: [])
        }
        #expect(govern(add("last"), id: "p1", in: &chain).status == .ok)
        #expect(govern(add("one-too-many"), id: "p2", in: &chain).status == .limitReached)
        #expect(try chain.queries.organisation("civil")?.keys.count == keys.count + 1)
        #expect(try chain.queries.organisations.count == 9)
    }

    @Test("attack: a stored record that does not decode fails the call with 500, never traps")
    func undecodableRecords() throws {
        var chain = TestChain()
        chain.submit(Bills.issue(number, totalFen: 1_000), by: TestChain.hospital)
        chain.state.apply([StateWrite(key: StateKey("bill/\(billID)"), value: [0xFF, 0x00])])
        let claim = chain.submit(Bills.claim("c1", billID, 100), by: TestChain.insurers[0])
        #expect(claim.status == .storedRecordCorrupt)
        #expect(claim.message.contains("bill/\(billID)"))
        let reverse = chain.submit(reversal(1, red: 2), by: TestChain.hospital)
        #expect(reverse.status == .storedRecordCorrupt)
        #expect(throws: StoredRecordError.self) { try chain.queries.bill(billID) }
        #expect(throws: StoredRecordError.self) {
            try chain.queries.billWallet(ofPayer: People.payer(0))
        }
        // A caller's own key record: every call it signs is refused, in the mempool too.
        let keyKey = StateKey("key/\(TestChain.hospital.publicKey.hex)")
        chain.state.apply([StateWrite(key: keyKey, value: [1, 2, 3])])
        let issue = Bills.issue(Bills.medical(2), totalFen: 1)
        #expect(chain.submit(issue, by: TestChain.hospital).status == .storedRecordCorrupt)
        let tx = chain.transaction(issue, by: TestChain.hospital)
        guard case let .failure(error) = BlockExecutor.checkTx(tx, over: chain.state) else {
            Issue.record("checkTx admitted a call over a corrupt key record")
            return
        }
        #expect(error.code == .storedRecordCorrupt)
    }

    @Test("attack: a bill record whose amounts break its invariants is refused as corrupt")
    func inconsistentBillAmounts() throws {
        var chain = TestChain()
        chain.submit(Bills.issue(number, totalFen: 1_000), by: TestChain.hospital)
        var bill = try #require(try chain.queries.bill(billID))
        bill.reversedFen = 2_000  // above the total: `totalFen - reversedFen` used to wrap
        chain.state.apply([StateWrite(key: StateKey("bill/\(billID)"), value: bill.canonicalBytes)])
        let claim = chain.submit(Bills.claim("c1", billID, 1), by: TestChain.insurers[0])
        #expect(claim.status == .storedRecordCorrupt)
        #expect(throws: StoredRecordError.self) { try chain.queries.amountLeft(ofBill: billID) }
    }

    @Test("attack: releasing a claim its bill does not hold (or whose bill is gone) never traps")
    func claimBillDisagreement() throws {
        var chain = TestChain()
        chain.submit(Bills.issue(number, totalFen: 1_000), by: TestChain.hospital)
        chain.submit(Bills.claim("c1", billID, 500), by: TestChain.insurers[0])
        var bill = try #require(try chain.queries.bill(billID))
        bill.lockedFen = 0  // the claim's 500 fen no longer in the bill's totals
        chain.state.apply([StateWrite(key: StateKey("bill/\(billID)"), value: bill.canonicalBytes)])
        let release = ContractCall.reimbursement(.release(claimIDs: ["c1"]))
        #expect(chain.submit(release, by: TestChain.insurers[0]).status == .storedRecordCorrupt)
        chain.state.apply([StateWrite(key: StateKey("bill/\(billID)"), value: nil)])
        #expect(chain.submit(release, by: TestChain.insurers[0]).status == .storedRecordCorrupt)
    }

    @Test("attack: recorded chain parameters with no validators refuse evidence, never trap")
    func emptyValidatorSet() throws {
        var chain = TestChain()
        let parameters = ChainParameters(
            chainID: TestChain.chainID, adminThreshold: 2, validators: [])
        chain.state.apply([
            StateWrite(key: StateKey("gov/parameters"), value: parameters.canonicalBytes)
        ])
        let bodies = [Hash256.zero, SHA256.hash([1])].map {
            ConsensusStatement.voteBody(blockID: $0)
        }
        let signer = TestChain.validators[0]
        let signatures = bodies.map {
            signer.sign(
                ConsensusStatement.signingBytes(
                    chainID: TestChain.chainID, kind: .precommit, height: 5, round: 0, body: $0))
        }
        let proof = EquivocationEvidence(
            chainID: TestChain.chainID, validator: signer.publicKey, kind: .precommit, height: 5,
            round: 0, bodyA: bodies[0], signatureA: signatures[0], bodyB: bodies[1],
            signatureB: signatures[1])
        let receipt = chain.submit(.evidence(.record(proof)), by: TestChain.auditor)
        #expect(receipt.status == .storedRecordCorrupt)
        #expect(throws: StoredRecordError.self) { try chain.queries.chainParameters }
    }

    // MARK: - Finding 10: approvals re-checked when counted

    @Test("attack: after a key rotation the new key cannot add a second approval for one admin")
    func rotatedKeyApprovesTwice() throws {
        var chain = TestChain()
        let rotated = SigningKey.deterministic(label: "admin-0-rotated")
        let register = GovernanceChange.registerOrganisation(
            id: "health", name: "Health", creditCode: TestChain.creditCode("11360000MB0000099"))
        chain.submit(
            .governance(.propose(proposalID: "target", change: register)), by: TestChain.admins[0])
        // Admins 1 and 2 rotate admin 0's key (a routine change).
        let rotate = GovernanceChange.rotateKey(
            old: TestChain.admins[0].publicKey, new: rotated.publicKey)
        chain.submit(
            .governance(.propose(proposalID: "rotate", change: rotate)), by: TestChain.admins[1])
        #expect(
            chain.submit(.governance(.approve(proposalID: "rotate")), by: TestChain.admins[2])
                .isSuccess)
        // The same admin, under its new key, approves the proposal its old key approved.
        let again = chain.submit(.governance(.approve(proposalID: "target")), by: rotated)
        #expect(again.status == .ok)
        #expect(again.events.last?["approvals"] == "1")
        #expect(try chain.queries.organisation("health") == nil)
        #expect(try chain.queries.proposal("target")?.approvals == [rotated.publicKey])
        // A second, different admin completes it.
        let second = chain.submit(.governance(.approve(proposalID: "target")), by: .admins[1])
        #expect(second.events.last?.type == "executed")
        #expect(try chain.queries.organisation("health") != nil)
    }

    @Test("attack: approvals of a removed or demoted admin no longer count toward the threshold")
    func removedAdminApprovalCounts() throws {
        var chain = TestChain()
        let register = GovernanceChange.registerOrganisation(
            id: "health", name: "Health", creditCode: TestChain.creditCode("11360000MB0000099"))
        chain.submit(
            .governance(.propose(proposalID: "target", change: register)), by: TestChain.admins[0])
        // Admin 0 loses the admin role (threshold 2, two admins remain).
        let demote = GovernanceChange.revokeRole(
            publicKey: TestChain.admins[0].publicKey, role: .admin)
        chain.submit(
            .governance(.propose(proposalID: "demote", change: demote)), by: TestChain.admins[1])
        #expect(
            chain.submit(.governance(.approve(proposalID: "demote")), by: TestChain.admins[2])
                .isSuccess)
        let one = chain.submit(.governance(.approve(proposalID: "target")), by: .admins[1])
        #expect(one.status == .ok && one.events.last?.type == "approved")
        #expect(try chain.queries.organisation("health") == nil)
        let two = chain.submit(.governance(.approve(proposalID: "target")), by: .admins[2])
        #expect(two.events.last?.type == "executed")
        #expect(try chain.queries.organisation("health") != nil)
    }

    // MARK: - Finding 11: per-category over-settlement

    @Test("attack: claim 60 of pooled 60, reverse 40 of pooled, settle: refused and alerted")
    func perCategoryOverSettlement() throws {
        var chain = TestChain()
        let split = CategoryAmounts(pooledFund: 60, selfPaid: 40)
        chain.submit(
            Bills.issue(number, totalFen: 100, categories: split), by: TestChain.hospital)
        let claim = Bills.claim("c1", billID, 60, category: .pooledFund)
        #expect(chain.submit(claim, by: TestChain.insurers[0]).isSuccess)
        let reverse = reversal(40, red: 2, categories: CategoryAmounts(pooledFund: 40))
        let reversed = chain.submit(reverse, by: TestChain.hospital)
        #expect(reversed.events.map(\.type) == ["reversed", "alert"])
        #expect(reversed.events.last?["overCommittedCategories"] == "pooled-fund 60/20")
        #expect(try chain.queries.alerts(ofBill: billID).count == 1)
        let settle = ContractCall.reimbursement(.settle(claimIDs: ["c1"]))
        #expect(chain.submit(settle, by: TestChain.insurers[0]).status == .categoryExceedsRemaining)
        #expect(try chain.queries.bill(billID)?.settledFen == 0)
        // Release, claim what the category is still worth, and settle that.
        let release = ContractCall.reimbursement(.release(claimIDs: ["c1"]))
        #expect(chain.submit(release, by: TestChain.insurers[0]).isSuccess)
        let fair = Bills.claim("c2", billID, 20, category: .pooledFund)
        #expect(chain.submit(fair, by: TestChain.insurers[0]).isSuccess)
        let settleFair = ContractCall.reimbursement(.settle(claimIDs: ["c2"]))
        #expect(chain.submit(settleFair, by: TestChain.insurers[0]).isSuccess)
        #expect(try chain.queries.bill(billID)?.settledCategories.pooledFund == 20)
    }
}

extension SigningKey {
    fileprivate static var admins: [SigningKey] { TestChain.admins }
}
