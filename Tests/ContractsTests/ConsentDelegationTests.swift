import Contracts
import Ledger
import Testing

// Setup: holder 0 holds a residence licence issued by the police. Holder 1 is holder 0's
// agent (委托代理人) under a mandate; civil affairs uses the licence for item SI-0101.
@Suite("Consent modes, holder key rebinding, and person-to-person delegation")
struct ConsentDelegationTests {
    let licence = Licences.residence("C0001")
    let principalKey = SigningKey.deterministic(label: "holder-0-phone")
    let newKey = SigningKey.deterministic(label: "holder-0-new-phone")
    let agentKey = SigningKey.deterministic(label: "holder-1-phone")
    let hall = Consent(mode: .faceToFace, channel: "hall-360102-03")

    func chain() -> TestChain {
        var chain = TestChain()
        chain.submit(Licences.issue(licence, holder: People.holder(0)), by: TestChain.police)
        for (holder, key) in [(0, principalKey), (1, agentKey)] {
            chain.submit(
                .authorisation(
                    .bindHolderKey(holder: People.holder(holder), holderKey: key.publicKey)),
                by: TestChain.identityProvider)
        }
        return chain
    }

    func terms(
        _ id: String, holder: Int = 0, scope: GrantScope? = nil, consent: Consent? = nil,
        untilMs: UInt64 = TestChain.genesisTimeMs + TestChain.dayMs
    ) -> GrantTerms {
        GrantTerms(
            grantID: id, holder: People.holder(holder), granteeOrganisation: "civil",
            scope: scope ?? GrantScope(licenceIDs: [licence]), purpose: "SI-0101",
            consent: consent ?? Consent(mode: .remote, channel: "gft-app"), validFromMs: 0,
            validUntilMs: untilMs)
    }

    func signed(_ terms: GrantTerms, by key: SigningKey) -> ContractCall {
        .authorisation(
            .grant(
                terms,
                .holderSignature(
                    holderKey: key.publicKey,
                    signature: key.sign(terms.signingBytes(chainID: TestChain.chainID)))))
    }

    func byAgent(_ terms: GrantTerms, mandate: String, key: SigningKey? = nil) -> ContractCall {
        let key = key ?? agentKey
        return .authorisation(
            .grant(
                terms,
                .agentSignature(
                    mandateID: mandate, agentKey: key.publicKey,
                    signature: key.sign(terms.signingBytes(chainID: TestChain.chainID)))))
    }

    func mandate(
        _ id: String, scope: GrantScope = GrantScope(licenceTypes: [TestChain.residenceType]),
        purposes: [String] = ["SI-0101"],
        untilMs: UInt64 = TestChain.genesisTimeMs + 2 * TestChain.dayMs
    ) -> Mandate {
        Mandate(
            mandateID: id, principal: People.holder(0), agent: People.holder(1),
            kind: .entrustedAgent, scope: scope, purposes: purposes, validFromMs: 0,
            validUntilMs: untilMs, consent: hall)
    }

    func use(_ id: String, grant: String) -> ContractCall {
        .licenceUse(
            .use(
                useID: id, licenceID: licence, purpose: "SI-0101", itemCode: "SI-0101",
                basis: .grant(grantID: grant)))
    }

