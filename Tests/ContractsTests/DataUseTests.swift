import Contracts
import Ledger
import Testing

// Setup: holder 0 grants the tax bureau their address data for purpose "tax-refund";
// civil affairs reads social insurance records as a statutory duty of item SI-DATA.
@Suite("Data uses recorded against grants or duties, with the licence-use checks")
struct DataUseTests {
    func chain() -> TestChain {
        var chain = TestChain()
        let terms = GrantTerms(
            grantID: "g1", holder: People.holder(0), granteeOrganisation: "tax",
            scope: GrantScope(dataCategories: ["address"]), purpose: "tax-refund",
            consent: Consent(mode: .remote, channel: "gft-app"), validFromMs: 0,
            validUntilMs: TestChain.genesisTimeMs + TestChain.dayMs)
        chain.submit(.authorisation(.grant(terms, .identityProvider)), by: TestChain.identityProvider)
        let item = DutyItem(
            itemCode: "SI-DATA", name: "benefit review", purpose: "benefits",
            organisations: ["civil"], dataCategories: ["social-insurance"])
        chain.govern(.registerDutyItem(item), id: "duty")
        return chain
    }

    func use(
        _ id: String, category: String = "address", purpose: String = "tax-refund",
        item: String = "tax-refund", holder: Int = 0, grant: String? = "g1"
    ) -> ContractCall {
        .licenceUse(
            .useData(
                DataUse(
                    useID: id, holder: People.holder(holder), dataCategory: category,
                    purpose: purpose, itemCode: item,
                    basis: grant.map { .grant(grantID: $0) } ?? .statutoryDuty)))
    }

    @Test("a data use under a covering grant is recorded against it; a retry records nothing")
    func grantedUse() throws {
        var chain = chain()
        #expect(chain.submit(use("d1"), by: TestChain.tax).status == .ok)
        #expect(chain.submit(use("d1"), by: TestChain.tax).events.map(\.type) == ["replayed"])
        let uses = try chain.queries.dataUses(ofHolder: People.holder(0))
        #expect(uses.map(\.use.useID) == ["d1"])
        #expect(uses.first?.userOrganisation == "tax" && uses.first?.use.basis == .grant(grantID: "g1"))
        #expect(chain.submit(use("d1", category: "phone"), by: TestChain.tax).status == .alreadyExists)
    }

    @Test("another category, purpose, holder, grantee or a revoked grant is refused with 304")
    func grantRefusals() throws {
        var chain = chain()
        #expect(chain.submit(use("d1", category: "phone"), by: TestChain.tax).status == .noLiveGrant)
        #expect(
            chain.submit(use("d2", purpose: "other", item: "other"), by: TestChain.tax).status
                == .noLiveGrant)
        #expect(chain.submit(use("d3", holder: 1), by: TestChain.tax).status == .noLiveGrant)
        #expect(chain.submit(use("d4"), by: TestChain.civil).status == .noLiveGrant)
        // The item must be one the grant's purpose covers (item 1).
        #expect(chain.submit(use("d5", item: "SI-DATA"), by: TestChain.tax).status == .noLiveGrant)
        chain.submit(
            .authorisation(.revoke(grantID: "g1", .identityProvider)),
            by: TestChain.identityProvider)
        #expect(chain.submit(use("d6"), by: TestChain.tax).status == .noLiveGrant)
        #expect(try chain.queries.dataUses(ofHolder: People.holder(0)).isEmpty)
    }

    @Test("a statutory-duty data use needs an item listing the organisation and the category")
    func dutyUse() throws {
        var chain = chain()
        let duty = use(
            "d1", category: "social-insurance", purpose: "benefits", item: "SI-DATA", grant: nil)
        #expect(chain.submit(duty, by: TestChain.civil).status == .ok)
        #expect(chain.submit(duty, by: TestChain.tax).status == .noDutyBasis)
        let address = use("d2", category: "address", purpose: "benefits", item: "SI-DATA", grant: nil)
        #expect(chain.submit(address, by: TestChain.civil).status == .noDutyBasis)
        #expect(
            chain.submit(use("d3", category: "a/b", grant: nil), by: TestChain.civil).status
                == .invalidIdentifier)
        #expect(chain.submit(duty, by: TestChain.hospital).status == .missingRole)
    }
}
