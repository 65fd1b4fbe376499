import Client
import GovChainAPI
import Contracts
import Foundation
import Ledger
import Testing

// Setup: a real devnet (LocalCluster, 4 `govchain-node` processes on loopback, slots >= 10),
// the Client library's calls and typed queries, and the built `govchain` binary run as a
// process. Serialized: one cluster at a time is a full load for two cores.

extension EndToEnd {
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

    static func govchain(
        _ arguments: [String], environment: [String: String]? = nil, input: String? = nil
    ) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtExecutable("govchain"))
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            // Small inputs only: the pipe's buffer takes them before the child reads.
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        // Read before waiting: a full pipe would block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: stdout,
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    struct Uses: Decodable { let uses: [LicenceUseView] }
    struct Grants: Decodable { let grants: [GrantView] }
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

    /// What the domain flow did, for the checks that follow.
    struct Flow {
        let cluster: LocalCluster
        let run: String
        let pepperFile: String
        let idNumber: String
        /// The person's commitments: licences and grants, and (unlinkable) bills.
        let holder: Hash256
        let payer: Hash256
        let licenceID: String
        let fileDigest: Hash256
        let grantID: String
        let number: BillNumber
        let claimID: String
        let settled: CommittedReceipt

        var billID: String { number.billID }
    }

    /// The library's answers the CLI must match.
    struct Answers {
        let licence: LicenceView
        let uses: [LicenceUseView]
        let grants: [GrantView]
        let bill: BillView
        let claims: BillClaimsView
    }

    @Test(
        "licence -> grant -> use -> bill -> claim -> settle via the library; queries and CLI agree"
    )
    func domainFlow() async throws {
        let cluster = try LocalCluster(slot: 10)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        #expect(await cluster.eventually(seconds: 30) { (await cluster.height(0) ?? 0) >= 1 })
        let flow = try await Self.runFlow(on: cluster)
        let answers = try await Self.checkQueries(flow, reader: try cluster.readClient(1))
        try await Self.checkCLIOutput(flow, answers)
        try await Self.checkCLICalls(flow, reader: try cluster.readClient(1))
    }

    /// Issue a licence, authorise housing-fund, use the licence; issue a bill, claim part of
    /// it and settle the claim: all through the library.
    static func runFlow(on cluster: LocalCluster) async throws -> Flow {
        let run = String(UInt64(Date().timeIntervalSince1970) % 1_000_000)
        let pepper = Array("test-identity-pepper".utf8)
        let pepperFile = cluster.directory + "/pepper.bin"
        _ = FileManager.default.createFile(
            atPath: pepperFile, contents: Data(pepper + [UInt8(ascii: "\n")]))
        let idNumber = "36010219900101\(run.suffix(4))"
        let holder = HolderCommitment.make(
            pepper: pepper, idNumber: idNumber, context: .authorisation)
        let payer = HolderCommitment.make(pepper: pepper, idNumber: idNumber, context: .bills)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let licenceID = try #require(
            LicenceIdentifier.make(
                typeCode: "1110000", issuerCreditCode: "11360000MB00000024", serial: "T\(run)",
                version: 1))
        let fileDigest = SHA256.hash(Array("licence file \(run)".utf8))
        let issue = LicenceIssue(
            licenceID: licenceID, licenceType: "1110000", holder: holder, fileDigest: fileDigest,
            validFromMs: now - 60_000, validUntilMs: now + 86_400_000)
        _ = try await cluster.client("public-security").submit(.licence(.issue(issue)))
        let grantID = "G\(run)"
        let terms = GrantTerms(
            grantID: grantID, holder: holder, granteeOrganisation: "housing-fund",
            scope: GrantScope(licenceIDs: [licenceID]), purpose: "housing-loan",
            consent: Consent(mode: .remote, channel: "app"), validFromMs: now - 60_000,
            validUntilMs: now + 86_400_000)
        _ = try await cluster.client("identity-provider").submit(
            .authorisation(.grant(terms, .identityProvider)))
        let use = LicenceUseCall.use(
            // A grant-based use names the grant's purpose itself (or an item registered
            // under it: docs/contracts.md, the duty registry).
            useID: "U\(run)", licenceID: licenceID, purpose: "housing-loan",
            itemCode: "housing-loan", basis: .grant(grantID: grantID))
        _ = try await cluster.client("housing-fund").submit(.licenceUse(use))

        let year = ChinaCalendar.date(ofMs: now).year % 100
        let number = BillNumber.medical(code: "360120\(year)", number: run.leftPadded(to: 10))
        let bill = BillIssue(
            number: number,
            checkDigest: try BillCheckDigest.make(billID: number.billID, checkCode: "7F3K9Q"),
            issuedAtMs: now, totalFen: 50_000, categories: nil, payer: payer)
        _ = try await cluster.client("peoples-hospital").submit(.bill(.issue(bill)))
        let insurer = try cluster.client("medical-insurance")
        let claimID = "C\(run)"
        let request = ClaimRequest(claimID: claimID, billID: number.billID, amountFen: 30_000)
        _ = try await insurer.submit(.reimbursement(.claim([request])))
        let settled = try await insurer.submit(.reimbursement(.settle(claimIDs: [claimID])))
        return Flow(
            cluster: cluster, run: run, pepperFile: pepperFile, idNumber: idNumber,
            holder: holder, payer: payer, licenceID: licenceID, fileDigest: fileDigest,
            grantID: grantID,
            number: number, claimID: claimID, settled: settled)
    }

    /// The licence side of the queries returns what was done.
    static func checkQueries(_ flow: Flow, reader: GovChainClient) async throws -> Answers {
        let licence = try #require(try await reader.licence(flow.licenceID))
        #expect(licence.status == "issued" && licence.holder == flow.holder.hex)
        #expect(licence.fileDigest == flow.fileDigest.hex)
        #expect(licence.previousID == nil && licence.nextID == nil)
        let unknown = try await reader.verifyLicence(
            id: "1110000.NONE", fileDigest: flow.fileDigest)
        #expect(unknown.record == nil && unknown.status == "unknown")
        let check = try await reader.verifyLicence(id: flow.licenceID, fileDigest: flow.fileDigest)
        #expect(check.valid && check.digestMatches)
        let forged = try await reader.verifyLicence(
            id: flow.licenceID, fileDigest: SHA256.hash([1]))
        #expect(forged.valid == false)
        #expect(
            try await reader.licenceHistory(flow.licenceID).map(\.record?.id) == [flow.licenceID])
        let uses = try await reader.uses(ofLicence: flow.licenceID)
        #expect(uses.map(\.grantID) == [flow.grantID])
        #expect(uses.first?.userOrganisation == "housing-fund")
        // The lists behind the newer routes: uses by holder, grant and organisation.
        #expect(try await reader.uses(ofHolder: flow.holder) == uses)
        #expect(try await reader.uses(ofGrant: flow.grantID) == uses)
        #expect(try await reader.uses(ofOrganisation: "housing-fund").contains(uses[0]))
        #expect(try await reader.grants(ofHolder: flow.holder, status: .revoked).isEmpty)
        let grants = try await reader.liveGrants(ofHolder: flow.holder)
        #expect(grants.map(\.grantID) == [flow.grantID])
        #expect(grants.first?.scope.licenceTypes == [])
        #expect(try await reader.licences(ofHolder: flow.holder).map(\.id) == [flow.licenceID])
        #expect(try await reader.organisations().contains { $0.id == "peoples-hospital" })
        #expect(try await reader.organisation("no-such-org") == nil)
        #expect(try await reader.licence("1110000.11360000MB00000024.NONE.1.0") == nil)
        #expect(try await reader.evidence().isEmpty)
        let (bill, claims) = try await checkBillQueries(flow, reader: reader)
        return Answers(licence: licence, uses: uses, grants: grants, bill: bill, claims: claims)
    }

    /// The bill side of the queries, and blocks and receipts.
    static func checkBillQueries(
        _ flow: Flow, reader: GovChainClient
    ) async throws -> (BillView, BillClaimsView) {
        let bill = try #require(try await reader.bill(flow.billID))
        #expect(bill.id == flow.billID && bill.kind == "medical")
        #expect(bill.settledFen == 30_000 && bill.leftFen == 20_000 && bill.redBillIDs == [])
        #expect(bill.categories == nil && bill.reversesBillID == nil)
        let claims = try #require(try await reader.claims(ofBill: flow.billID))
        #expect(claims.leftFen == 20_000 && claims.alerts.isEmpty)
        #expect(claims.claims.map(\.status) == ["settled"] && claims.claims.first?.category == nil)
        #expect(try await reader.amountLeft(ofBill: flow.billID) == 20_000)
        let claim = try await reader.claim(reimburser: "medical-insurance", id: flow.claimID)
        #expect(claim?.amountFen == 30_000)
        let settled = try await reader.claims(ofReimburser: "medical-insurance", status: "settled")
        #expect(settled.map(\.claimID).contains(flow.claimID))
        #expect(try await reader.alerts(open: true).isEmpty)
        let wallet = try await reader.billWallet(ofPayer: flow.payer)
        #expect(try await reader.billWallet(ofPayer: flow.holder).isEmpty)
        #expect(wallet.map(\.bill.id) == [flow.billID])
        #expect(wallet.first?.claims.map(\.reimburserOrganisation) == ["medical-insurance"])
        let trail = try await reader.billHistory(flow.billID)
        #expect(trail.compactMap(\.record?.settledFen) == [0, 0, 30_000])
        let day = ChinaCalendar.date(ofMs: bill.issuedAtMs).description
        #expect(
            try await reader.verifyBill(id: flow.billID, checkCode: "7F3K9Q", issueDate: day)
                .genuine)
        #expect(
            try await reader.verifyBill(id: flow.billID, checkCode: "000000", issueDate: day)
                .genuine == false)
        let receipt = try #require(try await reader.transactionInfo(flow.settled.txID))
        #expect(receipt.code == 0 && receipt.height == flow.settled.height)
        let block = try #require(try await reader.block(height: flow.settled.height))
        #expect(block.transactions.contains(flow.settled.txID.hex))
        #expect(try await reader.latestBlock().height >= flow.settled.height)
        return (bill, claims)
    }

    /// The CLI's --json output decodes into the library's values for the same objects.
    static func checkCLIOutput(_ flow: Flow, _ answers: Answers) async throws {
        let node = ["--node", flow.cluster.url(2), "--json"]
        let licence = try govchain(node + ["licence", "show", "--licence-id", flow.licenceID])
        #expect(try licence.decode(LicenceView.self) == answers.licence)
        let uses = try govchain(node + ["licence", "uses", "--licence-id", flow.licenceID])
        #expect(try uses.decode(Uses.self).uses == answers.uses)
        let byGrant = try govchain(node + ["use", "list", "--grant-id", flow.grantID])
        #expect(try byGrant.decode(Uses.self).uses == answers.uses, "\(byGrant.stderr)")
        struct Claims: Decodable { let claims: [ClaimView] }
        struct Alerts: Decodable { let alerts: [AlertStandingView] }
        let settled = try govchain(
            node + ["claim", "by-reimburser", "--reimburser", "medical-insurance", "--status", "settled"])
        #expect(try settled.decode(Claims.self).claims.contains { $0.claimID == flow.claimID })
        #expect(try govchain(node + ["bill", "alerts", "--status", "open"]).decode(Alerts.self).alerts.isEmpty)
        let bill = try govchain(node + ["bill", "show", "--bill-id", flow.billID])
        #expect(try bill.decode(BillView.self) == answers.bill)
        // as_of_height is each node's latest height at the time asked: compare the rest.
        let claims = try govchain(node + ["claim", "list", "--bill-id", flow.billID])
            .decode(BillClaimsView.self)
        #expect(claims.claims == answers.claims.claims && claims.leftFen == answers.claims.leftFen)
        // The identity provider's command makes the commitments the library made.
        for (context, commitment) in [("authorisation", flow.holder), ("bills", flow.payer)] {
            let made = try govchain([
                "identity", "commitment", "--context", context, "--id-number", flow.idNumber,
                "--pepper-file", flow.pepperFile, "--suite", LocalCluster.processSuite,
            ])
            #expect(made.status == 0, "\(made.stderr)")
            let printed = String(decoding: made.stdout, as: UTF8.self)
            #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == commitment.hex)
            // The same from standard input (ID numbers kept off the command line), in a batch.
            let batch = try govchain(
                [
                    "identity", "commitment", "--context", context, "--pepper-file",
                    flow.pepperFile, "--suite", LocalCluster.processSuite,
                ], input: "\(flow.idNumber)\r\n\n  \(flow.idNumber.lowercased())  \n\(flow.idNumber)")
            #expect(batch.status == 0, "\(batch.stderr)")
            #expect(
                String(decoding: batch.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
                    == [commitment.hex, commitment.hex, commitment.hex])
            // A line no ID number is that long is refused by its number, and never echoed.
            let long = try govchain(
                [
                    "identity", "commitment", "--context", context, "--pepper-file",
                    flow.pepperFile, "--suite", LocalCluster.processSuite,
                ], input: String(repeating: "7", count: 300) + "\n")
            #expect(long.status == 2 && long.stderr.contains("line 1 of standard input is longer"))
            #expect(!long.stderr.contains("777"))
        }
        let grants = try govchain(
            node + ["auth", "list", "--holder-commitment", flow.holder.hex])
        #expect(try grants.decode(Grants.self).grants == answers.grants)
        // A grant shown verified (its standing walked over proven records) is the node's view.
        let genesis = flow.cluster.directory + "/genesis.json"
        let grant = try govchain(
            node + ["auth", "show", "--grant-id", flow.grantID, "--genesis", genesis])
        #expect(grant.status == 0, "\(grant.stderr)")
        #expect(try grant.decode(GrantView.self) == answers.grants.first)
        let revoked = try govchain(
            node + [
                "auth", "list", "--holder-commitment", flow.holder.hex, "--status", "revoked",
            ])
        #expect(try revoked.decode(Grants.self).grants.isEmpty, "\(revoked.stderr)")
        // Each node keeps the commit certificate it collected: compare with the same node.
        let height = flow.settled.height
        let sameNode = try #require(try await flow.cluster.readClient(2).block(height: height))
        let block = try govchain(node + ["block", "show", "--height", "\(height)"])
        #expect(try block.decode(BlockView.self) == sameNode)
    }

    /// Calls through the CLI: success, refusal (3), not found (6), rejection (5).
    static func checkCLICalls(_ flow: Flow, reader: GovChainClient) async throws {
        let node = ["--node", flow.cluster.url(2), "--json"]
        let keys = flow.cluster.directory + "/keys/"
        // A tax e-invoice issued with the payer's bills commitment lands in the same wallet,
        // and verifies by its check code (never by its total).
        let taxNumber = "2636200000000\(flow.run.leftPadded(to: 7))"
        let issued = try govchain(
            node + [
                "--key", keys + "peoples-hospital.key", "bill", "issue", "--kind", "tax",
                "--number", taxNumber, "--check-code", "K8M2Q4", "--total-fen", "12000",
                "--payer-commitment", flow.payer.hex,
            ])
        #expect(issued.status == 0, "\(issued.stderr)")
        #expect(try issued.decode(Receipt.self).code == 0)
        #expect(try await reader.billWallet(ofPayer: flow.payer).count == 2)
        let taxBill = try #require(try await reader.bill("T" + taxNumber))
        let day = ChinaCalendar.date(ofMs: taxBill.issuedAtMs).description
        struct Check: Decodable { let genuine: Bool }
        for (code, genuine) in [("k8m2q4", true), ("12000A", false)] {
            let verified = try govchain(
                node + [
                    "bill", "verify", "--bill-id", "T" + taxNumber, "--check-code", code,
                    "--issue-date", day,
                ])
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(try verified.decode(Check.self).genuine == genuine)
        }
        // Claiming more than is left is refused by the contract: exit 3 with the status code.
        let claim = node + ["--key", keys + "commercial-insurer.key", "claim", "claim"]
        let over = try govchain(
            claim + [
                "--claim-id", "X\(flow.run)", "--bill-id", flow.billID, "--amount-fen", "20001",
            ])
        #expect(over.status == 3, "\(over.stderr)")
        let refusal = try over.decode(ErrorDocument.self).error
        #expect(refusal.kind == "refused" && refusal.status_code == 400 && refusal.exit_code == 3)
        let exact = try govchain(
            claim + [
                "--claim-id", "Y\(flow.run)", "--bill-id", flow.billID, "--amount-fen", "20000",
            ])
        #expect(exact.status == 0, "\(exact.stderr)")
        #expect(try await reader.amountLeft(ofBill: flow.billID) == 0)
        // Not found; rejected at admission (an unregistered key).
        #expect(
            try govchain(
                node + [
                    "claim", "show", "--reimburser", "medical-insurance", "--claim-id",
                    "none\(flow.run)",
                ]
            ).status == 6)
        let stranger = flow.cluster.directory + "/stranger.key"
        #expect(
            try govchain(["keygen", "--suite", LocalCluster.processAlgorithm, "--out", stranger])
                .status == 0)
        let rejected = try govchain(
            node + ["--key", stranger, "claim", "settle", "--claim-id", flow.claimID])
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
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
