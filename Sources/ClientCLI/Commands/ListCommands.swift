import ArgumentParser
import Client
import Contracts
import GovChainAPI

// Lists behind the paged routes main added (docs/api.md "Contract queries"): each follows
// the node's pages to the end and prints one line per item (`--json`: `{"<list>": [...]}`).

extension UseCommand {
    /// `govchain use list`: the licence uses made under a grant, or recorded by an
    /// organisation.
    struct List: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the licence uses made under a grant or recorded by an organisation.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 use list --grant-id G001
                Example: govchain --node http://127.0.0.1:8600 use list --org-id housing-fund
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("grant-id"), help: "The grant the uses relied on.")
        var grantID: String?
        @Option(name: .customLong("org-id"), help: "The organisation that recorded the uses.")
        var organisationID: String?

        func validate() throws {
            guard (grantID == nil) != (organisationID == nil) else {
                throw ValidationError("give either --grant-id ID or --org-id ID")
            }
            if let grantID { try validateID(grantID, "--grant-id") }
            if let organisationID { try validateID(organisationID, "--org-id") }
        }

        func run() async throws {
            try await connection.perform { client, output in
                let uses =
                    if let grantID { try await client.uses(ofGrant: grantID) } else {
                        try await client.uses(ofOrganisation: organisationID ?? "")
                    }
                output.emitList("uses", uses) { use in
                    "height \(use.height): \(use.userOrganisation) used \(use.licenceID) for "
                        + "\(use.purpose) (item \(use.itemCode)) "
                        + (use.grantID.map { "under grant \($0)" } ?? "by statutory duty")
                }
            }
        }
    }
}

extension ClaimCommand {
    /// `govchain claim by-reimburser`: a reimburser's claims across bills.
    struct ByReimburser: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "by-reimburser",
            abstract: "List a reimburser's claims across bills, optionally of one status.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 claim by-reimburser \
                --reimburser medical-insurance --status locked
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "The reimburser organisation.") var reimburser: String
        @Option(name: .long, help: "locked, settled or released (default: all).")
        var status: String?

        func validate() throws {
            try validateID(reimburser, "--reimburser")
            guard status.map(["locked", "settled", "released"].contains) ?? true else {
                throw ValidationError("--status must be locked, settled or released")
            }
        }

        func run() async throws {
            try await connection.perform { client, output in
                let claims = try await client.claims(ofReimburser: reimburser, status: status)
                output.emitList("claims", claims) { ClaimCommand.describe($0) }
            }
        }
    }
}

extension BillCommand {
    /// `govchain bill alerts`: alerts across all bills (docs/contracts.md "Open alerts").
    struct Alerts: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List alerts across all bills: a reversal left settled claims uncovered.",
            discussion: "Example: govchain --node http://127.0.0.1:8600 bill alerts --status open")

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "open or closed (default: all).") var status: String?

        func validate() throws {
            guard status.map(["open", "closed"].contains) ?? true else {
                throw ValidationError("--status must be open or closed")
            }
        }

        func run() async throws {
            try await connection.perform { client, output in
                let alerts = try await client.alerts(open: status.map { $0 == "open" })
                output.emitList("alerts", alerts) { standing in
                    let alert = standing.alert
                    return "\(alert.billID) at height \(alert.height): \(standing.status), "
                        + "red bill \(alert.redBillID), \(alert.settledFen) fen "
                        + "settled, \(standing.billLeftFen) fen left"
                }
            }
        }
    }
}
