import ArgumentParser
import Client
import GovChainAPI
import Contracts
import Foundation
import Ledger

/// Bulk issuance (issue 13 item 7): reads a CSV, signs and submits it in all-or-nothing
/// batches (`licence.issueBatch` / `bill.issueBatch`) with several in flight, shows
/// progress on stderr, records each committed batch in a progress file so an interrupted
/// import resumes without duplicating anything, and reports refused rows with reasons.
///
/// Batches are cut from the CSV deterministically (valid rows in file order), so a rerun
/// finds the same batches and skips those the progress file lists. A batch that committed
/// but was not recorded (the tool was killed between the two) is refused on resubmission
/// (301); the importer then checks its rows one by one: a row already on chain with the
/// same content counts as imported, any other row is submitted alone, so a refusal names it.
struct ImportOptions: ParsableArguments {
    @Option(name: .long, help: "The CSV file (a header line is skipped).") var csv: String
    @Option(name: .customLong("batch-size"), help: "Rows per transaction (1...256).")
    var batchSize = LicenceCall.maxBatch
    @Option(name: .customLong("in-flight"), help: "Batches submitted at once (1...64).")
    var inFlight = 8
    @Option(
        name: .customLong("progress-file"),
        help: "Where committed batches are recorded (default: <csv>.progress).")
    var progressFile: String?
    @Flag(name: .customLong("no-progress"), help: "No progress bar on stderr.")
    var quiet = false

    func validate() throws {
        guard (1...LicenceCall.maxBatch).contains(batchSize) else {
            throw ValidationError("--batch-size is 1...\(LicenceCall.maxBatch)")
        }
        guard (1...64).contains(inFlight) else { throw ValidationError("--in-flight is 1...64") }
    }

    var progressPath: String { progressFile ?? csv + ".progress" }
}

/// One CSV row turned into an issue, or the reason it cannot be.
struct ImportRow<Issue: Sendable>: Sendable {
    let line: Int
    let id: String
    let issue: Issue
}

/// What the import did, printed at the end (and as JSON with --json).
struct ImportReport: Encodable {
    struct Refusal: Encodable {
        let line: Int
        let id: String
        let reason: String
    }

    var rows = 0
    var imported = 0
    var alreadyImported = 0
    var skippedBatches = 0
    var refused: [Refusal] = []
    var seconds = 0.0
    var rowsPerSecond = 0.0
}

/// The kind-specific parts of an import: parsing, the batch call, and whether a row is
/// already on chain with the same content.
protocol ImportKind: Sendable {
    associatedtype Issue: Sendable
    func parse(_ fields: [String]) throws -> (id: String, issue: Issue)
    /// The costly part of a row (a bill's Argon2id check digest), done only for the rows of
    /// a batch about to be sent: never for batches a resumed import skips.
    func prepare(_ issue: Issue) throws -> Issue
    func batchCall(_ issues: [Issue]) -> ContractCall
    func singleCall(_ issue: Issue) -> ContractCall
    func isOnChain(_ issue: Issue, client: GovChainClient) async throws -> Bool
}

extension ImportKind {
    func prepare(_ issue: Issue) throws -> Issue { issue }
}

enum Importer {
    static func run<Kind: ImportKind>(
        _ kind: Kind, options: ImportOptions, connection: ConnectionOptions
    ) async throws {
        try await connection.perform(signing: true) { client, output in
            var report = ImportReport()
            let (rows, refusals) = try parse(kind, path: options.csv)
            report.rows = rows.count + refusals.count
            report.refused = refusals
            let batches = stride(from: 0, to: rows.count, by: options.batchSize).map {
                Array(rows[$0..<min($0 + options.batchSize, rows.count)])
            }
            var done = loadProgress(options.progressPath)
            let progress = ProgressBar(total: rows.count, enabled: !options.quiet)
            let started = ContinuousClock.now
            var finished = 0
            var pending = batches.filter { batch in
                let first = batch.first?.line ?? 0
                if done.contains(first) {
                    report.skippedBatches += 1
                    finished += batch.count
                    return false
                }
                return true
            }[...]
            progress.show(finished)
            let log = try ProgressLog(path: options.progressPath)
            try await withThrowingTaskGroup(of: BatchOutcome.self) { group in
                func start() {
                    guard let batch = pending.popFirst() else { return }
                    group.addTask { await submit(batch, kind: kind, client: client) }
                }
                for _ in 0..<options.inFlight { start() }
                while let outcome = try await group.next() {
                    report.imported += outcome.imported
                    report.alreadyImported += outcome.alreadyImported
                    report.refused += outcome.refused
                    finished += outcome.rows
                    // Recorded only once the whole batch is settled, so a rerun redoes
                    // (and then recognises) anything unrecorded.
                    try log.append(outcome.firstLine)
                    done.insert(outcome.firstLine)
                    progress.show(finished)
                    start()
                }
            }
            progress.finish()
            let elapsed = ContinuousClock.now - started
            report.seconds = Double(elapsed.components.seconds)
                + Double(elapsed.components.attoseconds) / 1e18
            report.rowsPerSecond =
                report.seconds > 0 ? Double(report.imported) / report.seconds : 0
            report.refused.sort { $0.line < $1.line }
            output.emit(report) { describe(report) }
        }
    }

