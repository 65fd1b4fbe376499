import Contracts
import Ledger
import Testing

// Setup: one valid call per method; its argument bytes are truncated and bit-flipped at
// random (seeded), and fed to the decoder and to a block.
@Suite("Hostile input")
struct HostileInputTests {
    static let samples: [ContractCall] = [
        .governance(.propose(proposalID: "p", change: .removeKey(TestChain.civil.publicKey))),
        .governance(.approve(proposalID: "p")),
        Licences.issue(Licences.residence("H1"), holder: People.holder(0)),
        .licence(.revoke(licenceID: "x", reason: "y")),
        .authorisation(
            .grant(
                GrantTerms(
                    grantID: "g", holder: People.holder(0), granteeOrganisation: "civil",
                    scope: GrantScope(licenceTypes: ["110001"]), purpose: "P",
                    consent: Consent(mode: .remote, channel: "app"), validFromMs: 0,
                    validUntilMs: 9),
                .holderSignature(
                    holderKey: TestChain.civil.publicKey, signature: TestChain.civil.sign([1])))),
        .authorisation(
            .delegate(grantID: "g", newGrantID: "h", agentOrganisation: "tax", validUntilMs: 5)),
        .licenceUse(
            .use(
                useID: "u", licenceID: "l", purpose: "p", itemCode: "i",
                basis: .grant(grantID: "g"))),
        Bills.issue(Bills.medical(1), totalFen: 10, categories: CategoryAmounts(selfPaid: 10)),
        .bill(
            .reverse(
                BillReversal(
                    billID: "b", redNumber: .taxInvoice(number: "1"), amountFen: 1, categories: nil)
            )),
        .reimbursement(
            .claim([ClaimRequest(claimID: "c", billID: "b", category: .selfPaid, amountFen: 1)])),
        .reimbursement(.settle(claimIDs: ["c", "d"])),
    ]

    @Test("mutated argument bytes never crash the decoder or the executor")
    func mutatedArguments() {
        var random = SplitMix64(seed: 42)
        var chain = TestChain()
        var transactions: [Transaction] = []
        for call in Self.samples {
            for _ in 0..<200 {
                var bytes = call.argumentBytes
                if Bool.random(using: &random) {
                    bytes.removeLast(Int.random(in: 0...bytes.count, using: &random))
                } else if !bytes.isEmpty {
                    let index = Int.random(in: 0..<bytes.count, using: &random)
                    bytes[index] ^= UInt8.random(in: 1...255, using: &random)
                }
                _ = try? ContractCall(
                    contract: call.contractName, method: call.methodName, arguments: bytes)
                if transactions.count < 300 {
                    transactions.append(
                        Transaction.signed(
                            chainID: TestChain.chainID, signer: TestChain.admins[0],
                            uniqueID: (0..<16).map { _ in UInt8.random(in: 0...255, using: &random)
                            },
                            validUntilHeight: 10, contract: call.contractName,
                            method: call.methodName,
                            arguments: bytes))
                }
            }
        }
        let result = chain.block(transactions: transactions)
        #expect(result.receipts.count == transactions.count)
    }

    @Test("every sample call round-trips through its argument bytes")
    func roundTrip() throws {
        for call in Self.samples {
            #expect(
                try ContractCall(
                    contract: call.contractName, method: call.methodName,
                    arguments: call.argumentBytes)
                    == call)
        }
    }
}
