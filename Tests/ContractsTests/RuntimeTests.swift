import Contracts
import Ledger
import Testing

// Setup: the genesis of `TestChain`; each test drives blocks through `BlockExecutor`.
@Suite("Runtime")
struct RuntimeTests {
    @Test("a call survives the trip through a signed transaction and back")
    func callRoundTrip() throws {
        var chain = TestChain()
        let call = Licences.issue(Licences.residence("A0001"), holder: People.holder(0))
        let tx = chain.transaction(call, by: TestChain.police)
        let decoded = try Transaction(canonicalBytes: tx.canonicalBytes)
        #expect(try ContractCall(transaction: decoded) == call)
        #expect(tx.contract == "licence" && tx.method == "issue")
    }

    @Test("unknown contracts, unknown methods and trailing bytes are typed decoding errors")
    func decodingErrors() throws {
        #expect(throws: CallDecodingError.unknownContract("nope")) {
            try ContractCall(contract: "nope", method: "x", arguments: [1])
        }
        #expect(throws: CallDecodingError.unknownMethod(contract: "licence", method: "burn")) {
            try ContractCall(contract: "licence", method: "burn", arguments: [1])
        }
        var bytes = ContractCall.governance(.approve(proposalID: "p1")).argumentBytes
        bytes.append(0)
        #expect(
            throws: CallDecodingError.malformedArguments(
                contract: "governance", method: "approve", .trailingBytes(count: 1))
        ) {
            try ContractCall(contract: "governance", method: "approve", arguments: bytes)
        }
    }

    @Test("a malformed call yields a 1xx receipt and no state change")
    func malformedCallReceipt() throws {
        var chain = TestChain()
        // A first block sets the reminder sweep's cursor; the next, in the same minute of
        // block time, leaves it alone, so only the call could change state.
        chain.block([])
        let before = chain.state.digest
        let tx = Transaction.signed(
            chainID: TestChain.chainID, signer: TestChain.police,
            uniqueID: [UInt8](repeating: 7, count: 16),
            validUntilHeight: 10, contract: "licence", method: "issue", arguments: [1, 2, 3])
        let receipt = chain.block(transactions: [tx]).receipts[0]
        #expect(receipt.status == .malformedCall)
        #expect(receipt.message.hasPrefix("malformed call"))
        #expect(chain.state.digest == before)
    }

    @Test("checkTx refuses strangers, missing roles and other chains, accepts permitted calls")
    func checkTx() throws {
        var chain = TestChain()
        let call = Licences.issue(Licences.residence("A0001"), holder: People.holder(0))
        let stranger = SigningKey.deterministic(label: "stranger")
        func check(_ tx: Transaction) -> StatusCode? {
            if case let .failure(error) = BlockExecutor.checkTx(tx, over: chain.state) {
                return error.code
            }
            return .ok
        }
        #expect(check(chain.transaction(call, by: TestChain.police)) == .ok)
        #expect(check(chain.transaction(call, by: stranger)) == .unknownSender)
        #expect(check(chain.transaction(call, by: TestChain.civil)) == .missingRole)
        #expect(check(chain.transaction(call, by: TestChain.market)) == .licenceTypeNotPermitted)
        let foreign = call.transaction(
            chainID: "other", signer: TestChain.police, uniqueID: [UInt8](repeating: 1, count: 16),
            validUntilHeight: 9)
        #expect(check(foreign) == .wrongChain)
    }

    @Test("a failed call leaves state untouched while later calls in the block see earlier writes")
    func blockSemantics() throws {
        var chain = TestChain()
        let id = Licences.residence("A0001")
        let result = chain.block([
            (Licences.issue(id, holder: People.holder(0)), TestChain.police),
            (Licences.issue(id, holder: People.holder(1)), TestChain.police),
            (.licence(.suspend(licenceID: id, reason: "check")), TestChain.police),
        ])
        #expect(result.receipts.map(\.status) == [.ok, .alreadyExists, .ok])
        #expect(result.receipts[1].events.isEmpty)
        #expect(try chain.queries.licence(id)?.status == .suspended)
        #expect(try chain.queries.licence(id)?.holder == People.holder(0))
        #expect(result.writes.map(\.key) == result.writes.map(\.key).sorted())
        #expect(Set(result.writes.map(\.key)).count == result.writes.count)
    }

    @Test("the same block over the same state gives byte-identical receipts and write sets")
    func determinism() throws {
        var first = TestChain()
        var second = TestChain()
        let calls: [(ContractCall, SigningKey)] = [
            (
                Licences.issue(Licences.residence("A0001"), holder: People.holder(0)),
                TestChain.police
            ),
            (Bills.issue(Bills.medical(1), totalFen: 10_000), TestChain.hospital),
            (Bills.claim("c1", Bills.medical(1).billID, 4_000), TestChain.insurers[0]),
        ]
        let transactions = calls.map { first.transaction($0.0, by: $0.1) }
        let a = first.block(transactions: transactions)
        let b = second.block(transactions: transactions)
        #expect(a == b)
        #expect(a.receipts.map(\.canonicalBytes) == b.receipts.map(\.canonicalBytes))
        #expect(first.state.digest == second.state.digest)
    }

    @Test("an expired transaction is refused by the block")
    func expiredTransaction() throws {
        var chain = TestChain()
        let tx = Licences.issue(Licences.residence("A0001"), holder: People.holder(0)).transaction(
            chainID: TestChain.chainID, signer: TestChain.police,
            uniqueID: [UInt8](repeating: 3, count: 16),
            validUntilHeight: 0)
        #expect(chain.block(transactions: [tx]).receipts[0].status == .transactionExpired)
    }

    @Test("history keeps every version of a record in chain order")
    func history() throws {
        var chain = TestChain()
        let id = Licences.residence("A0001")
        chain.submit(Licences.issue(id, holder: People.holder(0)), by: TestChain.police)
        chain.submit(.licence(.suspend(licenceID: id, reason: "lost")), by: TestChain.police)
        chain.submit(.licence(.resume(licenceID: id)), by: TestChain.police)
        let trail = try chain.queries.licenceHistory(id)
        #expect(trail.map(\.height) == [1, 2, 3])
        let statuses = trail.compactMap { $0.value }.map { try? LicenceRecord(canonicalBytes: $0) }
            .map { $0?.status }
        #expect(statuses == [.issued, .suspended, .issued])
        #expect(chain.results[1].history.map(\.key).contains(StateKey("licence/\(id)")))
    }

    @Test("genesis state holds organisations, keys with roles and the chain parameters")
    func genesis() throws {
        let chain = TestChain()
        #expect(try chain.queries.chainParameters?.adminThreshold == 2)
        #expect(try chain.queries.organisation("police")?.keys == [TestChain.police.publicKey])
        #expect(
            try chain.queries.key(TestChain.police.publicKey)?.licenceTypes
                == [TestChain.residenceType]
        )
        #expect(try chain.queries.organisations.count == 9)
    }
}

