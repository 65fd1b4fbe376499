import ArgumentParser
import Client
import GovChainAPI
import Contracts
import Ledger

/// Governance of the licence-type registry (issue 13 item 4).
extension Propose {
    struct RegisterLicenceType: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "register-licence-type",
            abstract: "Register (or replace) a licence type: issuers and validity rules.",
            discussion: """
                Issuing a licence of an unregistered type is refused (310). With \
                --reminder-days N the chain announces each licence of the type N days before \
                it expires (an `expiring` event at block time, and the holder's reminders).
                Example: govchain --node http://127.0.0.1:8600 --key \
                keys/data-bureau-admin-1.key org propose register-licence-type \
                --proposal-id P012 --code 1110000 --name "Resident ID card" \
                --issuer public-security --max-validity-days 7305 --reminder-days 30
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .long, help: "The licence type code.") var code: String
        @Option(name: .long, help: "Its name.") var name: String
        @Option(name: .customLong("issuer"), help: "An issuing organisation (repeat).")
        var issuers: [String] = []
        @Option(name: .customLong("max-validity-days"), help: "Longest validity; 0: no limit.")
        var maxValidityDays: UInt32 = 0
        @Option(name: .customLong("reminder-days"), help: "Remind this many days before expiry.")
        var reminderDays: UInt32 = 0

        func validate() throws {
            try validateID(code, "--code")
            guard !issuers.isEmpty else { throw ValidationError("give at least one --issuer") }
            for id in issuers { try validateID(id, "--issuer") }
            guard issuers.count <= RecordLimits.entriesPerRegistryList else {
                throw ValidationError("at most \(RecordLimits.entriesPerRegistryList) issuers")
            }
            guard maxValidityDays <= LicenceType.maxDays, reminderDays <= LicenceType.maxDays
            else { throw ValidationError("days are at most \(LicenceType.maxDays)") }
        }

        func run() async throws {
            let type = LicenceType(
                code: code, name: name, issuers: issuers, maxValidityDays: maxValidityDays,
                reminderDays: reminderDays)
            try await Propose.submit(connection, proposal, .registerLicenceType(type))
        }
    }
}

/// `govchain licence-type ...`: the licence-type registry (changes go through `org propose`).
struct LicenceTypeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "licence-type",
        abstract: "List and show the registered licence types.",
        subcommands: [List.self, Show.self])

    static func describe(_ type: LicenceTypeView) -> String {
        let validity = type.maxValidityDays == 0 ? "no limit" : "\(type.maxValidityDays) days"
        let reminder = type.reminderDays == 0 ? "none" : "\(type.reminderDays) days before"
        return "\(type.code)  issuers [\(type.issuers.joined(separator: ", "))]"
            + "  validity \(validity)  reminder \(reminder)  \(type.name)"
    }

    struct List: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every registered licence type.",
            discussion: "Example: govchain --node http://127.0.0.1:8600 licence-type list")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.perform { client, output in
                output.emitList("licence_types", try await client.licenceTypes()) {
                    LicenceTypeCommand.describe($0)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one licence type.",
            discussion: """
                \(verifyingNote)
                Example: govchain --node http://127.0.0.1:8600 licence-type show --code 1110000
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @OptionGroup var asOf: AsOfOptions
        @Option(name: .long, help: "The licence type code.") var code: String

        func validate() throws { try validateID(code, "--code") }

        func run() async throws {
            try await connection.read(trust: trust) { reader, output in
                let (type, provenance) = try await reader.record(
                    "licence type \(code)", proven: { try await $0.licenceType(code, height: asOf.height) },
                    view: { $0 }, unproven: { try await $0.licenceType(code, height: asOf.height) })
                output.emit(type, provenance) { LicenceTypeCommand.describe(type) }
            }
        }
    }
}

extension LicenceCommand {
    struct Reminders: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the expiry reminders (到期提醒) the chain made for a holder.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 licence reminders \
                --holder-commitment 5f0c...e1
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var holder: HolderOptions

        func run() async throws {
            let commitment = try holder.commitment()
            try await connection.perform { client, output in
                let reminders = try await client.reminders(ofHolder: commitment)
                output.emitList("reminders", reminders) {
                    "\($0.licenceID) \($0.licenceType) expires at \($0.validUntilMs) ms: "
                        + "\($0.daysLeft) day(s) left when reminded at height \($0.height)"
                }
            }
        }
    }
}
