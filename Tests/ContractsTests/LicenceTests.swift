import Contracts
import Ledger
import Testing

// Setup: police issue residence licences (type 110001), market issue business licences.
@Suite("Licences")
struct LicenceTests {
    let id = Licences.residence("A0001")

    @Test("an issued licence verifies by id and file digest")
    func issueAndVerify() throws {
        var chain = TestChain()
        let receipt = chain.submit(
            Licences.issue(id, holder: People.holder(0)), by: TestChain.police)
        #expect(receipt.status == .ok)
        #expect(receipt.events.first?["licence"] == id)
        let check = try chain.queries.verifyLicence(
            id: id, fileDigest: Licences.digest(id), atMs: chain.timeMs)
        #expect(check.isValid)
        let forged = try chain.queries.verifyLicence(
            id: id, fileDigest: SHA256.hash([9]), atMs: chain.timeMs)
        #expect(!forged.isValid && !forged.digestMatches)
        #expect(try chain.queries.licences(ofHolder: People.holder(0)).map(\.id) == [id])
    }

    @Test("an issuer without the licence type is refused")
    func wrongLicenceType() throws {
        var chain = TestChain()
        let business = Licences.id(
            type: TestChain.businessType, issuer: TestChain.policeCode, serial: "B1")
        let receipt = chain.submit(
            Licences.issue(business, holder: People.holder(0), type: TestChain.businessType),
            by: TestChain.police)
        #expect(receipt.status == .licenceTypeNotPermitted)
    }

    @Test("an id naming another issuer's credit code is refused")
    func wrongIssuer() throws {
        var chain = TestChain()
        let foreign = Licences.id(
            type: TestChain.businessType, issuer: TestChain.policeCode, serial: "B1")
        let receipt = chain.submit(
            Licences.issue(foreign, holder: People.holder(0), type: TestChain.businessType),
            by: TestChain.market)
        #expect(receipt.status == .notResponsibleOrganisation)
    }

    @Test("an id with a wrong check character is refused")
    func badCheckCharacter() throws {
        var chain = TestChain()
        var broken = id
        broken.removeLast()
        broken.append(id.last == "A" ? "B" : "A")
        #expect(
            chain.submit(Licences.issue(broken, holder: People.holder(0)), by: TestChain.police)
                .status
                == .invalidIdentifier)
    }

    @Test("renewal issues a new version and supersedes the old one")
    func renew() throws {
        var chain = TestChain()
        chain.submit(Licences.issue(id, holder: People.holder(0)), by: TestChain.police)
        let next = Licences.residence("A0001", version: 2)
        let renewal = LicenceRenewal(
            licenceID: id, newLicenceID: next, fileDigest: Licences.digest(next), validFromMs: 0,
            validUntilMs: TestChain.genesisTimeMs + 700 * TestChain.dayMs)
        #expect(chain.submit(.licence(.renew(renewal)), by: TestChain.police).status == .ok)
        #expect(try chain.queries.licence(id)?.status == .superseded)
        #expect(try chain.queries.licence(id)?.nextID == next)
        #expect(try chain.queries.licence(next)?.previousID == id)
        #expect(
            try chain.queries.verifyLicence(
                id: next, fileDigest: Licences.digest(next), atMs: chain.timeMs
            ).isValid)
        let other = Licences.residence("A0002", version: 2)
        var wrongSerial = renewal
        wrongSerial.licenceID = next
        wrongSerial.newLicenceID = other
        #expect(
            chain.submit(.licence(.renew(wrongSerial)), by: TestChain.police).status
                == .invalidIdentifier)
    }

    @Test("a revoked licence no longer verifies and cannot be resumed")
    func revoke() throws {
        var chain = TestChain()
        chain.submit(Licences.issue(id, holder: People.holder(0)), by: TestChain.police)
        #expect(
            chain.submit(.licence(.revoke(licenceID: id, reason: "fraud")), by: TestChain.police)
                .status == .ok)
        let check = try chain.queries.verifyLicence(
            id: id, fileDigest: Licences.digest(id), atMs: chain.timeMs)
        #expect(!check.isValid && check.status == "revoked")
        #expect(
            chain.submit(.licence(.resume(licenceID: id)), by: TestChain.police).status
                == .invalidTransition)
    }

    @Test("a licence expires by block time, without any transaction")
    func expiry() throws {
        var chain = TestChain()
        chain.submit(
            Licences.issue(id, holder: People.holder(0), untilMs: TestChain.genesisTimeMs + 5_000),
            by: TestChain.police)
        let later = try chain.queries.verifyLicence(
            id: id, fileDigest: Licences.digest(id), atMs: TestChain.genesisTimeMs + 6_000)
        #expect(later.status == "expired" && !later.isValid)
    }

    @Test("another organisation cannot suspend a licence it did not issue")
    func otherOrganisation() throws {
        var chain = TestChain()
        chain.submit(Licences.issue(id, holder: People.holder(0)), by: TestChain.police)
        let receipt = chain.submit(
            .licence(.suspend(licenceID: id, reason: "x")), by: TestChain.market)
        #expect(receipt.status == .notResponsibleOrganisation)
    }
}
