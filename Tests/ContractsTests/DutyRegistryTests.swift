import Contracts
import Ledger
import Testing

// Setup: holder 0 holds a residence licence issued by the police. Governance registers
// service items (权责事项); civil affairs and tax use the licence for them.
@Suite("Duty registry: statutory-duty and grant-based uses name covered service items")
struct DutyRegistryTests {
    let licence = Licences.residence("D0001")

    /// Civil affairs may check residence licences for item HR-01 of purpose "housing".
    let housingItem = DutyItem(
        itemCode: "HR-01", name: "housing subsidy review", purpose: "housing",
        organisations: ["civil"], licenceTypes: [TestChain.residenceType])

    func chain() -> TestChain {
        var chain = TestChain()
        chain.submit(Licences.issue(licence, holder: People.holder(0)), by: TestChain.police)
        #expect(chain.govern(.registerDutyItem(housingItem), id: "duty-1").status == .ok)
        return chain
    }

    func use(_ id: String, item: String, purpose: String = "housing", grant: String? = nil)
        -> ContractCall
    {
        .licenceUse(
            .use(
                useID: id, licenceID: licence, purpose: purpose, itemCode: item,
                basis: grant.map { .grant(grantID: $0) } ?? .statutoryDuty))
    }

    @Test("a registered item covering the organisation and licence type allows a duty use")
    func dutyUse() throws {
        var chain = chain()
        #expect(try chain.queries.dutyItem("HR-01") == housingItem)
        #expect(try chain.queries.dutyItems.map(\.itemCode) == ["HR-01"])
        #expect(chain.submit(use("u1", item: "HR-01"), by: TestChain.civil).status == .ok)
        #expect(try chain.queries.uses(ofLicence: licence).first?.itemCode == "HR-01")
    }

    @Test("a duty use naming an unregistered item, another organisation's or type's, is 309")
    func dutyRefusals() throws {
        var chain = chain()
        let unknown = chain.submit(use("u1", item: "HR-99"), by: TestChain.civil)
        #expect(unknown.status == .noDutyBasis)
        #expect(unknown.message.contains("not registered"))
        // Tax is a licence user too, but HR-01 is not its duty.
        let other = chain.submit(use("u2", item: "HR-01"), by: TestChain.tax)
        #expect(other.status == .noDutyBasis)
        // HR-02 lists civil, but only business licences.
        let business = DutyItem(
            itemCode: "HR-02", name: "x", purpose: "housing", organisations: ["civil"],
            licenceTypes: [TestChain.businessType])
        chain.govern(.registerDutyItem(business), id: "duty-2")
        #expect(chain.submit(use("u3", item: "HR-02"), by: TestChain.civil).status == .noDutyBasis)
        #expect(try chain.queries.uses(ofLicence: licence).isEmpty)
    }

    @Test("removing an item ends the duty uses it allowed")
    func removal() throws {
        var chain = chain()
        #expect(chain.govern(.removeDutyItem(itemCode: "HR-01"), id: "duty-rm").status == .ok)
        #expect(chain.submit(use("u1", item: "HR-01"), by: TestChain.civil).status == .noDutyBasis)
        #expect(
            chain.govern(.removeDutyItem(itemCode: "HR-01"), id: "duty-rm2").status == .notFound)
    }

    @Test("registration needs k-of-n admins, known organisations and well-formed codes")
    func registration() throws {
        var chain = TestChain()
        // One admin's proposal alone does not register it.
        let proposal = GovernanceCall.propose(
            proposalID: "p1", change: .registerDutyItem(housingItem))
        #expect(chain.submit(.governance(proposal), by: TestChain.admins[0]).status == .ok)
        #expect(try chain.queries.dutyItem("HR-01") == nil)
        #expect(
            chain.submit(.governance(proposal), by: TestChain.civil).status == .missingRole)
        let ghost = DutyItem(
            itemCode: "HR-03", name: "x", purpose: "housing", organisations: ["nobody"])
        #expect(chain.govern(.registerDutyItem(ghost), id: "p2").status == .notFound)
        let slash = DutyItem(
            itemCode: "HR/03", name: "x", purpose: "housing", organisations: ["civil"])
        #expect(chain.govern(.registerDutyItem(slash), id: "p3").status == .invalidIdentifier)
        let empty = DutyItem(itemCode: "HR-04", name: "x", purpose: "housing", organisations: [])
        #expect(chain.govern(.registerDutyItem(empty), id: "p4").status == .invalidArgument)
        #expect(chain.submit(.governance(.approve(proposalID: "p1")), by: TestChain.admins[1])
            .status == .ok)
        #expect(try chain.queries.dutyItem("HR-01") == housingItem)
    }

    @Test("a grant-based use must name an item the grant's purpose covers")
    func grantCoversItem() throws {
        var chain = chain()
        let terms = GrantTerms(
            grantID: "g1", holder: People.holder(0), granteeOrganisation: "tax",
            scope: GrantScope(licenceIDs: [licence]), purpose: "housing",
            consent: Consent(mode: .remote, channel: "app"), validFromMs: 0,
            validUntilMs: TestChain.genesisTimeMs + TestChain.dayMs)
        chain.submit(
            .authorisation(.grant(terms, .identityProvider)), by: TestChain.identityProvider)
        // HR-01 belongs to purpose "housing": covered, even though tax has no duty for it.
        #expect(
            chain.submit(use("u1", item: "HR-01", grant: "g1"), by: TestChain.tax).status == .ok)
        // The purpose itself is covered.
        #expect(
            chain.submit(use("u2", item: "housing", grant: "g1"), by: TestChain.tax).status == .ok)
        // An item of another purpose, or an unregistered one, is not.
        let tax = DutyItem(
            itemCode: "TX-01", name: "x", purpose: "tax-refund", organisations: ["tax"],
            licenceTypes: [TestChain.residenceType])
        chain.govern(.registerDutyItem(tax), id: "duty-tax")
        let other = chain.submit(use("u3", item: "TX-01", grant: "g1"), by: TestChain.tax)
        #expect(other.status == .noLiveGrant)
        #expect(other.message.contains("does not cover item TX-01"))
        #expect(
            chain.submit(use("u4", item: "ANY-1", grant: "g1"), by: TestChain.tax).status
                == .noLiveGrant)
        #expect(try chain.queries.uses(ofLicence: licence).map(\.useID) == ["u1", "u2"])
    }
}