    static func describe(_ report: ImportReport) -> String {
        var lines = [
            "\(report.rows) rows: \(report.imported) imported, \(report.alreadyImported) already "
                + "on chain, \(report.refused.count) refused, \(report.skippedBatches) batches "
                + "skipped (done before); "
                + String(format: "%.1f s, %.0f rows/s", report.seconds, report.rowsPerSecond)
        ]
        for refusal in report.refused {
            lines.append("  line \(refusal.line) \(refusal.id): \(refusal.reason)")
        }
        return lines.joined(separator: "\n")
    }

    struct BatchOutcome: Sendable {
        let firstLine: Int
        let rows: Int
        var imported = 0
        var alreadyImported = 0
        var refused: [ImportReport.Refusal] = []
    }

    static func submit<Kind: ImportKind>(
        _ batch: [ImportRow<Kind.Issue>], kind: Kind, client: GovChainClient
    ) async -> BatchOutcome {
        var outcome = BatchOutcome(firstLine: batch.first?.line ?? 0, rows: batch.count)
        var batch = batch
        for (index, row) in batch.enumerated() {
            do {
                batch[index] = ImportRow(line: row.line, id: row.id, issue: try kind.prepare(row.issue))
            } catch {
                // A row that cannot be prepared is refused; the rest of the batch goes on.
                outcome.refused.append(.init(line: row.line, id: row.id, reason: "\(error)"))
            }
        }
        let refusedLines = Set(outcome.refused.map(\.line))
        batch.removeAll { refusedLines.contains($0.line) }
        guard !batch.isEmpty else { return outcome }
        do {
            _ = try await submitRetrying(kind.batchCall(batch.map(\.issue)), client: client)
            outcome.imported = batch.count
            return outcome
        } catch {
            // The batch as a whole was refused (or never confirmed): settle it row by row.
        }
        for row in batch {
            if (try? await kind.isOnChain(row.issue, client: client)) == true {
                outcome.alreadyImported += 1
                continue
            }
            do {
                _ = try await submitRetrying(kind.singleCall(row.issue), client: client)
                outcome.imported += 1
            } catch {
                outcome.refused.append(.init(line: row.line, id: row.id, reason: "\(error)"))
            }
        }
        return outcome
    }

    /// Submits, retrying what a retry can fix: a full mempool (429) or a lost answer. A
    /// retried call that had committed is refused 301 and settled row by row.
    static func submitRetrying(_ call: ContractCall, client: GovChainClient) async throws
        -> CommittedReceipt
    {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.submit(call, deadline: .seconds(60))
            } catch let error {
                switch error {
                case .rejected(429, _, _), .timeout, .unreachable:
                    guard attempt < 8 else { throw error }
                    try await Task.sleep(for: .milliseconds(250 * attempt))
                default:
                    throw error
                }
            }
        }
    }

    /// Parses the CSV: rows that do not parse are refused here with the reason.
    static func parse<Kind: ImportKind>(_ kind: Kind, path: String) throws
        -> ([ImportRow<Kind.Issue>], [ImportReport.Refusal])
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read --csv \(path)")
        }
        var rows: [ImportRow<Kind.Issue>] = []
        var refusals: [ImportReport.Refusal] = []
        var seen = Set<String>()
        let text = String(decoding: data, as: UTF8.self)
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            // A header names its columns: the first field is not a value of the first column.
            if index == 0, fields.first.map({ $0.contains("_") || $0 == "kind" }) == true {
                continue
            }
            do {
                let (id, issue) = try kind.parse(fields)
                guard seen.insert(id).inserted else {
                    refusals.append(
                        .init(line: index + 1, id: id, reason: "repeats an earlier row"))
                    continue
                }
                rows.append(ImportRow(line: index + 1, id: id, issue: issue))
            } catch {
                refusals.append(
                    .init(line: index + 1, id: fields.first ?? "", reason: "\(error)"))
            }
        }
        return (rows, refusals)
    }

    static func loadProgress(_ path: String) -> Set<Int> {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return Set(String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            Int($0)
        })
    }
}

