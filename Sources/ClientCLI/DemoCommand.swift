import ArgumentParser
import AsyncHTTPClient
import Client
import GovChainAPI
import Contracts
import Foundation
import KeyFiles
import Ledger

/// The `make run` walkthrough on a local devnet: licence issue, authorisation, licence use,
/// a medical e-bill, and two insurers racing to claim the same amount at two nodes.
struct DemoCommand: AsyncParsableCommand, ConnectedCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the demo workload against a local devnet (made by `govchain-node genesis devnet`).",
        discussion: """
            Example: govchain demo --localnet .localnet --node http://127.0.0.1:8600 --node http://127.0.0.1:8601
            Over HTTPS: --node https://127.0.0.1:8600 ... --ca-file .localnet-tls/ca.pem
            """)

    @Option(name: .long, help: "The devnet directory (genesis.json and keys/).") var localnet = ".localnet"
    @OptionGroup var connection: ConnectionOptions
    var node: [String] { connection.node }

    func validate() throws {
        guard node.count >= 2 else { throw ValidationError("give at least two --node URLs (the claims race at two nodes)") }
    }

    func run() async throws {
        try await connection.withHTTP { http in try await run(http: http) }
    }

    func run(http: HTTPClient) async throws {
        let chainID = try Self.chainID(genesisPath: localnet + "/genesis.json")
        func client(_ name: String, endpoints: [String]? = nil) throws -> GovChainClient {
            try GovChainClient(
                endpoints: endpoints ?? node, chainID: chainID,
                signer: KeyFile.read(from: "\(localnet)/keys/\(name).key"), http: http)
        }
        let police = try client("public-security")
        let identity = try client("identity-provider")
        let housing = try client("housing-fund")
        let hospital = try client("peoples-hospital")
        let insurerA = try client("medical-insurance", endpoints: [node[0]])
        let insurerB = try client("commercial-insurer", endpoints: [node[1]])
        let started = ContinuousClock.now
        let run = String(UInt64(Date().timeIntervalSince1970))  // fresh ids on every run
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        // The demo plays the identity provider too, through `identity commitment`'s own
        // function: one commitment for licences and grants, another, unlinkable one for bills.
        let pepper = Array("devnet-identity-pepper".utf8)
        let idNumber = "36010219900101\(run.suffix(4))"
        let holder = IdentityProvider.commitment(
            pepper: pepper, idNumber: idNumber, context: .authorisation)
        let payer = IdentityProvider.commitment(pepper: pepper, idNumber: idNumber, context: .bills)
        print("== GovChain demo on chain \(chainID) (\(CryptoSuite.active)), \(node.count) nodes")
        // The registries the calls below rely on, through governance (2 of the bureau's 3
        // admin keys). Registering again replaces, so every run may do it.
        let admins = try (1...2).map { try client("data-bureau-admin-\($0)") }
        let idCard = LicenceType(
            code: "1110000", name: "Resident identity card", issuers: ["public-security"],
            maxValidityDays: 7_305, reminderDays: 30)
        let typed = try await Self.govern(
            .registerLicenceType(idCard), id: "TYPE\(run)", admins: admins)
        print("0. governance registered licence type 1110000, reminders 30 days ahead (height \(typed))")
        let housingItem = DutyItem(
            itemCode: "HF-LOAN-001", name: "Housing loan review", purpose: "housing-loan",
            organisations: ["housing-fund"], licenceTypes: ["1110000"])
        let registered = try await Self.govern(
            .registerDutyItem(housingItem), id: "DUTY\(run)", admins: admins)
        print("0. governance registered service item HF-LOAN-001 (height \(registered))")

        let licenceID = LicenceIdentifier.make(
            typeCode: "1110000", issuerCreditCode: "11360000MB00000024", serial: "D\(run)", version: 1)!
        let fileDigest = ChainHash.hash(Array("ID card file \(run)".utf8))
        let issued = try await police.submit(.licence(.issue(LicenceIssue(
            licenceID: licenceID, licenceType: "1110000", holder: holder, fileDigest: fileDigest,
            validFromMs: now - 1_000, validUntilMs: now + 365 * 86_400_000))))
        print("1. public-security issued licence \(licenceID)  (height \(issued.height))")

        let grantID = "G\(run)"
        let granted = try await identity.submit(.authorisation(.grant(GrantTerms(
            grantID: grantID, holder: holder, granteeOrganisation: "housing-fund",
            scope: GrantScope(licenceIDs: [licenceID]), purpose: "housing-loan",

            consent: Consent(mode: .remote, channel: "app"),
            validFromMs: now - 1_000, validUntilMs: now + 86_400_000), .identityProvider)))
        print("2. holder authorised housing-fund (grant \(grantID), attested by the identity provider)  (height \(granted.height))")

        let used = try await housing.submit(.licenceUse(.use(
            useID: "U\(run)", licenceID: licenceID, purpose: "housing-loan", itemCode: "HF-LOAN-001", basis: .grant(grantID: grantID))))
        print("3. housing-fund used the licence under that grant  (height \(used.height))")

        let bill = BillNumber.medical(code: "360120\(ChinaCalendar.date(ofMs: now).year % 100)", number: String(run.suffix(10)).leftPadded(to: 10))
        // The hospital sends only the Argon2id digest of the printed check code.
        let checkDigest = try BillCheckDigest.make(billID: bill.billID, checkCode: "7F3K9Q")
        let billed = try await hospital.submit(.bill(.issue(BillIssue(
            number: bill, checkDigest: checkDigest, issuedAtMs: now, totalFen: 50_000, categories: nil, payer: payer))))
        print("4. peoples-hospital issued medical e-bill \(bill.billID) of 500.00 yuan  (height \(billed.height))")

        print("5. two insurers claim the same 500.00 yuan at two different nodes at once:")
        async let first = Self.claim(insurerA, claimID: "A\(run)", billID: bill.billID)
        async let second = Self.claim(insurerB, claimID: "B\(run)", billID: bill.billID)
        let outcomes = await [("medical-insurance @ \(node[0])", first), ("commercial-insurer @ \(node[1])", second)]
        for (who, outcome) in outcomes { print("   \(who): \(outcome)") }
        let claims = try await insurerA.claims(ofBill: bill.billID)
        print("6. bill \(bill.billID): \(claims?.leftFen ?? 0) fen left, \(claims?.claims.count ?? 0) claim(s) on chain")
        let status = try await police.status()
        let elapsed = ContinuousClock.now - started
        print("== done in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds]))): chain height \(status.height)")
    }

    /// Proposes a change with the first admin and approves it with the second; returns the
    /// height of the approval that executed it.
    static func govern(_ change: GovernanceChange, id: String, admins: [GovChainClient]) async throws -> UInt64 {
        _ = try await admins[0].submit(.governance(.propose(proposalID: id, change: change)))
        return try await admins[1].submit(.governance(.approve(proposalID: id))).height
    }

    static func claim(_ client: GovChainClient, claimID: String, billID: String) async -> String {
        do {
            let receipt = try await client.submit(.reimbursement(.claim([ClaimRequest(claimID: claimID, billID: billID, amountFen: 50_000)])))
            return "WON - claim \(claimID) locked at height \(receipt.height)"
        } catch {
            return "refused - \(error)"
        }
    }

    static func chainID(genesisPath: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: genesisPath))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let chainID = object["chainID"] as? String
        else { throw ValidationError("\(genesisPath) has no chainID") }
        return chainID
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
