import Client
import Contracts
import Foundation
import Ledger
import Testing

// Setup: a real devnet (LocalCluster, 4 `govchain-node` processes on loopback, slots >= 10),
// the Client library's calls and typed queries, and the built `govchain` binary run as a
// process. Serialized: one cluster at a time is a full load for two cores.

@Suite("Client queries and the govchain CLI (real processes)", .serialized)
struct ClientCLITests {
    /// The output and exit status of one `govchain` run.
    struct Run {
        let status: Int32
        let stdout: Data
        let stderr: String

        func decode<Value: Decodable>(_: Value.Type) throws -> Value {
            try JSONDecoder().decode(Value.self, from: stdout)
        }
    }

    static func govchain(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtExecutable("govchain"))
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting: a full pipe would block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: stdout,
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    struct Uses: Decodable { let uses: [LicenceUseInfo] }
    struct Grants: Decodable { let grants: [GrantInfo] }
    struct Bills: Decodable { let bills: [BillInfo] }
    struct Receipt: Decodable {
        let tx_id: String
        let code: UInt32
        let height: UInt64
    }
    struct ErrorDocument: Decodable {
        struct Body: Decodable {
            let kind: String
            let exit_code: Int32
            let status_code: UInt32?
        }
        let error: Body
    }

    @Test(
        "licence -> grant -> use -> bill -> claim -> settle through the library; queries and CLI --json agree"
    )
    func domainFlow() async throws {
        let cluster = try LocalCluster(slot: 10)
        defer { cluster.shutdown() }
        try cluster.startAll()
        #expect(await cluster.eventually(seconds: 30) { (await cluster.height(0) ?? 0) >= 1 })

        let run = String(UInt64(Date().timeIntervalSince1970) % 1_000_000)
        let pepper = Array("test-identity-pepper".utf8)
        let pepperFile = cluster.directory + "/pepper.bin"
        _ = FileManager.default.createFile(
            atPath: pepperFile, contents: Data(pepper + [UInt8(ascii: "\n")]))
        let idNumber = "36010219900101\(run.suffix(4))"
        let holder = HolderCommitment.make(pepper: pepper, idNumber: idNumber)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)

