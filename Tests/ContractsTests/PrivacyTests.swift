import Contracts
import Ledger
import Testing

// Setup: every test identity holds a licence, binds a holder key, grants its use, is used,
// and pays a bill (with its own printed check code) that is claimed and partly reversed.
// Licences, grants and keys name the person's `authorisation` commitment; the bill names
// their `bills` commitment.
// Test: a reader of the whole chain (every stored key and value, every receipt with its
// events, every transaction's bytes) finds no ID number, licence file text or check code,
// and nothing that joins a person's two commitments.
@Suite("Privacy")
struct PrivacyTests {
    /// The printed check code of each person's bill: each one a needle of its own.
    static let checkCodes = ["K7Q2M9", "P4X8R1", "Z3N6T5", "B9W2J7"]

    /// What a reader of the whole chain holds after every person's day on it.
    struct Chain {
        var chain = TestChain()
        var transactions: [[UInt8]] = []

        /// State keys and values, receipts (with their events) and transaction bytes.
        var haystacks: [[UInt8]] {
            chain.state.allEntries.flatMap { [$0.key.bytes, $0.value] }
                + chain.results.flatMap(\.receipts).map(\.canonicalBytes)
                + chain.results.flatMap(\.blockEvents).map(\.canonicalBytes)
                + transactions
        }

        mutating func block(_ calls: [(ContractCall, SigningKey)]) {
            let made = calls.map { chain.transaction($0.0, by: $0.1) }
            transactions += made.map(\.canonicalBytes)
            chain.block(transactions: made)
        }
    }

    static func everyonesDay() -> Chain {
        var chain = Chain()
        for person in People.idNumbers.indices {
            let licence = Licences.residence("P\(person)")
            let bill = Bills.medical(100 + person)
            let terms = GrantTerms(
                grantID: "g\(person)", holder: People.holder(person), granteeOrganisation: "civil",
                scope: GrantScope(licenceIDs: [licence]), purpose: "SI-0101",
                consent: Consent(mode: .remote, channel: "app"), validFromMs: 0,
                validUntilMs: UInt64.max)
            let key = SigningKey.deterministic(label: "privacy-holder-\(person)").publicKey
            let use = LicenceUseCall.use(
                useID: "u\(person)", licenceID: licence, purpose: "SI-0101", itemCode: "SI-0101",
                basis: .grant(grantID: "g\(person)"))
            // The hospital sends only the Argon2id digest of the printed code.
            let digest = Bills.checkDigest(bill, code: checkCodes[person])
            let reversal = BillReversal(
                billID: bill.billID, redNumber: Bills.medical(200 + person), amountFen: 1_000,
                categories: nil)
            chain.block([
                (Licences.issue(licence, holder: People.holder(person)), TestChain.police),
                (
                    .authorisation(.bindHolderKey(holder: People.holder(person), holderKey: key)),
                    TestChain.identityProvider
                ),
                (.authorisation(.grant(terms, .identityProvider)), TestChain.identityProvider),
                (.licenceUse(use), TestChain.civil),
                (
                    Bills.issue(
                        bill, totalFen: 5_000, payer: People.payer(person), checkDigest: digest),
                    TestChain.hospital
                ),
                (Bills.claim("c\(person)", bill.billID, 2_000), TestChain.insurers[0]),
                (.bill(.reverse(reversal)), TestChain.hospital),
            ])
        }
        return chain
    }

