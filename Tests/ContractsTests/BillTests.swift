import Contracts
import Ledger
import Testing

// Setup: the hospital issues bills to payer 0; insurer0 and insurer1 reimburse.
@Suite("E-bills and reimbursement")
struct BillTests {
    let number = Bills.medical(1)
    var billID: String { number.billID }
    let split = CategoryAmounts(pooledFund: 6_000, personalAccount: 3_000, selfPaid: 1_000)

    func chainWithBill(
        categories: CategoryAmounts? = nil, checkDigest: Hash256 = Bills.standInCheckDigest
    ) -> TestChain {
        var chain = TestChain()
        chain.submit(
            Bills.issue(number, totalFen: 10_000, categories: categories, checkDigest: checkDigest),
            by: TestChain.hospital)
        return chain
    }

    func reverse(_ amountFen: UInt64, red: Int = 900, categories: CategoryAmounts? = nil)
        -> ContractCall
    {
        .bill(
            .reverse(
                BillReversal(
                    billID: billID, redNumber: Bills.medical(red), amountFen: amountFen,
                    categories: categories)))
    }

    @Test("both bill kinds normalise into one id with their kind, and verify by check code")
    func issueAndVerify() throws {
        var chain = chainWithBill(checkDigest: Bills.checkDigest(number))
        let tax = BillNumber.taxInvoice(number: "23362000000012345678")
        #expect(
            chain.submit(
                Bills.issue(
                    tax, totalFen: 500, checkDigest: Bills.checkDigest(tax, code: "K8M2Q4")),
                by: TestChain.hospital
            ).status == .ok)
        #expect(billID == "M360101230000000001" && tax.billID == "T23362000000012345678")
        // Genesis, 2023-11-14 22:13 UTC, is the 15th in China.
        let day = ChinaCalendar.date(ofMs: TestChain.genesisTimeMs)
        #expect(day.description == "2023-11-15")
        func verify(_ number: BillNumber, _ code: String, _ day: ChinaCalendar.Date) throws
            -> BillVerification
        {
            try chain.queries.verifyBill(
                number: number, checkDigest: Bills.checkDigest(number, code: code), issueDate: day)
        }
        #expect(try verify(number, "A1B2C3", day).isGenuine)
        // The code is normalised to upper case before it is digested.
        #expect(try verify(number, "a1b2c3", day).isGenuine)
        #expect(try !verify(number, "ZZZZZZ", day).isGenuine)
        let dayBefore = ChinaCalendar.date(ofMs: TestChain.genesisTimeMs - TestChain.dayMs)
        let wrongDay = try verify(number, "A1B2C3", dayBefore)
        #expect(!wrongDay.isGenuine && wrongDay.checkMatches && !wrongDay.dateMatches)
        // A tax e-invoice verifies by its check code now, never by its (public) total.
        #expect(try verify(tax, "K8M2Q4", day).isGenuine)
        #expect(try !verify(tax, "A1B2C3", day).isGenuine)
        #expect(
            try chain.queries.billWallet(ofPayer: People.payer(0)).map(\.id)
                == [billID, tax.billID])
    }

    @Test("the check digest is Argon2id, salted per bill, and all zero is refused")
    func checkDigestRules() throws {
        // One code on two bills gives two digests: no table serves two bills.
        #expect(Bills.checkDigest(number) != Bills.checkDigest(Bills.medical(2)))
        #expect(throws: BillCheckDigest.Failure.malformedCode) {
            try BillCheckDigest.make(billID: billID, checkCode: "A1B2C")
        }
        #expect(throws: BillCheckDigest.Failure.malformedCode) {
            try BillCheckDigest.make(billID: billID, checkCode: "A1B2C!")
        }
        var chain = TestChain()
        let receipt = chain.submit(
            Bills.issue(number, totalFen: 100, checkDigest: .zero), by: TestChain.hospital)
        #expect(receipt.status == .invalidArgument)
        #expect(receipt.message.contains("check digest is all zero"))
    }

    @Test("malformed numbers and category amounts that miss the total are refused")
    func badInput() throws {
        var chain = TestChain()
        #expect(
            chain.submit(
                Bills.issue(.medical(code: "123", number: "1"), totalFen: 1), by: TestChain.hospital
            )
            .status == .invalidIdentifier)
        #expect(
            chain.submit(
                Bills.issue(number, totalFen: 10_000, categories: CategoryAmounts(selfPaid: 1)),
                by: TestChain.hospital
            ).status == .invalidAmount)
        #expect(
            chain.submit(Bills.issue(number, totalFen: 100), by: TestChain.insurers[0]).status
                == .missingRole)
    }

    @Test("a claim over the remaining amount is refused naming what is left")
    func overClaim() throws {
        var chain = chainWithBill()
        #expect(
            chain.submit(Bills.claim("c1", billID, 7_000), by: TestChain.insurers[0]).status == .ok)
        let receipt = chain.submit(Bills.claim("c2", billID, 4_000), by: TestChain.insurers[1])
        #expect(receipt.status == .amountExceedsRemaining)
        #expect(receipt.message.contains("3000 fen left"))
        #expect(try chain.queries.amountLeft(ofBill: billID) == 3_000)
    }

    @Test("two reimbursers claiming the same amount in one block: the first wins")
    func raceInOneBlock() throws {
        var chain = chainWithBill()
        let result = chain.block([
            (Bills.claim("a", billID, 10_000), TestChain.insurers[1]),
            (Bills.claim("b", billID, 10_000), TestChain.insurers[0]),
        ])
        #expect(result.receipts.map(\.status) == [.ok, .amountExceedsRemaining])
        #expect(result.receipts[1].message.contains("0 fen left"))
        #expect(
            try chain.queries.claims(ofBill: billID).map(\.reimburserOrganisation) == ["insurer1"])
    }

    @Test("a replayed claim id is a no-op with the same amount and a refusal with another")
    func replay() throws {
        var chain = chainWithBill()
        chain.submit(Bills.claim("c1", billID, 4_000), by: TestChain.insurers[0])
        let same = chain.submit(Bills.claim("c1", billID, 4_000), by: TestChain.insurers[0])
        #expect(same.status == .ok && same.events.first?.type == "replayed")
        #expect(
            chain.submit(Bills.claim("c1", billID, 5_000), by: TestChain.insurers[0]).status
                == .claimConflict)
        #expect(try chain.queries.bill(billID)?.lockedFen == 4_000)
    }

    @Test("claim ids are scoped by reimburser: another insurer's c1 is its own claim")
    func claimIDsScopedByReimburser() throws {
        var chain = chainWithBill()
        chain.submit(Bills.claim("c1", billID, 4_000), by: TestChain.insurers[0])
        #expect(
            chain.submit(Bills.claim("c1", billID, 4_000), by: TestChain.insurers[1]).status == .ok)
        // Neither can settle, release or replace the other's c1: each reaches only its own.
        #expect(
            chain.submit(.reimbursement(.release(claimIDs: ["c1"])), by: TestChain.insurers[1])
                .status == .ok)
        #expect(try chain.queries.claim(reimburser: "insurer0", id: "c1")?.status == .locked)
        #expect(try chain.queries.claim(reimburser: "insurer1", id: "c1")?.status == .released)
        #expect(try chain.queries.bill(billID)?.lockedFen == 4_000)
        #expect(
            try chain.queries.claims(ofBill: billID).map(\.reimburserOrganisation)
                == ["insurer0", "insurer1"])
        #expect(
            chain.submit(.reimbursement(.settle(claimIDs: ["c2"])), by: TestChain.insurers[1])
                .status == .notFound)
    }

    @Test("a fully reversed bill cannot be claimed")
    func reversedBill() throws {
        var chain = chainWithBill()
        #expect(chain.submit(reverse(10_000), by: TestChain.hospital).status == .ok)
        #expect(try chain.queries.bill(billID)?.status == .reversed)
        #expect(try chain.queries.bill(Bills.medical(900).billID)?.reversesBillID == billID)
        #expect(
            chain.submit(Bills.claim("c1", billID, 1), by: TestChain.insurers[0]).status
                == .billReversed)
    }

    @Test("a partial reversal leaves the rest claimable")
    func partialReversal() throws {
        var chain = chainWithBill()
        chain.submit(reverse(2_500), by: TestChain.hospital)
        #expect(try chain.queries.bill(billID)?.status == .partiallyReversed)
        #expect(
            chain.submit(Bills.claim("c1", billID, 7_501), by: TestChain.insurers[0]).status
                == .amountExceedsRemaining)
        #expect(
            chain.submit(Bills.claim("c1", billID, 7_500), by: TestChain.insurers[0]).status == .ok)
    }

    @Test("reversing a bill with settled claims writes an alert")
    func alertOnReversal() throws {
        var chain = chainWithBill()
        chain.submit(Bills.claim("c1", billID, 6_000), by: TestChain.insurers[0])
        chain.submit(.reimbursement(.settle(claimIDs: ["c1"])), by: TestChain.insurers[0])
        let receipt = chain.submit(reverse(10_000), by: TestChain.hospital)
        #expect(receipt.status == .ok && receipt.events.map(\.type) == ["reversed", "alert"])
        #expect(try chain.queries.alerts(ofBill: billID).first?.settledFen == 6_000)
    }

    @Test("a batch of claims is all-or-nothing")
    func atomicBatch() throws {
        var chain = chainWithBill()
        let batch = ContractCall.reimbursement(
            .claim([
                ClaimRequest(claimID: "c1", billID: billID, amountFen: 5_000),
                ClaimRequest(claimID: "c2", billID: billID, amountFen: 6_000),
            ]))
        #expect(chain.submit(batch, by: TestChain.insurers[0]).status == .amountExceedsRemaining)
        #expect(try chain.queries.claim(reimburser: "insurer0", id: "c1") == nil)
        #expect(try chain.queries.bill(billID)?.lockedFen == 0)
    }

    @Test("settle and release are idempotent and final")
    func settleRelease() throws {
        var chain = chainWithBill()
        chain.submit(Bills.claim("c1", billID, 3_000), by: TestChain.insurers[0])
        chain.submit(Bills.claim("c2", billID, 3_000), by: TestChain.insurers[0])
        #expect(
            chain.submit(.reimbursement(.settle(claimIDs: ["c1"])), by: TestChain.insurers[1])
                .status
                == .notFound)
        #expect(
            chain.submit(
                .reimbursement(.settle(claimIDs: ["c1", "c1"])), by: TestChain.insurers[0]
            ).status == .ok)
        #expect(
            chain.submit(.reimbursement(.release(claimIDs: ["c2"])), by: TestChain.insurers[0])
                .status == .ok)
        #expect(
            chain.submit(.reimbursement(.release(claimIDs: ["c2"])), by: TestChain.insurers[0])
                .status == .ok)
        #expect(
            chain.submit(.reimbursement(.release(claimIDs: ["c1"])), by: TestChain.insurers[0])
                .status
                == .invalidTransition)
        #expect(
            chain.submit(.reimbursement(.settle(claimIDs: ["c2"])), by: TestChain.insurers[0])
                .status
                == .invalidTransition)
        let bill = try chain.queries.bill(billID)
        #expect(bill?.settledFen == 3_000 && bill?.lockedFen == 0 && bill?.leftFen == 7_000)
        #expect(try chain.queries.billHistory(billID).count == 5)
    }

    @Test("a category claim never exceeds that category's amount")
    func categories() throws {
        var chain = chainWithBill(categories: split)
        #expect(
            chain.submit(
                Bills.claim("c1", billID, 6_000, category: .pooledFund), by: TestChain.insurers[0]
            )
            .status == .ok)
        #expect(
            chain.submit(
                Bills.claim("c2", billID, 1, category: .pooledFund), by: TestChain.insurers[1]
            )
            .status == .categoryExceedsRemaining)
        #expect(
            chain.submit(
                Bills.claim("c3", billID, 500, category: .selfPaid), by: TestChain.insurers[1]
            )
            .status == .ok)
        #expect(
            chain.submit(
                reverse(1_000, categories: CategoryAmounts(personalAccount: 1_000)),
                by: TestChain.hospital
            )
            .status == .ok)
        #expect(
            chain.submit(
                Bills.claim("c4", billID, 2_001, category: .personalAccount),
                by: TestChain.insurers[1]
            )
            .status == .categoryExceedsRemaining)
        #expect(try chain.queries.amountLeft(ofBill: billID) == 2_500)
    }
}
