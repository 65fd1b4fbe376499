import Client
import Contracts
import Foundation
import GovChainAPI
import Ledger
import Testing

// Setup: a real 4-node cluster (slot 33), the built `govchain` binary and a small bill CSV:
// rows with printed check codes, one of them malformed.

extension EndToEnd {
@Suite("govchain bill import: check codes become Argon2id digests, per batch (real processes)", .serialized)
struct BillImportCLITests {
    struct Report: Decodable {
        let rows: Int
        let imported: Int
        let alreadyImported: Int
        let skippedBatches: Int
        let refused: [Refusal]
        struct Refusal: Decodable { let line: Int }
    }

    @Test("rows import in batches with their codes' digests; a bad code is refused by line; a rerun skips what is done")
    func importAndResume() async throws {
        let cluster = try LocalCluster(slot: 33)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let payer = HolderCommitment.make(pepper: Array("import".utf8), idNumber: "1", context: .bills)
        let serial = String(UInt64(Date().timeIntervalSince1970) % 1_000_000)
        let numbers = (1...3).map { "90\(serial.leftPadded(to: 6))0\($0)" }
        let csv = cluster.directory + "/bills.csv"
        try """
            kind,code,number,check_code,issued_at_ms,total_fen,payer_commitment
            medical,36012026,\(numbers[0]),7F3K9Q,1790000000000,1000,\(payer.hex)
            medical,36012026,\(numbers[1]),a1b2c3,1790000000000,2000,\(payer.hex)
            medical,36012026,\(numbers[2]),NOPE,1790000000000,3000,\(payer.hex)

            """.write(toFile: csv, atomically: true, encoding: .utf8)
        let command = [
            "--node", cluster.url(0), "--node", cluster.url(1), "--json",
            "--key", cluster.directory + "/keys/peoples-hospital.key",
            "bill", "import", "--csv", csv, "--batch-size", "1", "--no-progress",
        ]
        let first = try await VerifiedCLITests.govchain(command)
        #expect(first.status == 0, "\(first.stderr)")
        let report = try first.decode(Report.self)
        #expect(report.rows == 3 && report.imported == 2 && report.skippedBatches == 0)
        #expect(report.refused.map(\.line) == [4], "the malformed code's line is named")
        // On chain with the digest of the printed code (in any letter case), never the code.
        let client = try cluster.client("peoples-hospital")
        for (number, code) in [(numbers[0], "7f3k9q"), (numbers[1], "A1B2C3")] {
            let id = "M36012026" + number
            let bill = try #require(try await client.bill(id))
            let day = ChinaCalendar.date(ofMs: bill.issuedAtMs).description
            #expect(try await client.verifyBill(id: id, checkCode: code, issueDate: day).genuine)
            #expect(try await !client.verifyBill(id: id, checkCode: "ZZZZZZ", issueDate: day).genuine)
        }
        // A rerun finds both batches in the progress file: nothing is digested or sent again.
        let again = try await VerifiedCLITests.govchain(command)
        #expect(again.status == 0, "\(again.stderr)")
        let resumed = try again.decode(Report.self)
        #expect(resumed.imported == 0 && resumed.skippedBatches == 2)
    }
}
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
