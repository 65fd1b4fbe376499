import Contracts
import Ledger
import Testing

/// Every page of a paged query, from the first to the one without a cursor, concatenated.
func walk<Item>(
    limit: Int, _ fetch: (PageRequest) throws -> QueryPage<Item>
) throws -> [Item] {
    var items: [Item] = []
    var cursor: String?
    for _ in 0..<1_000 {
        let page = try fetch(PageRequest(cursor: cursor, limit: limit))
        #expect(page.items.count <= limit)
        items += page.items
        guard let next = page.nextCursor else { return items }
        cursor = next
    }
    Issue.record("the walk did not end")
    return items
}

// Setup: holder 0 holds licences A0001 and A0002, holder 1 holds A0003; civil affairs uses
// them under grants g1 (holder 0) and g3 (holder 1), the tax bureau under g2 (holder 0).
@Suite("Paged queries (issue 18)")
struct PagedQueryTests {
    let licences = ["A0001", "A0002", "A0003"].map { Licences.residence($0) }

    func terms(
        _ id: String, holder: Int, grantee: String, licences: [String],
        fromMs: UInt64 = 0, untilMs: UInt64 = TestChain.genesisTimeMs + TestChain.dayMs
    ) -> GrantTerms {
        GrantTerms(
            grantID: id, holder: People.holder(holder), granteeOrganisation: grantee,
            scope: GrantScope(licenceIDs: licences), purpose: "SI-0101",
            consent: Consent(mode: .remote, channel: "app"), validFromMs: fromMs,
            validUntilMs: untilMs)
    }

    func grant(_ terms: GrantTerms) -> (ContractCall, SigningKey) {
        (.authorisation(.grant(terms, .identityProvider)), TestChain.identityProvider)
    }

    func use(_ id: String, _ licence: String, grant: String) -> ContractCall {
        .licenceUse(
            .use(
                useID: id, licenceID: licence, purpose: "SI-0101", itemCode: "SI-0101",
                basis: .grant(grantID: grant)))
    }

    func chainWithUses() -> TestChain {
        var chain = TestChain()
        chain.block([
            (Licences.issue(licences[0], holder: People.holder(0)), TestChain.police),
            (Licences.issue(licences[1], holder: People.holder(0)), TestChain.police),
            (Licences.issue(licences[2], holder: People.holder(1)), TestChain.police),
        ])
        chain.block([
            grant(terms("g1", holder: 0, grantee: "civil", licences: [licences[0]])),
            grant(terms("g2", holder: 0, grantee: "tax", licences: [licences[1]])),
            grant(terms("g3", holder: 1, grantee: "civil", licences: [licences[2]])),
        ])
        // Three blocks, several uses per block, so chain order spans heights and tx ids.
        for round in 0..<3 {
            let calls: [(ContractCall, SigningKey)] = [
                (use("c\(round)a", licences[0], grant: "g1"), TestChain.civil),
                (use("c\(round)b", licences[0], grant: "g1"), TestChain.civil),
                (use("t\(round)", licences[1], grant: "g2"), TestChain.tax),
                (use("h\(round)", licences[2], grant: "g3"), TestChain.civil),
            ]
            let result = chain.block(calls)
            #expect(result.receipts.allSatisfy { $0.isSuccess })
        }
        return chain
    }

    /// Uses in chain order: height, then tx id, then licence id (the index's order).
    func chainOrder(_ uses: [UseRecord]) -> [UseRecord] {
        uses.sorted {
            ($0.height, $0.txID.hex, $0.licenceID) < ($1.height, $1.txID.hex, $1.licenceID)
        }
    }

