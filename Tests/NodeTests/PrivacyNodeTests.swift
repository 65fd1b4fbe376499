import AsyncHTTPClient
import Client
import Contracts
import Foundation
import GovChainAPI
import Ledger
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

// Setup: a real 4-node cluster (slot 32) whose nodes serve reads only to signed requests
// (`api.reads = "signed"`, so they keep a read audit). One person gets a licence and a grant
// (their authorisation commitment) and a medical bill (their bills commitment, the check
// code sent only as its Argon2id digest); the hospital then reads and verifies the bill.
// Test: what a node leaves behind for its operators and auditors (its log, its /metrics
// text, its read-audit records, the transactions it serves) holds neither the ID number nor
// the check code, in plaintext or hex.

extension EndToEnd {
@Suite("Privacy of a real node: logs, metrics, read audit (real processes)", .serialized)
struct PrivacyNodeTests {
    static let idNumber = "36010219900101777X"
    static let checkCode = "R5T8W2"

    @Test("no ID number or check code in a node's log, /metrics, read audit or transactions")
    func nothingLeaks() async throws {
        let cluster = try LocalCluster(slot: 32)
        defer { cluster.shutdown() }
        for index in 0..<cluster.count {
            let path = cluster.dataDirectory(index) + "/config.toml"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "[api]\n", with: "[api]\nreads = 'signed'\n")
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        try await cluster.startAll()
        let (billID, issued) = try await Self.personsDay(on: cluster)
        // The hospital reads the bill and verifies the printed code (computed here).
        let hospital = try cluster.client("peoples-hospital", nodes: [0])
        let bill = try #require(try await hospital.bill(billID))
        let day = ChinaCalendar.date(ofMs: bill.issuedAtMs).description
        #expect(
            try await hospital.verifyBill(id: billID, checkCode: Self.checkCode, issueDate: day)
                .genuine)
        #expect(
            try await hospital.verifyBill(
                id: billID, checkCode: Self.checkCode.lowercased(), issueDate: day
            ).genuine)

        var haystacks: [String] = []
        let auditor = try cluster.client("audit-office", nodes: [0])
        let audit = try await Self.readAudit(auditor)
        #expect(
            audit.contains { $0.organisation == "peoples-hospital" && $0.request.contains(billID) })
        haystacks += audit.map { "\($0.organisation) \($0.key) \($0.request)" }
        let transaction = try #require(try await auditor.transactionInfo(issued.txID))
        haystacks.append(String(decoding: try JSONEncoder().encode(transaction), as: UTF8.self))
        for index in 0..<cluster.count {
            haystacks.append(try await Self.metrics(cluster.url(index)))
            let log = cluster.dataDirectory(index) + "/node.log"
            haystacks.append(try String(contentsOfFile: log, encoding: .utf8))
        }
        // Every place scanned holds something (an empty log or metrics page would pass
        // any scan).
        for haystack in haystacks { #expect(!haystack.isEmpty) }
        for needle in Self.needles {
            for haystack in haystacks {
                #expect(!haystack.contains(needle), "\(needle) found in: \(haystack.prefix(200))")
            }
        }
    }

    /// The ID number and check code as a reader might meet them: text in either case, and
    /// the lower-case hex of their bytes (how JSON answers carry transaction bytes).
    static var needles: [String] {
        [idNumber, checkCode].flatMap { text in
            [text, text.lowercased(), Hex.encode(Array(text.utf8)),
             Hex.encode(Array(text.lowercased().utf8))]
        }
    }

    /// A licence and a grant under the person's authorisation commitment, and a bill under
    /// their bills commitment: returns the bill's id and its issue's receipt.
    static func personsDay(on cluster: LocalCluster) async throws -> (String, CommittedReceipt) {
        let pepper = Array("privacy-test-pepper".utf8)
        let holder = HolderCommitment.make(
            pepper: pepper, idNumber: idNumber, context: .authorisation)
        let payer = HolderCommitment.make(pepper: pepper, idNumber: idNumber, context: .bills)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let run = String(UInt64(Date().timeIntervalSince1970) % 1_000_000)
        let licenceID = try #require(
            LicenceIdentifier.make(
                typeCode: "1110000", issuerCreditCode: "11360000MB00000024", serial: "PV\(run)",
                version: 1))
        _ = try await cluster.client("public-security").submit(
            .licence(
                .issue(
                    LicenceIssue(
                        licenceID: licenceID, licenceType: "1110000", holder: holder,
                        fileDigest: SHA256.hash(Array("licence file \(run)".utf8)),
                        validFromMs: now - 60_000, validUntilMs: now + 86_400_000))))
        let terms = GrantTerms(
            grantID: "PG\(run)", holder: holder, granteeOrganisation: "housing-fund",
            scope: GrantScope(licenceIDs: [licenceID]), purpose: "housing-loan",
            consent: Consent(mode: .remote, channel: "app"), validFromMs: now - 60_000,
            validUntilMs: now + 86_400_000)
        _ = try await cluster.client("identity-provider").submit(
            .authorisation(.grant(terms, .identityProvider)))
        let year = ChinaCalendar.date(ofMs: now).year % 100
        let serial = String(repeating: "0", count: max(0, 10 - run.count)) + run
        let number = BillNumber.medical(code: "360120\(year)", number: serial)
        let issue = BillIssue(
            number: number,
            checkDigest: try BillCheckDigest.make(billID: number.billID, checkCode: checkCode),
            issuedAtMs: now, totalFen: 50_000, categories: nil, payer: payer)
        let issued = try await cluster.client("peoples-hospital").submit(.bill(.issue(issue)))
        return (number.billID, issued)
    }

    /// Every record of a node's read audit (a few pages at most here).
    static func readAudit(_ auditor: GovChainClient) async throws -> [ReadAuditView] {
        var records: [ReadAuditView] = []
        var cursor: String?
        for _ in 0..<50 {
            let page = try await auditor.readAudit(cursor: cursor, limit: 500)
            records += page.items
            guard let next = page.nextCursor else { break }
            cursor = next
        }
        return records
    }

    /// A node's Prometheus text (an open route, unsigned).
    static func metrics(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: url + "/metrics"), timeout: .seconds(10))
        #expect(response.status.code == 200)
        let body = try await response.body.collect(upTo: 8 << 20)
        return String(buffer: body)
    }
}
}