    @Test("no ID number, licence file or check code in state, receipts, events or transactions")
    func noPlaintext() throws {
        let chain = Self.everyonesDay()
        #expect(chain.chain.results.allSatisfy { $0.receipts.allSatisfy(\.isSuccess) })
        let haystacks = chain.haystacks
        var needles = People.idNumbers.flatMap { [$0, $0.lowercased()] }
        needles += ["file of"]
        // A check code must appear nowhere, not even in the bill.issue transaction.
        needles += Self.checkCodes.flatMap { [$0, $0.lowercased()] }
        for needle in needles.map({ Array($0.utf8) }) {
            let found = haystacks.contains { haystack in haystack.contains(needle) }
            #expect(
                !found,
                "plaintext \(String(decoding: needle, as: UTF8.self)) found on chain")
        }
        #expect(try chain.chain.queries.billWallet(ofPayer: People.payer(2)).count == 2)
        // The wallet is the bills commitment's: the authorisation commitment has none.
        #expect(try chain.chain.queries.billWallet(ofPayer: People.holder(2)).isEmpty)
    }

    @Test("a person's two commitments differ, and nothing on chain holds both")
    func contextsAreUnlinked() throws {
        let chain = Self.everyonesDay()
        let haystacks = chain.haystacks
        for person in People.idNumbers.indices {
            let holder = People.holder(person)
            let payer = People.payer(person)
            #expect(holder != payer)
            // As raw bytes (records, arguments) or as hex (keys, event attributes).
            let forms = { (commitment: Hash256) in
                [commitment.bytes, Array(commitment.hex.utf8)]
            }
            let joined = haystacks.filter { haystack in
                forms(holder).contains { haystack.contains($0) }
                    && forms(payer).contains { haystack.contains($0) }
            }
            #expect(joined.isEmpty, "person \(person)'s two commitments are stored together")
            // Each context's commitment is on chain, so the scan above looked at both.
            #expect(haystacks.contains { $0.contains(holder.bytes) })
            #expect(haystacks.contains { $0.contains(payer.bytes) })
        }
    }

    @Test("a commitment depends on the pepper and the context, and normalises case and spaces")
    func commitment() throws {
        let id = People.idNumbers[0]
        for context in CommitmentContext.allCases {
            #expect(
                HolderCommitment.make(pepper: People.pepper, idNumber: id, context: context)
                    == HolderCommitment.make(
                        pepper: People.pepper, idNumber: " \(id.lowercased()) ", context: context))
            #expect(
                HolderCommitment.make(pepper: People.pepper, idNumber: id, context: context)
                    != HolderCommitment.make(
                        pepper: Array("other".utf8), idNumber: id, context: context))
        }
        #expect(
            HolderCommitment.make(pepper: People.pepper, idNumber: id, context: .authorisation)
                != HolderCommitment.make(pepper: People.pepper, idNumber: id, context: .bills))
    }

    @Test("one holder key cannot be bound to two commitments (it would join them)")
    func oneKeyOneCommitment() throws {
        var chain = TestChain()
        let key = SigningKey.deterministic(label: "privacy-one-key").publicKey
        func bind(_ holder: Hash256) -> Receipt {
            chain.submit(
                .authorisation(.bindHolderKey(holder: holder, holderKey: key)),
                by: TestChain.identityProvider)
        }
        #expect(bind(People.holder(0)).status == .ok)
        // Binding it again to the same commitment is harmless.
        #expect(bind(People.holder(0)).status == .ok)
        let refused = bind(People.payer(0))
        #expect(refused.status == .holderKeyBoundElsewhere)
        #expect(refused.message.contains("bound to another holder"))
        #expect(bind(People.holder(1)).status == .holderKeyBoundElsewhere)
        #expect(!chain.queries.isHolderKeyBound(People.payer(0), key))
        // Unbound (a lost key), it still serves no other commitment: the bound, unbound and
        // bound-again events would join the two on chain. Its own commitment may take it back.
        #expect(
            chain.submit(
                .authorisation(.unbindHolderKey(holder: People.holder(0), holderKey: key)),
                by: TestChain.identityProvider
            ).status == .ok)
        #expect(!chain.queries.isHolderKeyBound(People.holder(0), key))
        #expect(bind(People.payer(0)).status == .holderKeyBoundElsewhere)
        #expect(bind(People.holder(1)).status == .holderKeyBoundElsewhere)
        #expect(!chain.queries.isHolderKeyBound(People.holder(1), key))
        #expect(bind(People.holder(0)).status == .ok)
        #expect(chain.queries.isHolderKeyBound(People.holder(0), key))
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
