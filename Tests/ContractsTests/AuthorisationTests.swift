import Contracts
import Ledger
import Testing

// Setup: holder 0 holds a residence licence issued by the police; civil affairs (民政)
// wants to use it for service item "SI-0101".
@Suite("Authorisations and licence use")
struct AuthorisationTests {
    let licence = Licences.residence("A0001")
    let holderKey = SigningKey.deterministic(label: "holder-0-phone")

    func chainWithLicence() -> TestChain {
        var chain = TestChain()
        chain.submit(Licences.issue(licence, holder: People.holder(0)), by: TestChain.police)
        return chain
    }

    func terms(
        _ grantID: String, untilMs: UInt64 = TestChain.genesisTimeMs + TestChain.dayMs,
        grantee: String = "civil", delegable: Bool = false
    ) -> GrantTerms {
        GrantTerms(
            grantID: grantID, holder: People.holder(0), granteeOrganisation: grantee,
            scope: GrantScope(licenceIDs: [licence]), purpose: "SI-0101",
            consent: Consent(mode: .remote, channel: "app"), validFromMs: 0,
            validUntilMs: untilMs,
            delegable: delegable)
    }

    /// A use under a fresh `id` each time one should be recorded anew (ids are idempotent).
    func use(_ id: String = "u1", grant: String?) -> ContractCall {
        .licenceUse(
            .use(
                useID: id, licenceID: licence, purpose: "SI-0101", itemCode: "SI-0101",
                basis: grant.map { .grant(grantID: $0) } ?? .statutoryDuty))
    }