/// The progress file: one line per settled batch, its first CSV line, synced as written.
final class ProgressLog {
    private let handle: FileHandle

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create --progress-file \(path)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write --progress-file \(path)")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func append(_ firstLine: Int) throws {
        try handle.write(contentsOf: Data("\(firstLine)\n".utf8))
        try handle.synchronize()
    }

    deinit { try? handle.close() }
}

/// A one-line progress bar on stderr.
struct ProgressBar {
    let total: Int
    let enabled: Bool
    let started = ContinuousClock.now

    func show(_ done: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = min(width, done * width / total)
        let elapsed = (ContinuousClock.now - started).components
        let seconds = max(0.001, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        let bar =
            String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r[\(bar)] \(done)/\(total) rows  \(Int(Double(done) / seconds)) rows/s"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

/// Parse errors name the column.
struct RowError: Error, CustomStringConvertible {
    let description: String
}

func field(_ fields: [String], _ index: Int, _ name: String) throws -> String {
    guard index < fields.count, !fields[index].isEmpty else {
        throw RowError(description: "missing \(name)")
    }
    return fields[index]
}

func number(_ fields: [String], _ index: Int, _ name: String) throws -> UInt64 {
    guard let value = UInt64(try field(fields, index, name)) else {
        throw RowError(description: "\(name) is not a whole number")
    }
    return value
}

func hash(_ fields: [String], _ index: Int, _ name: String) throws -> Hash256 {
    guard let value = Hash256(hex: try field(fields, index, name)) else {
        throw RowError(description: "\(name) must be 64 hex characters")
    }
    return value
}

/// `licence_id,licence_type,holder_commitment,file_sha256,valid_from_ms,valid_until_ms`
struct LicenceImportKind: ImportKind {
    func parse(_ fields: [String]) throws -> (id: String, issue: LicenceIssue) {
        let id = try field(fields, 0, "licence_id")
        let type = try field(fields, 1, "licence_type")
        guard (try? LicenceIdentifier(parsing: id))?.typeCode == type else {
            throw RowError(description: "licence id \(id) is malformed or not of type \(type)")
        }
        let issue = LicenceIssue(
            licenceID: id, licenceType: type, holder: try hash(fields, 2, "holder_commitment"),
            fileDigest: try hash(fields, 3, "file_sha256"),
            validFromMs: try number(fields, 4, "valid_from_ms"),
            validUntilMs: try number(fields, 5, "valid_until_ms"))
        return (id, issue)
    }

    func batchCall(_ issues: [LicenceIssue]) -> ContractCall { .licence(.issueBatch(issues)) }
    func singleCall(_ issue: LicenceIssue) -> ContractCall { .licence(.issue(issue)) }

    func isOnChain(_ issue: LicenceIssue, client: GovChainClient) async throws -> Bool {
        guard let licence = try await client.licence(issue.licenceID) else { return false }
        return licence.holder == issue.holder.hex && licence.fileDigest == issue.fileDigest.hex
    }
}

extension LicenceCommand {
    struct Import: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Issue licences from a CSV in all-or-nothing batches; resumable.",
            discussion: """
                Columns: licence_id,licence_type,holder_commitment,file_sha256,\
                valid_from_ms,valid_until_ms (a header line is skipped). Committed batches are \
                recorded in --progress-file; run the same command again after an interruption \
                and nothing is issued twice. Refused rows are listed with their reasons.
                Example: govchain --node http://127.0.0.1:8600 --node http://127.0.0.1:8601 \
                --key keys/public-security.key licence import --csv licences.csv \
                --batch-size 256 --in-flight 8
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var options: ImportOptions

        func run() async throws {
            try await Importer.run(LicenceImportKind(), options: options, connection: connection)
        }
    }
}