    @Test("every grant records how consent was given: face-to-face or remote, and the channel")
    func consentRecorded() throws {
        var chain = chain()
        let call = ContractCall.authorisation(.grant(terms("g1", consent: hall), .identityProvider))
        #expect(chain.submit(call, by: TestChain.identityProvider).status == .ok)
        #expect(try chain.queries.grant("g1")?.terms.consent == hall)
        let bad = terms("g2", consent: Consent(mode: .remote, channel: "a/b"))
        #expect(
            chain.submit(.authorisation(.grant(bad, .identityProvider)), by: TestChain.identityProvider)
                .status == .invalidIdentifier)
    }

    @Test("a lost key is unbound and a new one bound: the grants stay, the old key is refused")
    func unbindRebind() throws {
        var chain = chain()
        #expect(chain.submit(signed(terms("g1"), by: principalKey), by: TestChain.civil).status == .ok)
        let unbind = ContractCall.authorisation(
            .unbindHolderKey(holder: People.holder(0), holderKey: principalKey.publicKey))
        #expect(chain.submit(unbind, by: TestChain.civil).status == .missingRole)
        #expect(chain.submit(unbind, by: TestChain.identityProvider).status == .ok)
        #expect(chain.submit(unbind, by: TestChain.identityProvider).status == .notFound)
        #expect(
            chain.submit(signed(terms("g2"), by: principalKey), by: TestChain.civil).status
                == .invalidHolderSignature)
        // The grant made with the lost key is still the holder's, and still live.
        #expect(chain.submit(use("u1", grant: "g1"), by: TestChain.civil).status == .ok)
        chain.submit(
            .authorisation(.bindHolderKey(holder: People.holder(0), holderKey: newKey.publicKey)),
            by: TestChain.identityProvider)
        let revocation = AuthorisationCall.revocationSigningBytes(
            chainID: TestChain.chainID, grantID: "g1")
        let revoke = ContractCall.authorisation(
            .revoke(
                grantID: "g1",
                .holderSignature(holderKey: newKey.publicKey, signature: newKey.sign(revocation))))
        #expect(chain.submit(revoke, by: TestChain.civil).status == .ok)
        #expect(chain.submit(use("u2", grant: "g1"), by: TestChain.civil).status == .noLiveGrant)
    }

    @Test("an agent grants within the mandate; the grant is used and names its mandate")
    func agentGrants() throws {
        var chain = chain()
        let given = chain.submit(
            .authorisation(.mandate(mandate("m1"), .identityProvider)),
            by: TestChain.identityProvider)
        #expect(given.status == .ok)
        #expect(chain.submit(byAgent(terms("g1"), mandate: "m1"), by: TestChain.civil).status == .ok)
        let grant = try #require(try chain.queries.grant("g1"))
        #expect(grant.mandateID == "m1" && grant.attestedBy == "agent:m1")
        #expect(chain.submit(use("u1", grant: "g1"), by: TestChain.civil).status == .ok)
        #expect(try chain.queries.mandates(ofPrincipal: People.holder(0)).map(\.mandate) == [
            mandate("m1")
        ])
    }

    @Test("an agent's grant beyond the mandate, for another holder or with another key is refused")
    func agentRefusals() throws {
        var chain = chain()
        chain.submit(
            .authorisation(.mandate(mandate("m1"), .identityProvider)),
            by: TestChain.identityProvider)
        let business = terms("g1", scope: GrantScope(licenceTypes: [TestChain.businessType]))
        #expect(
            chain.submit(byAgent(business, mandate: "m1"), by: TestChain.civil).status
                == .noLiveMandate)
        let late = terms("g2", untilMs: TestChain.genesisTimeMs + 3 * TestChain.dayMs)
        #expect(
            chain.submit(byAgent(late, mandate: "m1"), by: TestChain.civil).status
                == .noLiveMandate)
        #expect(
            chain.submit(byAgent(terms("g3", holder: 2), mandate: "m1"), by: TestChain.civil)
                .status == .noLiveMandate)
        #expect(
            chain.submit(byAgent(terms("g4"), mandate: "m1", key: newKey), by: TestChain.civil)
                .status == .invalidHolderSignature)
        #expect(
            chain.submit(byAgent(terms("g5"), mandate: "none"), by: TestChain.civil).status
                == .noLiveMandate)
        // An agent cannot give (or take back) a mandate.
        let selfMade = ContractCall.authorisation(
            .mandate(
                mandate("m2"),
                .agentSignature(
                    mandateID: "m1", agentKey: agentKey.publicKey,
                    signature: agentKey.sign(mandate("m2").signingBytes(chainID: TestChain.chainID)))))
        #expect(chain.submit(selfMade, by: TestChain.civil).status == .invalidHolderSignature)
    }

    @Test("revoking the mandate ends the grants it allowed, and no new ones are made")
    func revokeMandate() throws {
        var chain = chain()
        // The principal gives and revokes the mandate with their own key.
        let given = mandate("m1")
        let signature = principalKey.sign(given.signingBytes(chainID: TestChain.chainID))
        let give = ContractCall.authorisation(
            .mandate(given, .holderSignature(holderKey: principalKey.publicKey, signature: signature)))
        #expect(chain.submit(give, by: TestChain.civil).status == .ok)
        #expect(chain.submit(give, by: TestChain.civil).events.map(\.type) == ["replayed"])
        chain.submit(byAgent(terms("g1"), mandate: "m1"), by: TestChain.civil)
        #expect(chain.submit(use("u1", grant: "g1"), by: TestChain.civil).status == .ok)
        let bytes = AuthorisationCall.mandateRevocationSigningBytes(
            chainID: TestChain.chainID, mandateID: "m1")
        let revoke = ContractCall.authorisation(
            .revokeMandate(
                mandateID: "m1",
                .holderSignature(holderKey: principalKey.publicKey, signature: principalKey.sign(bytes))))
        #expect(chain.submit(revoke, by: TestChain.civil).status == .ok)
        #expect(chain.submit(revoke, by: TestChain.civil).status == .invalidTransition)
        #expect(chain.submit(use("u2", grant: "g1"), by: TestChain.civil).status == .noLiveGrant)
        #expect(
            try chain.queries.liveGrants(ofHolder: People.holder(0), atMs: chain.timeMs).isEmpty)
        #expect(
            chain.submit(byAgent(terms("g2"), mandate: "m1"), by: TestChain.civil).status
                == .noLiveMandate)
    }

    @Test("a mandate needs a scope, an end after its start, and two different people")
    func mandateValidation() throws {
        var chain = chain()
        func give(_ mandate: Mandate) -> StatusCode? {
            chain.submit(
                .authorisation(.mandate(mandate, .identityProvider)), by: TestChain.identityProvider
            ).status
        }
        #expect(give(mandate("m1", scope: GrantScope())) == .invalidArgument)
        #expect(give(mandate("m2", untilMs: 0)) == .invalidArgument)
        var toSelf = mandate("m3")
        toSelf.agent = People.holder(0)
        #expect(give(toSelf) == .invalidArgument)
        #expect(give(mandate("m/4")) == .invalidIdentifier)
        #expect(
            chain.submit(
                .authorisation(.mandate(mandate("m5"), .identityProvider)), by: TestChain.civil
            ).status == .missingRole)
    }
}