@Suite("Identifiers")
struct IdentifierTests {
    @Test("a GB 32100 credit code with a wrong check character is refused")
    func creditCode() throws {
        let code = TestChain.policeCode
        #expect(CheckCharacters.isValidCreditCode(code))
        let wrong = String(code.dropLast()) + (code.last == "0" ? "1" : "0")
        #expect(!CheckCharacters.isValidCreditCode(wrong))
        #expect(!CheckCharacters.isValidCreditCode("1136"))
    }

    @Test("ISO 7064 MOD 37,36 catches every single-character change of a licence id")
    func mod3736() throws {
        let id = Licences.residence("SERIAL9")
        _ = try LicenceIdentifier(parsing: id)
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let characters = Array(id)
        for index in characters.indices
        where characters[index] != "." && index < 6 || index == characters.count - 1 {
            for replacement in alphabet where replacement != characters[index] {
                var changed = characters
                changed[index] = replacement
                #expect(throws: ContractError.self) {
                    try LicenceIdentifier(parsing: String(changed))
                }
            }
        }
    }

    @Test("a licence id names type, issuer, serial and version")
    func parse() throws {
        let identifier = try LicenceIdentifier(parsing: Licences.residence("X1", version: 3))
        #expect(identifier.typeCode == TestChain.residenceType)
        #expect(identifier.issuerCreditCode == TestChain.policeCode)
        #expect(identifier.serial == "X1" && identifier.version == 3)
    }
}
