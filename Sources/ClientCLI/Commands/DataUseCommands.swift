import ArgumentParser
import Client
import GovChainAPI
import Contracts
import Ledger

/// `govchain use data|data-list`: uses of a person's data (issue 13 item 3).
extension UseCommand {
    struct Data: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "Record that your organisation used a category of a person's data.",
            discussion: """
                Under a grant covering the data category (and the item's purpose), or a \
                statutory duty whose registered item lists your organisation and the category.
                Example: govchain --node http://127.0.0.1:8600 --key keys/housing-fund.key use \
                data --use-id D0001 --holder-commitment 5f0c...e1 --data-category address \
                --purpose housing-loan --item-code HF-LOAN-001 --grant-id G001
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("use-id"), help: "Your organisation's id for this use.")
        var useID: String
        @OptionGroup var holder: HolderOptions
        @Option(name: .customLong("data-category"), help: "The data category used.")
        var dataCategory: String
        @Option(
            name: .long, help: "The purpose of the use (with --grant-id, the grant's purpose).")
        var purpose: String
        @Option(
            name: .customLong("item-code"),
            help: "The service-item code (权责事项): the purpose itself or an item registered under it.")
        var itemCode: String
        @Option(name: .customLong("grant-id"), help: "The grant relied on.") var grantID: String?
        @Flag(name: .customLong("statutory-duty"), help: "A statutory duty, no grant.")
        var statutoryDuty = false

        func validate() throws {
            for (value, flag) in [
                (useID, "--use-id"), (dataCategory, "--data-category"), (purpose, "--purpose"),
                (itemCode, "--item-code"),
            ] {
                try validateID(value, flag)
            }
            guard (grantID == nil) == statutoryDuty else {
                throw ValidationError("give either --grant-id ID or --statutory-duty")
            }
            if let grantID { try validateID(grantID, "--grant-id") }
        }

        func run() async throws {
            let use = DataUse(
                useID: useID, holder: try holder.commitment(), dataCategory: dataCategory,
                purpose: purpose, itemCode: itemCode,
                basis: grantID.map { .grant(grantID: $0) } ?? .statutoryDuty)
            try await connection.submit(
                .licenceUse(.useData(use)), summary: "recorded data use \(useID)")
        }
    }

    struct DataList: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "data-list",
            abstract: "List every recorded use of a holder's data.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 use data-list \
                --holder-commitment 5f0c...e1
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var holder: HolderOptions

        func run() async throws {
            let commitment = try holder.commitment()
            try await connection.perform { client, output in
                output.emitList("data_uses", try await client.dataUses(ofHolder: commitment)) {
                    "\($0.useID) \($0.dataCategory) by \($0.userOrganisation) for "
                        + "\($0.purpose)/\($0.itemCode) at height \($0.height)"
                }
            }
        }
    }
}
