import ArgumentParser
import Client
import Contracts
import GovChainAPI
import Ledger

// Bulk issuance of bills (`govchain bill import`), split from ImportCommands.swift, which
// holds the kind-independent importer.

/// A parsed bill row: the issue, and the printed check code whose Argon2id digest replaces
/// the placeholder in `issue` in `prepare`.
struct PendingBillIssue: Sendable {
    var issue: BillIssue
    let checkCode: String
}

/// `kind,code,number,check_code,issued_at_ms,total_fen,payer_commitment` with kind `medical`
/// (8-digit code, 10-digit number) or `tax` (empty code, 20-digit number), each with its
/// printed 6-character check code. The code is checked as the file is read and turned into
/// its Argon2id digest batch by batch, just before the batch is sent (about 0.1 s a row: the
/// issuer's cost by design, so the chain never holds anything a reader could brute-force
/// cheaply), so a resumed import spends nothing on the batches it skips.
struct BillImportKind: ImportKind {
    func parse(_ fields: [String]) throws -> (id: String, issue: PendingBillIssue) {
        let number: BillNumber
        switch try field(fields, 0, "kind") {
        case "medical":
            number = .medical(
                code: try field(fields, 1, "code"), number: try field(fields, 2, "number"))
        case "tax": number = .taxInvoice(number: try field(fields, 2, "number"))
        default: throw RowError(description: "kind must be medical or tax")
        }
        do { try number.validate() } catch { throw RowError(description: error.reason) }
        let issuedAtMs = try Self.number(fields, 4, "issued_at_ms")
        let totalFen = try Self.number(fields, 5, "total_fen")
        let payer = try hash(fields, 6, "payer_commitment")
        let checkCode = try field(fields, 3, "check_code")
        do { _ = try BillCheckDigest.normalise(checkCode) } catch {
            throw RowError(description: "check_code: \(error)")
        }
        // The digest comes in `prepare`; zero until then (the chain refuses zero, so a row
        // sent unprepared could never be issued).
        let issue = BillIssue(
            number: number, checkDigest: .zero, issuedAtMs: issuedAtMs, totalFen: totalFen,
            categories: nil, payer: payer)
        return (number.billID, PendingBillIssue(issue: issue, checkCode: checkCode))
    }

    func prepare(_ pending: PendingBillIssue) throws -> PendingBillIssue {
        var prepared = pending
        do {
            prepared.issue.checkDigest = try BillCheckDigest.make(
                billID: pending.issue.number.billID, checkCode: pending.checkCode)
        } catch {
            throw RowError(description: "check_code: \(error)")
        }
        return prepared
    }

    private static func number(_ fields: [String], _ index: Int, _ name: String) throws -> UInt64 {
        try ClientCLI.number(fields, index, name)
    }

    func batchCall(_ issues: [PendingBillIssue]) -> ContractCall { .bill(.issueBatch(issues.map(\.issue))) }
    func singleCall(_ pending: PendingBillIssue) -> ContractCall { .bill(.issue(pending.issue)) }

    func isOnChain(_ pending: PendingBillIssue, client: GovChainClient) async throws -> Bool {
        let issue = pending.issue
        guard let bill = try await client.bill(issue.number.billID) else { return false }
        return bill.payer == issue.payer.hex && bill.totalFen == issue.totalFen
            && bill.issuedAtMs == issue.issuedAtMs && bill.checkDigest == issue.checkDigest.hex
    }
}

extension BillCommand {
    struct Import: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Issue bills from a CSV in all-or-nothing batches; resumable.",
            discussion: """
                Columns: kind,code,number,check_code,issued_at_ms,total_fen,payer_commitment \
                (kind medical or tax, each with its printed check code, of which only the \
                Argon2id digest is sent, about 0.1 s a row, computed per batch as it is sent; \
                a header line is skipped). \
                Resumes from --progress-file \
                without duplicating; refused rows are listed with their reasons.
                Example: govchain --node http://127.0.0.1:8600 --key keys/peoples-hospital.key \
                bill import --csv bills.csv
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: ImportOptions

        func run() async throws {
            try await Importer.run(BillImportKind(), options: options, connection: connection)
        }
    }
}
