import Contracts
import Ledger
import Testing

// Setup: genesis registers the residence (police) and business (market) licence types.
// Governance registers further types; licences of them are issued, suspended, renewed and
// reminded of their expiry at block time.
@Suite("Licence types and lifecycle: registry, suspension, expiry reminders")
struct LicenceTypeTests {
    static let newType = "990009"

    func chain(with type: LicenceType? = nil) -> TestChain {
        var chain = TestChain()
        // The police key may issue the new type (its key's permission)...
        chain.govern(
            .grantRole(
                publicKey: TestChain.police.publicKey, role: .licenceIssuer,
                licenceTypes: [Self.newType]), id: "role")
        // ... and the registry says whether the type exists and who issues it.
        if let type { #expect(chain.govern(.registerLicenceType(type), id: "type").status == .ok) }
        return chain
    }

    func licence(_ serial: String, version: UInt32 = 1) -> String {
        Licences.id(
            type: Self.newType, issuer: TestChain.policeCode, serial: serial, version: version)
    }

    func issue(_ id: String, untilMs: UInt64) -> ContractCall {
        Licences.issue(id, holder: People.holder(0), type: Self.newType, untilMs: untilMs)
    }

    @Test("genesis registers the types its keys may issue")
    func genesisTypes() throws {
        let chain = TestChain()
        #expect(
            try chain.queries.licenceTypes.map(\.code)
                == [TestChain.residenceType, TestChain.businessType].sorted())
        #expect(try chain.queries.licenceType(TestChain.residenceType)?.issuers == ["police"])
    }

    @Test("issuing an unregistered type is refused with 310, a registered one succeeds")
    func unregisteredType() throws {
        var chain = chain()
        let far = TestChain.genesisTimeMs + 30 * TestChain.dayMs
        let refused = chain.submit(issue(licence("A1"), untilMs: far), by: TestChain.police)
        #expect(refused.status == .licenceTypeNotRegistered)
        let type = LicenceType(code: Self.newType, name: "permit", issuers: ["police"])
        #expect(chain.govern(.registerLicenceType(type), id: "type").status == .ok)
        #expect(chain.submit(issue(licence("A1"), untilMs: far), by: TestChain.police).status == .ok)
    }