    @Test("a use with a live grant is recorded with who, what, why, which grant and when")
    func useWithGrant() throws {
        var chain = chainWithLicence()
        #expect(
            chain.submit(
                .authorisation(.grant(terms("g1"), .identityProvider)),
                by: TestChain.identityProvider
            )
            .status == .ok)
        #expect(chain.submit(use(grant: "g1"), by: TestChain.civil).status == .ok)
        let record = try chain.queries.uses(ofLicence: licence).first
        #expect(record?.userOrganisation == "civil")
        #expect(record?.grantID == "g1")
        #expect(record?.itemCode == "SI-0101")
        #expect(record?.blockTimeMs == chain.timeMs)
    }

    @Test("a use without a grant, or with another organisation's grant, is refused")
    func noGrant() throws {
        var chain = chainWithLicence()
        #expect(chain.submit(use(grant: "missing"), by: TestChain.civil).status == .noLiveGrant)
        chain.submit(
            .authorisation(.grant(terms("g1", grantee: "tax"), .identityProvider)),
            by: TestChain.identityProvider)
        #expect(chain.submit(use(grant: "g1"), by: TestChain.civil).status == .noLiveGrant)
        #expect(try chain.queries.uses(ofLicence: licence).isEmpty)
    }

    @Test("an expired grant no longer allows a use")
    func expiredGrant() throws {
        var chain = chainWithLicence()
        chain.submit(
            .authorisation(
                .grant(terms("g1", untilMs: TestChain.genesisTimeMs + 10_000), .identityProvider)),
            by: TestChain.identityProvider)
        #expect(chain.submit(use(grant: "g1"), by: TestChain.civil).status == .ok)
        let late = chain.submit(use("u2", grant: "g1"), by: TestChain.civil, advanceMs: 60_000)
        #expect(late.status == .noLiveGrant)
        #expect(
            try chain.queries.liveGrants(ofHolder: People.holder(0), atMs: chain.timeMs).isEmpty)
    }

    @Test("a revoked licence cannot be used even with a grant")
    func revokedLicence() throws {
        var chain = chainWithLicence()
        chain.submit(
            .authorisation(.grant(terms("g1"), .identityProvider)), by: TestChain.identityProvider)
        chain.submit(.licence(.revoke(licenceID: licence, reason: "fraud")), by: TestChain.police)
        #expect(chain.submit(use(grant: "g1"), by: TestChain.civil).status == .licenceNotCurrent)
    }

    @Test("a statutory duty basis allows a use without a grant")
    func statutoryDuty() throws {
        var chain = chainWithLicence()
        let item = DutyItem(
            itemCode: "SI-0101", name: "SI-0101", purpose: "SI-0101", organisations: ["civil"],
            licenceTypes: [TestChain.residenceType])
        #expect(chain.govern(.registerDutyItem(item), id: "duty").status == .ok)
        #expect(chain.submit(use(grant: nil), by: TestChain.civil).status == .ok)
        #expect(try chain.queries.uses(ofLicence: licence).first?.grantID == nil)
    }

    @Test("a holder-signed grant needs a key bound to the holder and a valid signature")
    func holderSigned() throws {
        var chain = chainWithLicence()
        let grant = terms("g1")
        let signature = holderKey.sign(grant.signingBytes(chainID: TestChain.chainID))
        let call = ContractCall.authorisation(
            .grant(grant, .holderSignature(holderKey: holderKey.publicKey, signature: signature)))
        #expect(chain.submit(call, by: TestChain.civil).status == .invalidHolderSignature)
        chain.submit(
            .authorisation(
                .bindHolderKey(holder: People.holder(0), holderKey: holderKey.publicKey)),
            by: TestChain.identityProvider)
        var forged = grant
        forged.validUntilMs += 1
        let forgedCall = ContractCall.authorisation(
            .grant(forged, .holderSignature(holderKey: holderKey.publicKey, signature: signature)))
        #expect(chain.submit(forgedCall, by: TestChain.civil).status == .invalidHolderSignature)
        #expect(chain.submit(call, by: TestChain.civil).status == .ok)
        #expect(try chain.queries.grant("g1")?.attestedBy == "holder-signature")
    }

    @Test("only the identity provider may attest a grant for the holder")
    func attestationNeedsRole() throws {
        var chain = chainWithLicence()
        let receipt = chain.submit(
            .authorisation(.grant(terms("g1"), .identityProvider)), by: TestChain.civil)
        #expect(receipt.status == .missingRole)
    }

    @Test("a revoked grant stops uses, and a delegation dies with its parent")
    func revokeAndDelegate() throws {
        var chain = chainWithLicence()
        chain.submit(
            .authorisation(.grant(terms("g1", delegable: true), .identityProvider)),
            by: TestChain.identityProvider)
        let delegate = ContractCall.authorisation(
            .delegate(
                grantID: "g1", newGrantID: "g1-tax", agentOrganisation: "tax",
                validUntilMs: UInt64.max))
        #expect(chain.submit(delegate, by: TestChain.tax).status == .notResponsibleOrganisation)
        #expect(chain.submit(delegate, by: TestChain.civil).status == .ok)
        #expect(chain.submit(use(grant: "g1-tax"), by: TestChain.tax).status == .ok)
        #expect(
            try chain.queries.liveGrants(ofHolder: People.holder(0), atMs: chain.timeMs).map(
                \.terms.grantID)
                == ["g1", "g1-tax"])
        chain.submit(
            .authorisation(.revoke(grantID: "g1", .identityProvider)),
            by: TestChain.identityProvider)
        #expect(
            chain.submit(use("u2", grant: "g1-tax"), by: TestChain.tax).status == .noLiveGrant)
        #expect(chain.submit(use(grant: "g1"), by: TestChain.civil).status == .noLiveGrant)
    }

    @Test("a use resubmitted with the same id records nothing twice; other terms are refused")
    func useIdempotent() throws {
        var chain = chainWithLicence()
        chain.submit(
            .authorisation(.grant(terms("g1"), .identityProvider)), by: TestChain.identityProvider)
        #expect(chain.submit(use(grant: "g1"), by: TestChain.civil).status == .ok)
        let retry = chain.submit(use(grant: "g1"), by: TestChain.civil)
        #expect(retry.status == .ok && retry.events.map(\.type) == ["replayed"])
        // The retry succeeds even after the grant is gone: the use was recorded in time.
        chain.submit(.authorisation(.revoke(grantID: "g1", .identityProvider)),
            by: TestChain.identityProvider)
        #expect(chain.submit(use(grant: "g1"), by: TestChain.civil).status == .ok)
        #expect(try chain.queries.uses(ofLicence: licence).map(\.useID) == ["u1"])
        #expect(chain.submit(use(grant: "g2"), by: TestChain.civil).status == .alreadyExists)
        // Ids are per organisation; a malformed id never reaches a state key.
        #expect(chain.submit(use("bad/id", grant: nil), by: TestChain.civil).status
            == .invalidIdentifier)
    }

    @Test("a grant resubmitted with the same terms is a no-op; other terms are refused")
    func grantIdempotent() throws {
        var chain = chainWithLicence()
        let grant = ContractCall.authorisation(.grant(terms("g1"), .identityProvider))
        #expect(chain.submit(grant, by: TestChain.identityProvider).status == .ok)
        let retry = chain.submit(grant, by: TestChain.identityProvider)
        #expect(retry.status == .ok && retry.events.map(\.type) == ["replayed"])
        let other = ContractCall.authorisation(
            .grant(terms("g1", grantee: "tax"), .identityProvider))
        #expect(chain.submit(other, by: TestChain.identityProvider).status == .alreadyExists)
        #expect(try chain.queries.grant("g1")?.terms.granteeOrganisation == "civil")
    }

    @Test("a delegation resubmitted is a no-op; the same new id for another agent is refused")
    func delegationIdempotent() throws {
        var chain = chainWithLicence()
        chain.submit(
            .authorisation(.grant(terms("g1", delegable: true), .identityProvider)),
            by: TestChain.identityProvider)
        let delegate = ContractCall.authorisation(
            .delegate(grantID: "g1", newGrantID: "g1d", agentOrganisation: "tax",
                validUntilMs: .max))
        #expect(chain.submit(delegate, by: TestChain.civil).status == .ok)
        let retry = chain.submit(delegate, by: TestChain.civil)
        #expect(retry.status == .ok && retry.events.map(\.type) == ["replayed"])
        let other = ContractCall.authorisation(
            .delegate(grantID: "g1", newGrantID: "g1d", agentOrganisation: "police",
                validUntilMs: .max))
        #expect(chain.submit(other, by: TestChain.civil).status == .alreadyExists)
    }

    @Test("a grant for another purpose does not cover the use")
    func wrongPurpose() throws {
        var chain = chainWithLicence()
        chain.submit(
            .authorisation(.grant(terms("g1"), .identityProvider)), by: TestChain.identityProvider)
        let other = ContractCall.licenceUse(
            .use(
                useID: "u9", licenceID: licence, purpose: "SI-9999", itemCode: "SI-9999",
                basis: .grant(grantID: "g1")))
        #expect(chain.submit(other, by: TestChain.civil).status == .noLiveGrant)
    }
}
