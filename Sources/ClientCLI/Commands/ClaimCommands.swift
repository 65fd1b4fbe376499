import ArgumentParser
import Client
import GovChainAPI
import Contracts
import Ledger

/// `govchain claim ...`: reimbursement claims on bills (LOCKED -> SETTLED | RELEASED).
struct ClaimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Claim, settle and release reimbursements; show a claim; list a bill's claims.",
        subcommands: [
            Claim.self, Settle.self, Release.self, Show.self, List.self, ByReimburser.self,
        ])

    struct Claim: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "claim",
            abstract:
                "Lock an amount of a bill for reimbursement (reimburser key). Amounts in fen.",
            discussion: """
                Refused (exit 3, status code 400) when the bill has less left; replaying the same \
                claim id with the same terms is a no-op success.
                Example: govchain --node http://127.0.0.1:8600 --key keys/medical-insurance.key \
                claim claim \
                --claim-id C001 --bill-id M360120260000000001 --amount-fen 30000
                """,
            aliases: ["lock"])

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("claim-id"), help: "Your claim id (replay-safe).") var claimID:
            String
        @Option(name: .customLong("bill-id"), help: "The bill.") var billID: String
        @Option(name: .customLong("amount-fen"), help: "Amount to lock, in fen.") var amountFen:
            UInt64
        @Option(
            name: .long, help: "Claim one category: pooled-fund, personal-account or self-paid.")
        var category: String?

        func validate() throws {
            try validateID(claimID, "--claim-id")
            try validateID(billID, "--bill-id")
            guard amountFen > 0 else { throw ValidationError("--amount-fen must be positive") }
            _ = try parsedCategory()
        }

        func parsedCategory() throws -> BillCategory? {
            guard let category else { return nil }
            guard let value = BillCategory.allCases.first(where: { $0.name == category }) else {
                throw ValidationError(
                    "--category must be pooled-fund, personal-account or self-paid")
            }
            return value
        }

        func run() async throws {
            let request = ClaimRequest(
                claimID: claimID, billID: billID, category: try parsedCategory(),
                amountFen: amountFen)
            try await connection.submit(
                .reimbursement(.claim([request])),
                summary: "claimed \(yuan(amountFen)) of \(billID) as \(claimID)")
        }
    }

    struct Settle: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark locked claims paid (SETTLED).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/medical-insurance.key \
                claim settle --claim-id C001
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("claim-id"), help: "A claim (repeatable; all or none).")
        var claimIDs: [String]

        func validate() throws { try validateClaimIDs(claimIDs) }

        func run() async throws {
            try await connection.submit(
                .reimbursement(.settle(claimIDs: claimIDs)),
                summary: "settled \(claimIDs.joined(separator: ", "))")
        }
    }

    struct Release: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give locked amounts back (RELEASED).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/medical-insurance.key \
                claim release --claim-id C001
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("claim-id"), help: "A claim (repeatable; all or none).")
        var claimIDs: [String]

        func validate() throws { try validateClaimIDs(claimIDs) }

        func run() async throws {
            try await connection.submit(
                .reimbursement(.release(claimIDs: claimIDs)),
                summary: "released \(claimIDs.joined(separator: ", "))")
        }
    }

    struct Show: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a claim.",
            discussion: """
                \(verifyingNote)
                Claim ids are scoped by reimburser, so name both.
                Example: govchain --node http://127.0.0.1:8600 claim show \
                --reimburser medical-insurance --claim-id C001
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @OptionGroup var asOf: AsOfOptions
        @Option(name: .long, help: "The reimburser organisation that made the claim.")
        var reimburser: String
        @Option(name: .customLong("claim-id"), help: "The claim.") var claimID: String

        func validate() throws {
            try validateID(reimburser, "--reimburser")
            try validateID(claimID, "--claim-id")
        }

        func run() async throws {
            try await connection.read(trust: trust) { reader, output in
                let (claim, provenance) = try await reader.record(
                    "claim \(claimID) of \(reimburser)",
                    proven: { try await $0.claim(reimburser: reimburser, id: claimID, height: asOf.height) },
                    view: ClaimView.init,
                    unproven: { try await $0.claim(reimburser: reimburser, id: claimID, height: asOf.height) })
                output.emit(claim, provenance) { ClaimCommand.describe(claim) }
            }
        }
    }

    struct List: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a bill's claims and alerts, and the amount left to claim.",
            discussion:
                "Example: govchain --node http://127.0.0.1:8600 claim list --bill-id M360120260000000001"
        )

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("bill-id"), help: "The bill.") var billID: String

        func validate() throws { try validateID(billID, "--bill-id") }

        func run() async throws {
            try await connection.perform { client, output in
                let claims = try await client.claims(ofBill: billID).orNotFound("bill \(billID)")
                output.emit(claims) {
                    var lines = [
                        "bill \(billID): \(yuan(claims.leftFen)) (\(claims.leftFen) fen) left to claim"
                    ]
                    lines += claims.claims.map { "  " + ClaimCommand.describe($0) }
                    lines += claims.alerts.map { alert in
                        "  ALERT at height \(alert.height): red bill \(alert.redBillID) left \(alert.claimableFen) fen "
                            + "claimable with \(alert.lockedFen) locked and \(alert.settledFen) settled"
                    }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    static func describe(_ claim: ClaimView) -> String {
        "\(claim.claimID): \(claim.status) \(claim.amountFen) fen of \(claim.billID)"
            + (claim.category.map { " (\($0))" } ?? "") + " by \(claim.reimburserOrganisation)"
    }
}

func validateClaimIDs(_ ids: [String]) throws {
    guard (1...256).contains(ids.count) else { throw ValidationError("give 1...256 --claim-id") }
    for id in ids { try validateID(id, "--claim-id") }
}