    @Test("only the type's registered issuers may issue it, within its longest validity")
    func issuersAndValidity() throws {
        let type = LicenceType(
            code: Self.newType, name: "permit", issuers: ["market"], maxValidityDays: 10)
        var chain = chain(with: type)
        let soon = TestChain.genesisTimeMs + 5 * TestChain.dayMs
        #expect(
            chain.submit(issue(licence("A1"), untilMs: soon), by: TestChain.police).status
                == .licenceTypeNotPermitted)
        var both = type
        both.issuers = ["market", "police"]
        chain.govern(.registerLicenceType(both), id: "type-2")
        // Valid from 0 (the fixture's default) is far more than 10 days.
        #expect(
            chain.submit(issue(licence("A1"), untilMs: soon), by: TestChain.police).status
                == .invalidArgument)
        let ok = Licences.issue(
            licence("A1"), holder: People.holder(0), type: Self.newType,
            fromMs: TestChain.genesisTimeMs, untilMs: soon)
        #expect(chain.submit(ok, by: TestChain.police).status == .ok)
    }

    @Test("registration needs known issuers, a well-formed code and bounded days")
    func registration() throws {
        var chain = TestChain()
        let ghost = LicenceType(code: "990011", name: "x", issuers: ["nobody"])
        #expect(chain.govern(.registerLicenceType(ghost), id: "p1").status == .notFound)
        let slash = LicenceType(code: "99/11", name: "x", issuers: ["police"])
        #expect(chain.govern(.registerLicenceType(slash), id: "p2").status == .invalidIdentifier)
        let none = LicenceType(code: "990011", name: "x", issuers: [])
        #expect(chain.govern(.registerLicenceType(none), id: "p3").status == .invalidArgument)
        // Past the bound the call does not even decode: the record's decoder has it too.
        let long = LicenceType(
            code: "990011", name: "x", issuers: ["police"], maxValidityDays: LicenceType.maxDays + 1)
        #expect(chain.govern(.registerLicenceType(long), id: "p4").status == .malformedCall)
        // A service item may only check registered licence types.
        let item = DutyItem(
            itemCode: "X1", name: "x", purpose: "x", organisations: ["civil"],
            licenceTypes: ["990011"])
        #expect(
            chain.govern(.registerDutyItem(item), id: "p5").status == .licenceTypeNotRegistered)
    }

    @Test("a suspended licence is not renewed until the suspension is lifted")
    func suspendedNotRenewable() throws {
        var chain = TestChain()
        let old = Licences.residence("S1")
        chain.submit(Licences.issue(old, holder: People.holder(0)), by: TestChain.police)
        chain.submit(.licence(.suspend(licenceID: old, reason: "check")), by: TestChain.police)
        let renewal = ContractCall.licence(
            .renew(
                LicenceRenewal(
                    licenceID: old, newLicenceID: Licences.residence("S1", version: 2),
                    fileDigest: Licences.digest("v2"), validFromMs: 0,
                    validUntilMs: TestChain.genesisTimeMs + 365 * TestChain.dayMs)))
        let refused = chain.submit(renewal, by: TestChain.police)
        #expect(refused.status == .invalidTransition)
        #expect(refused.message.contains("lift the suspension"))
        #expect(try chain.queries.licence(old)?.status == .suspended)
        chain.submit(.licence(.resume(licenceID: old)), by: TestChain.police)
        #expect(chain.submit(renewal, by: TestChain.police).status == .ok)
    }

    @Test("an expiry reminder is emitted at block time, once, and shown to the holder")
    func expiryReminder() throws {
        let type = LicenceType(
            code: Self.newType, name: "permit", issuers: ["police"], reminderDays: 1)
        var chain = chain(with: type)
        let hourMs: UInt64 = 3_600_000
        let untilMs = chain.timeMs + 3 * TestChain.dayMs
        let id = licence("R1")
        chain.submit(issue(id, untilMs: untilMs), by: TestChain.police)
        var reminded: [(UInt64, Event)] = []
        // Hour-long blocks: the sweep keeps up (60 minutes per block at most).
        for _ in 0..<72 {
            let result = chain.block([], advanceMs: hourMs)
            for event in result.blockEvents { reminded.append((chain.timeMs, event)) }
        }
        #expect(reminded.count == 1)
        let (atMs, event) = try #require(reminded.first)
        #expect(event.type == "expiring")
        #expect(event.attributes.contains { $0.key == "licence" && $0.value == id })
        // Due one day before the end, at the first block at or after that minute.
        // (The sweep works in whole minutes: up to a minute early.)
        let dueMs = untilMs - TestChain.dayMs
        #expect(atMs + 60_000 > dueMs && atMs < dueMs + hourMs)
        let reminders = try chain.queries.reminders(ofHolder: People.holder(0))
        #expect(reminders.map(\.licenceID) == [id])
        #expect(reminders.first?.daysLeft == 0 || reminders.first?.daysLeft == 1)
    }

    @Test("a licence issued inside its reminder window is reminded in the issuing receipt")
    func reminderAtIssue() throws {
        let type = LicenceType(
            code: Self.newType, name: "permit", issuers: ["police"], reminderDays: 30)
        var chain = chain(with: type)
        let receipt = chain.submit(
            issue(licence("R2"), untilMs: chain.timeMs + 10 * TestChain.dayMs),
            by: TestChain.police)
        #expect(receipt.status == .ok)
        #expect(receipt.events.map(\.type) == ["issued", "expiring"])
        #expect(try chain.queries.reminders(ofHolder: People.holder(0)).count == 1)
    }

    @Test("a revoked or renewed licence gets no reminder for its old version")
    func noReminderWhenGone() throws {
        let type = LicenceType(
            code: Self.newType, name: "permit", issuers: ["police"], reminderDays: 1)
        var chain = chain(with: type)
        let id = licence("R3")
        chain.submit(issue(id, untilMs: chain.timeMs + 2 * TestChain.dayMs), by: TestChain.police)
        chain.submit(.licence(.revoke(licenceID: id, reason: "x")), by: TestChain.police)
        var events = 0
        for _ in 0..<48 { events += chain.block([], advanceMs: 3_600_000).blockEvents.count }
        #expect(events == 0)
        #expect(try chain.queries.reminders(ofHolder: People.holder(0)).isEmpty)
    }
}
