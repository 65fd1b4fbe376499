import ArgumentParser
import Client
import GovChainAPI
import Contracts
import Ledger

/// Governance changes of the registries (issue 13): service items (权责事项).
extension Propose {
    struct RegisterDutyItem: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "register-duty-item",
            abstract: "Register (or replace) a service item of the duty registry.",
            discussion: """
                A statutory-duty use must name a registered item that lists the user's \
                organisation and the licence type (or data category); a grant-based use must \
                name its grant's purpose or an item of that purpose.
                Example: govchain --node http://127.0.0.1:8600 --key \
                keys/data-bureau-admin-1.key org propose register-duty-item --proposal-id P010 \
                --item-code HF-LOAN-001 --name "Housing loan review" --purpose housing-loan \
                --org housing-fund --licence-type 1110000 --data-category address
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("item-code"), help: "The service-item code.") var itemCode: String
        @Option(name: .long, help: "Its name.") var name: String
        @Option(name: .long, help: "The purpose it serves (grants for it cover the item).")
        var purpose: String
        @Option(name: .customLong("org"), help: "An organisation that may act on it (repeat).")
        var organisations: [String] = []
        @Option(name: .customLong("licence-type"), help: "A licence type it may check (repeat).")
        var licenceTypes: [String] = []
        @Option(name: .customLong("data-category"), help: "A data category it may read (repeat).")
        var dataCategories: [String] = []

        func validate() throws {
            try validateID(itemCode, "--item-code")
            try validateID(purpose, "--purpose")
            guard !organisations.isEmpty else { throw ValidationError("give at least one --org") }
            for id in organisations { try validateID(id, "--org") }
            for type in licenceTypes { try validateID(type, "--licence-type") }
            for category in dataCategories { try validateID(category, "--data-category") }
            let limit = RecordLimits.entriesPerRegistryList
            guard organisations.count <= limit, licenceTypes.count <= limit,
                dataCategories.count <= limit
            else { throw ValidationError("at most \(limit) of each list") }
        }

        func run() async throws {
            let item = DutyItem(
                itemCode: itemCode, name: name, purpose: purpose, organisations: organisations,
                licenceTypes: licenceTypes, dataCategories: dataCategories)
            try await Propose.submit(connection, proposal, .registerDutyItem(item))
        }
    }

    struct RemoveDutyItem: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-duty-item",
            abstract: "Remove a service item: statutory-duty uses naming it are refused after.",
            discussion: """
                Example: govchain ... org propose remove-duty-item --proposal-id P011 \
                --item-code HF-LOAN-001
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("item-code"), help: "The service-item code.") var itemCode: String

        func validate() throws { try validateID(itemCode, "--item-code") }

        func run() async throws {
            try await Propose.submit(connection, proposal, .removeDutyItem(itemCode: itemCode))
        }
    }
}

/// `govchain duty ...`: the duty registry (read-only; changes go through `org propose`).
struct DutyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duty",
        abstract: "List and show the registered service items (权责事项).",
        subcommands: [List.self, Show.self])

    static func describe(_ item: DutyItemView) -> String {
        "\(item.itemCode)  purpose \(item.purpose)"
            + "  orgs [\(item.organisations.joined(separator: ", "))]"
            + "  licence types [\(item.licenceTypes.joined(separator: ", "))]"
            + "  data [\(item.dataCategories.joined(separator: ", "))]  \(item.name)"
    }

    struct List: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every registered service item.",
            discussion: "Example: govchain --node http://127.0.0.1:8600 duty list --json")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.perform { client, output in
                output.emitList("duty_items", try await client.dutyItems()) {
                    DutyCommand.describe($0)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one service item.",
            discussion: """
                \(verifyingNote)
                Example: govchain --node http://127.0.0.1:8600 duty show --item-code HF-LOAN-001
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @OptionGroup var asOf: AsOfOptions
        @Option(name: .customLong("item-code"), help: "The service-item code.") var itemCode: String

        func validate() throws { try validateID(itemCode, "--item-code") }

        func run() async throws {
            try await connection.read(trust: trust) { reader, output in
                let (item, provenance) = try await reader.record(
                    "service item \(itemCode)", proven: { try await $0.dutyItem(itemCode, height: asOf.height) },
                    view: { $0 }, unproven: { try await $0.dutyItem(itemCode, height: asOf.height) })
                output.emit(item, provenance) { DutyCommand.describe(item) }
            }
        }
    }
}
