import Contracts
import Ledger

/// A test chain: genesis with one organisation per role, and a driver that executes blocks
/// over an in-memory state the way a node would.
struct TestChain {
    static let chainID = "govchain-test"
    static let genesisTimeMs: UInt64 = 1_700_000_000_000
    static let dayMs: UInt64 = 86_400_000

    static let admins = (0..<3).map { SigningKey.deterministic(label: "admin-\($0)") }
    static let identityProvider = SigningKey.deterministic(label: "identity-provider")
    static let police = SigningKey.deterministic(label: "police-issuer")
    static let market = SigningKey.deterministic(label: "market-issuer")
    static let civil = SigningKey.deterministic(label: "civil-user")
    static let tax = SigningKey.deterministic(label: "tax-user")
    static let hospital = SigningKey.deterministic(label: "hospital")
    static let insurers = (0..<2).map { SigningKey.deterministic(label: "insurer-\($0)") }
    static let auditor = SigningKey.deterministic(label: "auditor")
    static let validators = (0..<4).map { SigningKey.deterministic(label: "validator-\($0)") }

    /// Licence type codes (digits and capitals, as the identifier check requires).
    static let residenceType = "110001"
    static let businessType = "330002"

    static func creditCode(_ first17: String) -> String {
        first17 + String(CheckCharacters.creditCodeCheck(first17)!)
    }

    static let policeCode = creditCode("11360000MB1234567")
    static let marketCode = creditCode("11360000MB7654321")

    static var genesis: Genesis {
        func org(_ id: String, _ code: String, _ keys: [OrganisationKey]) -> Organisation {
            Organisation(id: id, name: id, creditCode: code, keys: keys)
        }
        let organisations = [
            org(
                "bureau", creditCode("11360000MB0000001"),
                admins.map { OrganisationKey(publicKey: $0.publicKey, roles: [.admin]) }
                    + [
                        OrganisationKey(
                            publicKey: identityProvider.publicKey, roles: [.identityProvider])
                    ]),
            org(
                "police", policeCode,
                [
                    OrganisationKey(
                        publicKey: police.publicKey, roles: [.licenceIssuer, .licenceUser],
                        licenceTypes: [residenceType])
                ]),
            org(
                "market", marketCode,
                [
                    OrganisationKey(
                        publicKey: market.publicKey, roles: [.licenceIssuer],
                        licenceTypes: [businessType])
                ]),
            org(
                "civil", creditCode("11360000MB0000002"),
                [OrganisationKey(publicKey: civil.publicKey, roles: [.licenceUser])]),
            org(
                "tax", creditCode("11360000MB0000003"),
                [OrganisationKey(publicKey: tax.publicKey, roles: [.licenceUser])]),
            org(
                "hospital", creditCode("12360000MB0000004"),
                [OrganisationKey(publicKey: hospital.publicKey, roles: [.billIssuer])]),
            org(
                "insurer0", creditCode("91360000MA0000005"),
                [OrganisationKey(publicKey: insurers[0].publicKey, roles: [.reimburser])]),
            org(
                "insurer1", creditCode("91360000MA0000006"),
                [OrganisationKey(publicKey: insurers[1].publicKey, roles: [.reimburser])]),
            org(
                "audit", creditCode("11360000MB0000007"),
                [OrganisationKey(publicKey: auditor.publicKey, roles: [.auditor])]),
        ]
        return Genesis(
            chainID: chainID, genesisTimeMs: genesisTimeMs,
            validators: validators.enumerated().map {
                Validator(
                    name: "v\($0.offset)", publicKey: $0.element.publicKey,
                    address: "127.0.0.1:\(7000 + $0.offset)",
                    networkKey: SigningKey.deterministic(label: "network:v\($0.offset)").publicKey)
            },
            organisations: organisations, adminThreshold: 2, consensus: ConsensusParameters())
    }

    var state = InMemoryState(applying: genesisState(TestChain.genesis))
    var height: UInt64 = 0
    var timeMs: UInt64 = TestChain.genesisTimeMs
    private var counter: UInt64 = 0
    /// Every block's result, for determinism checks.
    var results: [BlockResult] = []

    var queries: ContractQueries<InMemoryState> { ContractQueries(state: state) }

    mutating func transaction(_ call: ContractCall, by signer: SigningKey) -> Transaction {
        counter += 1
        var unique = [UInt8](repeating: 0, count: 8)
        withUnsafeBytes(of: counter.bigEndian) { unique.append(contentsOf: $0) }
        return call.transaction(
            chainID: TestChain.chainID, signer: signer, uniqueID: unique,
            validUntilHeight: height + 100)
    }

    /// Executes one block of calls and applies its writes.
    @discardableResult
    mutating func block(_ calls: [(ContractCall, SigningKey)], advanceMs: UInt64 = 1_000)
        -> BlockResult
    {
        let transactions = calls.map { transaction($0.0, by: $0.1) }
        return block(transactions: transactions, advanceMs: advanceMs)
    }

