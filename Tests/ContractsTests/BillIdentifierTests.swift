import Contracts
import Ledger
import Testing

// Setup: the hospital issues bills on the test chain, whose block time is November 2023
// (China time). Every field of both national bill identifiers is checked.
@Suite("Bill identifiers checked in full; issue date verified; the wallet shows claims")
struct BillIdentifierTests {
    func issue(_ number: BillNumber, atMs: UInt64 = TestChain.genesisTimeMs) -> ContractCall {
        .bill(
            .issue(
                BillIssue(
                    number: number, checkDigest: Bills.standInCheckDigest,
                    issuedAtMs: atMs, totalFen: 1_000, categories: nil, payer: People.payer(0))))
    }

    func status(_ call: ContractCall) -> StatusCode? {
        var chain = TestChain()
        return chain.submit(call, by: TestChain.hospital).status
    }

    @Test("a 票据代码 needs a province region, a class and a type, and a year that fits")
    func medicalFields() throws {
        let number = "0000000001"
        #expect(status(issue(.medical(code: "36010123", number: number))) == .ok)
        // Stock of the year before is still used in January: accepted.
        #expect(status(issue(.medical(code: "36010122", number: number))) == .ok)
        for code in ["99010123", "00010123", "36000123", "36010023", "36010124", "36010120"] {
            #expect(
                status(issue(.medical(code: code, number: number))) == .invalidIdentifier,
                "code \(code)")
        }
    }

    @Test("a 数电票 number needs the issue year, a province and a channel")
    func taxInvoiceFields() throws {
        #expect(status(issue(.taxInvoice(number: "23362000000000000001"))) == .ok)
        for number in ["22362000000000000001", "23992000000000000001", "23360000000000000001"] {
            #expect(
                status(issue(.taxInvoice(number: number))) == .invalidIdentifier,
                "number \(number)")
        }
    }

    @Test("an issue date after the block time is refused; a few minutes of skew are not")
    func issueDate() throws {
        var chain = TestChain()
        let late = chain.timeMs + 3_600_000
        let refused = chain.submit(
            issue(Bills.medical(1), atMs: late), by: TestChain.hospital)
        #expect(refused.status == .invalidArgument)
        let skewed = chain.timeMs + 5 * 60_000
        #expect(
            chain.submit(issue(Bills.medical(2), atMs: skewed), by: TestChain.hospital).status
                == .ok)
    }

    @Test("a red bill is of the same kind as the bill it reverses, with valid fields")
    func redBillKind() throws {
        var chain = TestChain()
        chain.submit(issue(Bills.medical(1)), by: TestChain.hospital)
        func reverse(_ red: BillNumber) -> ContractCall {
            .bill(
                .reverse(
                    BillReversal(
                        billID: Bills.medical(1).billID, redNumber: red, amountFen: 100,
                        categories: nil)))
        }
        let tax = chain.submit(
            reverse(.taxInvoice(number: "23362000000000000009")), by: TestChain.hospital)
        #expect(tax.status == .invalidArgument)
        #expect(tax.message.contains("red bill must be one too"))
        #expect(
            chain.submit(reverse(.medical(code: "99010123", number: "0000000900")),
                by: TestChain.hospital).status == .invalidIdentifier)
        #expect(chain.submit(reverse(Bills.medical(900)), by: TestChain.hospital).status == .ok)
    }

    @Test("the wallet shows, per bill, who claimed what")
    func walletClaims() throws {
        var chain = TestChain()
        chain.submit(issue(Bills.medical(1)), by: TestChain.hospital)
        chain.submit(issue(Bills.medical(2)), by: TestChain.hospital)
        chain.submit(Bills.claim("c1", Bills.medical(1).billID, 300), by: TestChain.insurers[0])
        chain.submit(Bills.claim("c1", Bills.medical(1).billID, 200), by: TestChain.insurers[1])
        let wallet = try chain.queries.billWalletClaims(ofPayer: People.payer(0))
        #expect(wallet.map(\.bill.id) == [Bills.medical(1).billID, Bills.medical(2).billID])
        #expect(
            wallet[0].claims.map { "\($0.reimburserOrganisation) \($0.amountFen)" }
                == ["insurer0 300", "insurer1 200"])
        #expect(wallet[1].claims.isEmpty)
    }

    @Test("China dates from block time: UTC+8, leap years, year ends")
    func chinaCalendar() throws {
        #expect(ChinaCalendar.date(ofMs: 0).description == "1970-01-01")
        // 2024-02-29 16:00 UTC is already 1 March in China.
        #expect(ChinaCalendar.date(ofMs: 1_709_222_400_000).description == "2024-03-01")
        #expect(ChinaCalendar.date(ofMs: 1_709_164_800_000).description == "2024-02-29")
        // 2025-12-31 16:00 UTC is New Year's Day 2026 in China.
        #expect(ChinaCalendar.date(ofMs: 1_767_196_800_000).description == "2026-01-01")
        _ = ChinaCalendar.date(ofMs: .max)  // no trap at the far end
    }
}