        // Issue a licence, authorise housing-fund, use it.
        let police = try cluster.client("public-security")
        let licenceID = try #require(
            LicenceIdentifier.make(
                typeCode: "1110000", issuerCreditCode: "11360000MB00000024", serial: "T\(run)",
                version: 1))
        let fileDigest = SHA256.hash(Array("licence file \(run)".utf8))
        _ = try await police.submit(
            .licence(
                .issue(
                    LicenceIssue(
                        licenceID: licenceID, licenceType: "1110000", holder: holder,
                        fileDigest: fileDigest,
                        validFromMs: now - 60_000, validUntilMs: now + 86_400_000))))
        let grantID = "G\(run)"
        _ = try await cluster.client("identity-provider").submit(
            .authorisation(
                .grant(
                    GrantTerms(
                        grantID: grantID, holder: holder, granteeOrganisation: "housing-fund",
                        scope: GrantScope(licenceIDs: [licenceID]), purpose: "housing-loan",
                        validFromMs: now - 60_000, validUntilMs: now + 86_400_000),
                    .identityProvider)))
        let housing = try cluster.client("housing-fund")
        _ = try await housing.submit(
            .licenceUse(
                .use(
                    licenceID: licenceID, purpose: "housing-loan", itemCode: "HF-\(run)",
                    basis: .grant(grantID: grantID))))

        // Issue a bill, claim part of it, settle the claim.
        let number = BillNumber.medical(code: "36012026", number: run.leftPadded(to: 10))
        let billID = number.billID
        _ = try await cluster.client("peoples-hospital").submit(
            .bill(
                .issue(
                    BillIssue(
                        number: number, checkCode: "7F3K9Q", issuedAtMs: now, totalFen: 50_000,
                        categories: nil, payer: holder))))
        let insurer = try cluster.client("medical-insurance")
        let claimID = "C\(run)"
        _ = try await insurer.submit(
            .reimbursement(
                .claim([ClaimRequest(claimID: claimID, billID: billID, amountFen: 30_000)])))
        let settled = try await insurer.submit(.reimbursement(.settle(claimIDs: [claimID])))

        // The queries return what was done.
        let reader = try cluster.readClient(1)
        let licence = try #require(try await reader.licence(licenceID))
        #expect(
            licence.status == "issued" && licence.holder == holder
                && licence.fileDigest == fileDigest)
        #expect(licence.previousID == nil && licence.nextID == nil)
        #expect(
            try await reader.verifyLicence(id: "1110000.NONE", fileDigest: fileDigest).record == nil
        )
        let check = try await reader.verifyLicence(id: licenceID, fileDigest: fileDigest)
        #expect(check.valid && check.digestMatches)
        #expect(
            try await reader.verifyLicence(id: licenceID, fileDigest: SHA256.hash([1])).valid
                == false)
        #expect(try await reader.licenceHistory(licenceID).map(\.record?.id) == [licenceID])
        let uses = try await reader.uses(ofLicence: licenceID)
        #expect(uses.map(\.grantID) == [grantID] && uses.first?.userOrganisation == "housing-fund")
        let grants = try await reader.liveGrants(ofHolder: holder)
        #expect(grants.map(\.grantID) == [grantID] && grants.first?.terms.scope.licenceTypes == [])
        #expect(try await reader.licences(ofHolder: holder).map(\.id) == [licenceID])
        let bill = try #require(try await reader.bill(billID))
        #expect(
            bill.id == billID && bill.settledFen == 30_000 && bill.leftFen == 20_000
                && bill.redBillIDs == [])
        #expect(
            bill.categories == nil && bill.reversesBillID == nil && bill.number.number == number)
        let claims = try #require(try await reader.claims(ofBill: billID))
        #expect(
            claims.leftFen == 20_000 && claims.claims.map(\.status) == ["settled"]
                && claims.alerts.isEmpty)
        #expect(claims.claims.first?.category == nil)
        #expect(try await reader.amountLeft(ofBill: billID) == 20_000)
        #expect(try await reader.claim(claimID)?.amountFen == 30_000)
        #expect(try await reader.billWallet(ofPayer: holder).map(\.id) == [billID])
        #expect(
            try await reader.billHistory(billID).compactMap(\.record?.settledFen) == [0, 0, 30_000])
        #expect(try await reader.verifyBill(id: billID, checkCode: "7F3K9Q").genuine)
        #expect(try await reader.verifyBill(id: billID, checkCode: "000000").genuine == false)
        let receipt = try #require(try await reader.transactionInfo(settled.txID))
        #expect(receipt.code == 0 && receipt.height == settled.height)
        let block = try #require(try await reader.block(height: settled.height))
        #expect(block.transactions.contains(settled.txID))
        #expect(try await reader.latestBlock().height >= settled.height)
        #expect(try await reader.organisations().contains { $0.id == "peoples-hospital" })
        #expect(try await reader.organisation("no-such-org") == nil)
        #expect(try await reader.licence("1110000.11360000MB00000024.NONE.1.0") == nil)
        #expect(try await reader.evidence().isEmpty)

        // The CLI's --json output decodes into the same values for the same objects.
        let node = ["--node", cluster.url(2), "--json"]
        #expect(
            try Self.govchain(node + ["licence", "show", "--licence-id", licenceID]).decode(
                LicenceInfo.self) == licence)
        #expect(
            try Self.govchain(node + ["licence", "uses", "--licence-id", licenceID]).decode(
                Uses.self
            ).uses == uses)
        #expect(
            try Self.govchain(node + ["bill", "show", "--bill-id", billID]).decode(BillInfo.self)
                == bill)
        // as_of_height is each node's latest height at the time asked: compare the rest.
        let cliClaims = try Self.govchain(node + ["claim", "list", "--bill-id", billID]).decode(
            BillClaims.self)
        #expect(
            cliClaims.claims == claims.claims && cliClaims.leftFen == claims.leftFen
                && cliClaims.billID == billID)
        let cliGrants = try Self.govchain(
            node + ["auth", "list", "--holder-id", idNumber, "--pepper-file", pepperFile])
        #expect(try cliGrants.decode(Grants.self).grants == grants)
        // Each node keeps the commit certificate it collected: compare with the same node.
        let sameNode = try #require(try await cluster.readClient(2).block(height: settled.height))
        #expect(sameNode.hash == block.hash)
        #expect(
            try Self.govchain(node + ["block", "show", "--height", "\(settled.height)"]).decode(
                BlockInfo.self) == sameNode)

        // A CLI call: a bill issued with the payer's ID and pepper lands in the same wallet.
        let keys = cluster.directory + "/keys/"
        let issued = try Self.govchain(
            node + [
                "--key", keys + "peoples-hospital.key", "bill", "issue", "--kind", "tax",
                "--number", "2636200000000\(run.leftPadded(to: 7))", "--total-fen", "12000",
                "--payer-id", idNumber, "--pepper-file", pepperFile,
            ])
        #expect(issued.status == 0, "\(issued.stderr)")
        #expect(try issued.decode(Receipt.self).code == 0)
        #expect(try await reader.billWallet(ofPayer: holder).count == 2)

        // Refused by the contract: claiming more than is left exits 3 with the status code.
        let insurerKey = ["--key", keys + "commercial-insurer.key"]
        let over = try Self.govchain(
            node + insurerKey + [
                "claim", "claim", "--claim-id", "X\(run)", "--bill-id", billID, "--amount-fen",
                "20001",
            ])
        #expect(over.status == 3, "\(over.stderr)")
        let refusal = try over.decode(ErrorDocument.self).error
        #expect(refusal.kind == "refused" && refusal.status_code == 400 && refusal.exit_code == 3)
        let exact = try Self.govchain(
            node + insurerKey + [
                "claim", "claim", "--claim-id", "Y\(run)", "--bill-id", billID, "--amount-fen",
                "20000",
            ])
        #expect(exact.status == 0, "\(exact.stderr)")
        #expect(try await reader.amountLeft(ofBill: billID) == 0)

        // Not found, and rejected at admission (an unregistered key).
        #expect(
            try Self.govchain(node + ["claim", "show", "--claim-id", "none\(run)"]).status == 6)
        let stranger = cluster.directory + "/stranger.key"
        #expect(try Self.govchain(["keygen", "--out", stranger]).status == 0)
        let rejected = try Self.govchain(
            node + ["--key", stranger, "claim", "settle", "--claim-id", claimID])
        #expect(rejected.status == 5, "\(rejected.stderr)")
    }

    @Test("the CLI exits 4 when no node is reachable and 2 on invalid input")
    func exitCodes() throws {
        // Slot 11's API port: no cluster is started there.
        let nowhere = ["--node", "http://127.0.0.1:\(29_000 + 11 * 20)", "--json"]
        let status = try Self.govchain(nowhere + ["status"])
        #expect(status.status == 4, "\(status.stderr)")
        #expect(try status.decode(ErrorDocument.self).error.kind == "unreachable")
        let query = try Self.govchain(
            nowhere + ["bill", "show", "--bill-id", "M360120260000000001"])
        #expect(query.status == 4)
        #expect(
            try Self.govchain(nowhere + ["licence", "show", "--licence-id", "../etc"]).status == 2)
        #expect(
            try Self.govchain(nowhere + ["claim", "claim", "--claim-id", "c", "--bill-id", "b"])
                .status == 2)
        #expect(try Self.govchain(["status"]).status == 2)
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