    @discardableResult
    mutating func block(transactions: [Transaction], advanceMs: UInt64 = 1_000) -> BlockResult {
        height += 1
        timeMs += advanceMs
        let result = BlockExecutor.execute(
            transactions: transactions, height: height, timeMs: timeMs, over: state)
        state.apply(result.writes)
        results.append(result)
        return result
    }

    /// A governance change as the calls that make it: a proposal by one admin and the
    /// approval of a second (the test chain's threshold is 2), in one block.
    static func governance(_ change: GovernanceChange, id: String) -> [(ContractCall, SigningKey)]
    {
        [
            (.governance(.propose(proposalID: id, change: change)), admins[0]),
            (.governance(.approve(proposalID: id)), admins[1]),
        ]
    }

    /// Proposes and approves a change in one block; returns the refused proposal's receipt,
    /// or else the approval's.
    @discardableResult
    mutating func govern(_ change: GovernanceChange, id: String) -> Receipt {
        let receipts = block(TestChain.governance(change, id: id)).receipts
        return receipts[0].isSuccess ? receipts[1] : receipts[0]
    }

    /// One call in its own block.
    @discardableResult
    mutating func submit(_ call: ContractCall, by signer: SigningKey, advanceMs: UInt64 = 1_000)
        -> Receipt
    {
        block([(call, signer)], advanceMs: advanceMs).receipts[0]
    }
}

extension Receipt {
    var status: StatusCode? { StatusCode(rawValue: code) }
}

/// Test identities: the plaintext must never reach state or events.
enum People {
    static let pepper = Array("per-chain pepper of the identity provider".utf8)
    static let idNumbers = [
        "36010219900101123X", "360102198512120021", "360102200007070513", "36010219791111002X",
    ]
    /// The person's commitment for licences, grants, mandates and uses.
    static func holder(_ index: Int) -> Hash256 {
        HolderCommitment.make(pepper: pepper, idNumber: idNumbers[index], context: .authorisation)
    }

    /// The same person's commitment as a bill's payer (unlinkable to `holder`).
    static func payer(_ index: Int) -> Hash256 {
        HolderCommitment.make(pepper: pepper, idNumber: idNumbers[index], context: .bills)
    }

    /// Which test person a commitment is, if any.
    static func index(of holder: Hash256?) -> Int? {
        idNumbers.indices.first { self.holder($0) == holder }
    }
}

enum Licences {
    /// A valid GB/T 36904 identifier for a licence of `type` issued by the organisation `code`.
    static func id(type: String, issuer: String, serial: String, version: UInt32 = 1) -> String {
        LicenceIdentifier.make(
            typeCode: type, issuerCreditCode: issuer, serial: serial, version: version)!
    }

    static func residence(_ serial: String, version: UInt32 = 1) -> String {
        id(
            type: TestChain.residenceType, issuer: TestChain.policeCode, serial: serial,
            version: version)
    }

    static func issue(
        _ id: String, holder: Hash256, type: String = TestChain.residenceType, fromMs: UInt64 = 0,
        untilMs: UInt64 = TestChain.genesisTimeMs + 365 * TestChain.dayMs
    ) -> ContractCall {
        .licence(
            .issue(
                LicenceIssue(
                    licenceID: id, licenceType: type, holder: holder, fileDigest: digest(id),
                    validFromMs: fromMs,
                    validUntilMs: untilMs)))
    }

    static func digest(_ id: String) -> Hash256 { SHA256.hash(Array("file of \(id)".utf8)) }
}

enum Bills {
    static func medical(_ serial: Int) -> BillNumber {
        let number = String(serial)
        return .medical(
            // Region 36, class 01, type 01, year 23: the test chain runs in November 2023.
            code: "36010123", number: String(repeating: "0", count: 10 - number.count) + number)
    }

    /// The printed check code of every test bill.
    static let checkCode = "A1B2C3"

    /// A stand-in check digest for bills whose code no test verifies: the contracts store
    /// any non-zero digest as given, and an Argon2id per bill (0.1 s, 64 MiB) would make
    /// the suites that issue thousands of bills crawl.
    static let standInCheckDigest = SHA256.hash(Array("stand-in check digest".utf8))

    /// The real Argon2id digest of `checkCode` for `number`, for tests that verify.
    static func checkDigest(_ number: BillNumber, code: String = checkCode) -> Hash256 {
        guard let digest = try? BillCheckDigest.make(billID: number.billID, checkCode: code) else {
            preconditionFailure("test check code \(code) does not digest")
        }
        return digest
    }

    static func issue(
        _ number: BillNumber, totalFen: UInt64, categories: CategoryAmounts? = nil,
        payer: Hash256 = People.payer(0), checkDigest: Hash256 = standInCheckDigest
    ) -> ContractCall {
        .bill(
            .issue(
                BillIssue(
                    number: number, checkDigest: checkDigest, issuedAtMs: TestChain.genesisTimeMs,
                    totalFen: totalFen,
                    categories: categories, payer: payer)))
    }

    static func claim(
        _ claimID: String, _ billID: String, _ amountFen: UInt64, category: BillCategory? = nil
    )
        -> ContractCall
    {
        .reimbursement(
            .claim([
                ClaimRequest(
                    claimID: claimID, billID: billID, category: category, amountFen: amountFen)
            ]))
    }
}
