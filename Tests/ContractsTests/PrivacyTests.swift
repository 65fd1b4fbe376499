import Contracts
import Ledger
import Testing

// Setup: every test identity holds a licence, grants its use, is used, and pays a bill that
// is claimed and partly reversed.
@Suite("Privacy")
struct PrivacyTests {
    @Test("no ID number, licence file or bill check code appears in any stored byte or event")
    func noPlaintext() throws {
        var chain = TestChain()
        for person in People.idNumbers.indices {
            let licence = Licences.residence("P\(person)")
            let bill = Bills.medical(100 + person)
            let terms = GrantTerms(
                grantID: "g\(person)", holder: People.holder(person), granteeOrganisation: "civil",
                scope: GrantScope(licenceIDs: [licence]), purpose: "SI-0101",
                consent: Consent(mode: .remote, channel: "app"), validFromMs: 0,
                validUntilMs: UInt64.max)
            chain.block([
                (Licences.issue(licence, holder: People.holder(person)), TestChain.police),
                (.authorisation(.grant(terms, .identityProvider)), TestChain.identityProvider),
                (
                    .licenceUse(
                        .use(
                            useID: "u\(person)", licenceID: licence, purpose: "SI-0101",
                            itemCode: "SI-0101",
                            basis: .grant(grantID: "g\(person)"))),
                    TestChain.civil
                ),
                (
                    Bills.issue(bill, totalFen: 5_000, payer: People.holder(person)),
                    TestChain.hospital
                ),
                (Bills.claim("c\(person)", bill.billID, 2_000), TestChain.insurers[0]),
                (
                    .bill(
                        .reverse(
                            BillReversal(
                                billID: bill.billID, redNumber: Bills.medical(200 + person),
                                amountFen: 1_000,
                                categories: nil))), TestChain.hospital
                ),
            ])
        }
        #expect(chain.results.allSatisfy { $0.receipts.allSatisfy(\.isSuccess) })
        var haystacks: [[UInt8]] = chain.state.allEntries.flatMap { [$0.key.bytes, $0.value] }
        haystacks += chain.results.flatMap(\.receipts).map(\.canonicalBytes)
        var needles = People.idNumbers.flatMap { [$0, $0.lowercased()] }.map { Array($0.utf8) }
        needles += [Array("file of".utf8), Array("A1B2C3".utf8)]
        for needle in needles {
            let found = haystacks.contains { haystack in haystack.contains(needle) }
            #expect(
                !found,
                "plaintext \(String(decoding: needle, as: UTF8.self)) found in state or events")
        }
        #expect(try chain.queries.billWallet(ofPayer: People.holder(2)).count == 2)
    }

    @Test("a commitment depends on the pepper and normalises case and spaces")
    func commitment() throws {
        let id = People.idNumbers[0]
        #expect(
            HolderCommitment.make(pepper: People.pepper, idNumber: id)
                == HolderCommitment.make(pepper: People.pepper, idNumber: " \(id.lowercased()) "))
        #expect(
            HolderCommitment.make(pepper: People.pepper, idNumber: id)
                != HolderCommitment.make(pepper: Array("other".utf8), idNumber: id))
    }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<start + needle.count].elementsEqual(needle) { return true }
        }
        return false
    }
}
