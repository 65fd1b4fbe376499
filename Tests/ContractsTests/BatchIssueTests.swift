import Contracts
import Ledger
import Testing

// Setup: the police migrate existing residence licences, the hospital its bills, in
// batches (issue 13 item 7).
@Suite("Batch issuance: bounded, all-or-nothing")
struct BatchIssueTests {
    func licences(_ count: Int, from: Int = 0) -> [LicenceIssue] {
        (from..<(from + count)).map { index in
            let id = Licences.residence("M\(index)")
            return LicenceIssue(
                licenceID: id, licenceType: TestChain.residenceType, holder: People.holder(0),
                fileDigest: Licences.digest(id), validFromMs: 0,
                validUntilMs: TestChain.genesisTimeMs + TestChain.dayMs)
        }
    }

    @Test("a batch issues every licence, or none when one row is refused (naming the row)")
    func allOrNothing() throws {
        var chain = TestChain()
        #expect(chain.submit(.licence(.issueBatch(licences(3))), by: TestChain.police).status == .ok)
        #expect(try chain.queries.licences(ofHolder: People.holder(0)).count == 3)
        // Rows 3 and 4 are new, row 5 repeats M0: nothing of the batch is written.
        let mixed = licences(2, from: 3) + licences(1)
        let refused = chain.submit(.licence(.issueBatch(mixed)), by: TestChain.police)
        #expect(refused.status == .alreadyExists)
        #expect(refused.message.contains("row 2"))
        #expect(try chain.queries.licences(ofHolder: People.holder(0)).count == 3)
        #expect(chain.submit(.licence(.issueBatch([])), by: TestChain.police).status == .invalidArgument)
        // Another issuer's type anywhere in the batch: refused before execution.
        var foreign = licences(1, from: 9)
        foreign[0].licenceType = TestChain.businessType
        #expect(
            chain.submit(.licence(.issueBatch(foreign)), by: TestChain.police).status
                == .licenceTypeNotPermitted)
    }

    @Test("a batch above 256 rows does not decode; 256 do")
    func bounded() throws {
        var chain = TestChain()
        #expect(
            chain.submit(.licence(.issueBatch(licences(257))), by: TestChain.police).status
                == .malformedCall)
        let full = ContractCall.licence(.issueBatch(licences(256)))
        #expect(full.argumentBytes.count < Transaction.maxEncodedBytes / 2)
        #expect(chain.submit(full, by: TestChain.police).status == .ok)
    }

    @Test("bills are issued in batches too, all or nothing")
    func bills() throws {
        var chain = TestChain()
        func bill(_ serial: Int) -> BillIssue {
            BillIssue(
                number: Bills.medical(serial), checkDigest: Bills.standInCheckDigest,
                issuedAtMs: TestChain.genesisTimeMs, totalFen: 100, categories: nil,
                payer: People.payer(1))
        }
        #expect(chain.submit(.bill(.issueBatch([bill(1), bill(2)])), by: TestChain.hospital).status == .ok)
        var bad = bill(3)
        bad.totalFen = 0
        #expect(
            chain.submit(.bill(.issueBatch([bill(4), bad])), by: TestChain.hospital).status
                == .invalidAmount)
        #expect(try chain.queries.billWallet(ofPayer: People.payer(1)).count == 2)
    }
}