    @Test("uses by holder, grant and organisation: all pages together are the full list")
    func usesIndexes() throws {
        let chain = chainWithUses()
        let queries = chain.queries
        let all = try licences.flatMap { try queries.uses(ofLicence: $0) }
        #expect(all.count == 12)
        let holder0 = chainOrder(all.filter { $0.licenceID != licences[2] })
        for limit in [1, 2, 5, 500] {
            #expect(
                try walk(limit: limit) {
                    try queries.uses(ofHolder: People.holder(0), page: $0)
                } == holder0)
            #expect(
                try walk(limit: limit) { try queries.uses(ofGrant: "g1", page: $0) }
                    == chainOrder(all.filter { $0.grantID == "g1" }))
            #expect(
                try walk(limit: limit) { try queries.uses(byOrganisation: "civil", page: $0) }
                    == chainOrder(all.filter { $0.userOrganisation == "civil" }))
            #expect(
                try walk(limit: limit) { try queries.uses(ofLicence: licences[1], page: $0) }
                    == (try queries.uses(ofLicence: licences[1])))
        }
        #expect(try walk(limit: 3) { try queries.uses(ofGrant: "g2", page: $0) }.count == 3)
        #expect(try walk(limit: 3) { try queries.uses(byOrganisation: "tax", page: $0) }.count == 3)
        #expect(try queries.uses(ofGrant: "unknown", page: PageRequest()).items.isEmpty)
        // A full last page says so: no cursor to an empty page.
        let exact = try queries.uses(ofGrant: "g1", page: PageRequest(limit: 6))
        #expect(exact.items.count == 6 && exact.nextCursor == nil)
    }

    @Test("a replayed use writes no second index entry")
    func replayedUseIndexedOnce() throws {
        var chain = chainWithUses()
        #expect(chain.submit(use("c0a", licences[0], grant: "g1"), by: TestChain.civil).isSuccess)
        #expect(
            try walk(limit: 100) { try chain.queries.uses(ofGrant: "g1", page: $0) }.count == 6)
    }

    @Test("a hostile cursor is refused with a clear error; limits are clamped")
    func badCursors() throws {
        let chain = chainWithUses()
        let queries = chain.queries
        let first = try queries.uses(ofGrant: "g1", page: PageRequest(limit: 2))
        let cursor = try #require(first.nextCursor)
        let claimsCursor = Hex.encode(Array("claim/insurer0/c1".utf8))
        let hostile = [
            "zz", "0", cursor.uppercased(), cursor + "0", claimsCursor,
            Hex.encode(Array("idx/use-grant/g1/".utf8)), String(repeating: "ab", count: 5_000),
            "é",
        ]
        for text in hostile {
            let error = #expect(throws: QueryError.self) {
                _ = try queries.uses(ofGrant: "g1", page: PageRequest(cursor: text))
            }
            guard case .invalidCursor? = error else {
                Issue.record("cursor \(text.prefix(20)) gave \(String(describing: error))")
                continue
            }
        }
        // Another grant's cursor is another query's.
        #expect(throws: QueryError.self) {
            _ = try queries.uses(ofGrant: "g2", page: PageRequest(cursor: cursor))
        }
        #expect(PageRequest(limit: 0).limit == 1)
        #expect(PageRequest(limit: -5).limit == 1)
        #expect(PageRequest(limit: 10_000).limit == PageRequest.maxLimit)
        #expect(PageRequest().limit == PageRequest.defaultLimit)
        #expect(PageRequest(cursor: "").cursor == nil)
    }

    @Test("grants of a holder, revoked and expired included, filtered by standing")
    func grantsByStatus() throws {
        var chain = TestChain()
        let day = TestChain.dayMs
        let start = TestChain.genesisTimeMs
        chain.block([
            (Licences.issue(licences[0], holder: People.holder(0)), TestChain.police),
            grant(terms("g-live", holder: 0, grantee: "civil", licences: [licences[0]])),
            grant(terms("g-revoked", holder: 0, grantee: "civil", licences: [licences[0]])),
            grant(
                terms(
                    "g-expired", holder: 0, grantee: "tax", licences: [licences[0]],
                    untilMs: start + 5_000)),
            grant(
                terms(
                    "g-later", holder: 0, grantee: "tax", licences: [licences[0]],
                    fromMs: start + 30 * day, untilMs: start + 60 * day)),
            grant(terms("g-other", holder: 1, grantee: "civil", licences: [licences[0]])),
        ])
        let revoke = chain.submit(
            .authorisation(.revoke(grantID: "g-revoked", .identityProvider)),
            by: TestChain.identityProvider, advanceMs: 10_000)
        #expect(revoke.isSuccess)
        let queries = chain.queries
        let holder = People.holder(0)
        func ids(_ status: GrantStatus?) throws -> [String] {
            try walk(limit: 1) {
                try queries.grants(ofHolder: holder, status: status, atMs: chain.timeMs, page: $0)
            }.map(\.grant.terms.grantID)
        }
        #expect(try ids(nil) == ["g-expired", "g-later", "g-live", "g-revoked"])
        #expect(try ids(.live) == ["g-live"])
        #expect(try ids(.revoked) == ["g-revoked"])
        #expect(try ids(.expired) == ["g-expired"])
        #expect(try ids(.notYetValid) == ["g-later"])
        #expect(
            try ids(.live)
                == queries.liveGrants(ofHolder: holder, atMs: chain.timeMs).map(\.terms.grantID))
        // Judged at an earlier time over today's state: before expiry, g-expired was live;
        // the revocation is a fact of state, not of time (as of an earlier HEIGHT, through
        // the node's history store, g-revoked would read live).
        let early = try queries.grants(
            ofHolder: holder, status: .live, atMs: start + 1_000, page: PageRequest())
        #expect(early.items.map(\.grant.terms.grantID) == ["g-expired", "g-live"])
    }

    @Test("claims by reimburser in claim-id order, with a status filter")
    func claimsByReimburser() throws {
        var chain = TestChain()
        let bill = Bills.medical(1).billID
        chain.submit(Bills.issue(Bills.medical(1), totalFen: 10_000), by: TestChain.hospital)
        for index in 1...5 {
            chain.submit(Bills.claim("c\(index)", bill, 1_000), by: TestChain.insurers[0])
        }
        chain.submit(Bills.claim("d1", bill, 1_000), by: TestChain.insurers[1])
        chain.submit(.reimbursement(.settle(claimIDs: ["c2"])), by: TestChain.insurers[0])
        chain.submit(.reimbursement(.release(claimIDs: ["c3"])), by: TestChain.insurers[0])
        let queries = chain.queries
        func ids(_ reimburser: String, _ status: ClaimStatus?) throws -> [String] {
            try walk(limit: 2) {
                try queries.claims(ofReimburser: reimburser, status: status, page: $0)
            }.map(\.claimID)
        }
        #expect(try ids("insurer0", nil) == ["c1", "c2", "c3", "c4", "c5"])
        #expect(try ids("insurer0", .locked) == ["c1", "c4", "c5"])
        #expect(try ids("insurer0", .settled) == ["c2"])
        #expect(try ids("insurer0", .released) == ["c3"])
        #expect(try ids("insurer1", nil) == ["d1"])
        #expect(try ids("nobody", nil).isEmpty)
    }

    @Test("open alerts across all bills: over-committed bills stay open until released")
    func openAlerts() throws {
        var chain = TestChain()
        let bills = (1...3).map { Bills.medical($0) }
        chain.block(bills.map { (Bills.issue($0, totalFen: 10_000), TestChain.hospital) })
        func reverse(_ bill: Int, _ amountFen: UInt64) -> ContractCall {
            .bill(
                .reverse(
                    BillReversal(
                        billID: bills[bill].billID, redNumber: Bills.medical(900 + bill),
                        amountFen: amountFen, categories: nil)))
        }
        let insurer = TestChain.insurers[0]
        // Bill 0: 6,000 settled, then fully reversed: settled above claimable, open for good.
        chain.submit(Bills.claim("a", bills[0].billID, 6_000), by: insurer)
        chain.submit(.reimbursement(.settle(claimIDs: ["a"])), by: insurer)
        #expect(chain.submit(reverse(0, 10_000), by: TestChain.hospital).isSuccess)
        // Bill 1: 3,000 settled, 1,000 reversed: an alert, but 9,000 still covers the claim.
        chain.submit(Bills.claim("b", bills[1].billID, 3_000), by: insurer)
        chain.submit(.reimbursement(.settle(claimIDs: ["b"])), by: insurer)
        #expect(chain.submit(reverse(1, 1_000), by: TestChain.hospital).isSuccess)
        // Bill 2: 6,000 locked, 5,000 reversed: open until the claim is released.
        chain.submit(Bills.claim("c", bills[2].billID, 6_000), by: insurer)
        #expect(chain.submit(reverse(2, 5_000), by: TestChain.hospital).isSuccess)
        func alerts(_ status: BillAlertStatus?, in chain: TestChain) throws -> [String] {
            try walk(limit: 1) { try chain.queries.alerts(status: status, page: $0) }
                .map(\.alert.billID)
        }
        let ids = bills.map(\.billID)
        #expect(try alerts(nil, in: chain) == ids)
        #expect(try alerts(.open, in: chain) == [ids[0], ids[2]])
        #expect(try alerts(.closed, in: chain) == [ids[1]])
        chain.submit(.reimbursement(.release(claimIDs: ["c"])), by: insurer)
        #expect(try alerts(.open, in: chain) == [ids[0]])
        #expect(try alerts(.closed, in: chain) == [ids[1], ids[2]])
        // The view carries the alert's key, for its proof.
        let view = try #require(try chain.queries.alerts(status: nil, page: PageRequest()).items.first)
        #expect(chain.state.value(for: view.key) != nil)
    }

    @Test("proposals with their approvals, pending or executed")
    func proposals() throws {
        var chain = TestChain()
        let code = TestChain.creditCode("11360000MB0000099")
        chain.govern(.registerOrganisation(id: "newco", name: "New Co", creditCode: code), id: "p1")
        chain.submit(
            .governance(
                .propose(
                    proposalID: "p2",
                    change: .registerOrganisation(
                        id: "other", name: "Other",
                        creditCode: TestChain.creditCode("11360000MB0000098")))),
            by: TestChain.admins[0])
        let queries = chain.queries
        func ids(_ status: ProposalStatus?) throws -> [String] {
            try walk(limit: 1) { try queries.proposals(status: status, page: $0) }.map(\.id)
        }
        #expect(try ids(nil) == ["p1", "p2"])
        #expect(try ids(.executed) == ["p1"])
        #expect(try ids(.pending) == ["p2"])
        let pending = try queries.proposals(status: .pending, page: PageRequest()).items
        #expect(pending.first?.approvals == [TestChain.admins[0].publicKey])
        #expect(try queries.proposal("p1")?.approvals.count == 2)
    }

    @Test("organisations, an organisation's keys and the validator set")
    func governanceLists() throws {
        let chain = TestChain()
        let queries = chain.queries
        let bureauKeys =
            (TestChain.admins + [TestChain.identityProvider]).map(\.publicKey)
        let keys = try walk(limit: 3) {
            try #require(try queries.keys(ofOrganisation: "bureau", page: $0))
        }
        #expect(Set(keys.map(\.publicKey)) == Set(bureauKeys))
        #expect(keys.map { RecordKeys.key($0.publicKey) } == keys.map { RecordKeys.key($0.publicKey) }.sorted())
        #expect(try queries.keys(ofOrganisation: "nobody", page: PageRequest()) == nil)
        #expect(throws: QueryError.self) {
            _ = try queries.keys(
                ofOrganisation: "bureau",
                page: PageRequest(cursor: Hex.encode(Array("org/bureau".utf8))))
        }
        let organisations = try walk(limit: 4) { try queries.organisations(page: $0) }
        #expect(organisations == (try queries.organisations))
        #expect(try queries.validators?.map(\.publicKey) == TestChain.validators.map(\.publicKey))
    }

    @Test("the paged scan of InMemoryState agrees with the generic one, from every position")
    func inMemoryScan() {
        let chain = chainWithUses()
        let generic = GenericStore(base: chain.state)
        let prefixes = ["idx/", "use/", "grant/", "zzz/", ""].map { StateKey($0) }
        for prefix in prefixes {
            let all = chain.state.entries(withPrefix: prefix)
            var positions: [StateKey?] = [nil, StateKey("a"), StateKey("idx/use"), StateKey("~")]
            positions += all.prefix(40).map { Optional($0.key) }
            for after in positions {
                for limit in [0, 1, 7] {
                    #expect(
                        chain.state.entries(withPrefix: prefix, after: after, limit: limit)
                            == generic.entries(withPrefix: prefix, after: after, limit: limit))
                }
            }
        }
    }
}

/// A store with only the two original requirements: it gets the protocol's default scan.
struct GenericStore: StateStore {
    let base: InMemoryState
    func value(for key: StateKey) -> [UInt8]? { base.value(for: key) }
    func entries(withPrefix prefix: StateKey) -> [StateEntry] { base.entries(withPrefix: prefix) }
}
