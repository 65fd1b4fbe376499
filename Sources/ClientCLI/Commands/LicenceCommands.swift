import ArgumentParser
import Client
import GovChainAPI
import Contracts
import Ledger

/// `govchain licence ...`: the issuing department's calls and the verifier's queries.
struct LicenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "licence",
        abstract: "Issue, renew, suspend, resume and revoke licences; show, verify and trace them.",
        subcommands: [
            Issue.self, Renew.self, Suspend.self, Resume.self, Revoke.self, Show.self, Verify.self,
            History.self, Uses.self, List.self, Reminders.self, MakeID.self, Import.self,
        ])

    struct Issue: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a licence (licence-issuer key registered for the type).",
            discussion: """
                The licence id is the GB/T 36904 dotted form; the type defaults to its type code. \
                Only the file's digest and the holder's commitment go on chain.
                Example: govchain --node http://127.0.0.1:8600 --key keys/public-security.key \
                licence issue --licence-id 1110000.11360000MB00000024.D001.1.4 \
                --holder-commitment 9d2c...41 --file licence.ofd \
                --valid-days 3650
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("licence-id"), help: "GB/T 36904 licence identifier.")
        var licenceID: String
        @Option(
            name: .customLong("licence-type"),
            help: "Licence type code (default: the id's type code).")
        var licenceType: String?
        @OptionGroup var holder: HolderOptions
        @OptionGroup var file: FileDigestOptions
        @OptionGroup var validity: ValidityOptions

        func validate() throws { try validateLicenceID(licenceID) }

        func run() async throws {
            let parsed = try LicenceIdentifier(parsing: licenceID)
            let (from, until) = validity.window()
            let issue = LicenceIssue(
                licenceID: licenceID, licenceType: licenceType ?? parsed.typeCode,
                holder: try holder.commitment(),
                fileDigest: try file.digest(), validFromMs: from, validUntilMs: until)
            try await connection.submit(
                .licence(.issue(issue)), summary: "issued licence \(licenceID)")
        }
    }

    struct Renew: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Renew a licence: a new version (new id) replaces it.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/public-security.key \
                licence renew \
                --licence-id 1110000.11360000MB00000024.D001.1.4 --new-licence-id \
                1110000.11360000MB00000024.D001.2.2 \
                --file renewed.ofd --valid-days 3650
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("licence-id"), help: "The current version's id.") var licenceID:
            String
        @Option(
            name: .customLong("new-licence-id"),
            help: "The new version's id (same type, issuer, serial).")
        var newLicenceID: String
        @OptionGroup var file: FileDigestOptions
        @OptionGroup var validity: ValidityOptions

        func validate() throws {
            try validateLicenceID(licenceID)
            try validateLicenceID(newLicenceID, "--new-licence-id")
        }

        func run() async throws {
            let (from, until) = validity.window()
            let renewal = LicenceRenewal(
                licenceID: licenceID, newLicenceID: newLicenceID, fileDigest: try file.digest(),
                validFromMs: from, validUntilMs: until)
            try await connection.submit(
                .licence(.renew(renewal)), summary: "renewed \(licenceID) as \(newLicenceID)")
        }
    }

    struct Suspend: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend an issued licence.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/public-security.key \
                licence suspend \
                --licence-id 1110000.11360000MB00000024.D001.1.4 --reason "reported lost"
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("licence-id"), help: "The licence.") var licenceID: String
        @Option(name: .long, help: "Why (recorded on chain; no personal data).") var reason: String

        func validate() throws { try validateLicenceID(licenceID) }

        func run() async throws {
            try await connection.submit(
                .licence(.suspend(licenceID: licenceID, reason: reason)),
                summary: "suspended \(licenceID)")
        }
    }

    struct Resume: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a suspended licence.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/public-security.key \
                licence resume \
                --licence-id 1110000.11360000MB00000024.D001.1.4
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("licence-id"), help: "The licence.") var licenceID: String

        func validate() throws { try validateLicenceID(licenceID) }

        func run() async throws {
            try await connection.submit(
                .licence(.resume(licenceID: licenceID)), summary: "resumed \(licenceID)")
        }
    }

    struct Revoke: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a licence for good.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/public-security.key \
                licence revoke \
                --licence-id 1110000.11360000MB00000024.D001.1.4 --reason "issued in error"
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("licence-id"), help: "The licence.") var licenceID: String
        @Option(name: .long, help: "Why (recorded on chain; no personal data).") var reason: String

        func validate() throws { try validateLicenceID(licenceID) }

        func run() async throws {
            try await connection.submit(
                .licence(.revoke(licenceID: licenceID, reason: reason)),
                summary: "revoked \(licenceID)")
        }
    }

    struct Show: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a licence record.",
            discussion: """
                \(verifyingNote)
                Example: govchain --node http://127.0.0.1:8600 licence show --licence-id \
                1110000.11360000MB00000024.D001.1.4
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @OptionGroup var asOf: AsOfOptions
        @Option(name: .customLong("licence-id"), help: "The licence.") var licenceID: String

        func validate() throws { try validateID(licenceID, "--licence-id") }

        func run() async throws {
            try await connection.read(trust: trust) { reader, output in
                let (licence, provenance) = try await reader.record(
                    "licence \(licenceID)", proven: { try await $0.licence(licenceID, height: asOf.height) },
                    view: LicenceView.init, unproven: { try await $0.licence(licenceID, height: asOf.height) })
                output.emit(licence, provenance) { LicenceCommand.describe(licence) }
            }
        }
    }

    struct Verify: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check a presented licence: genuine (file digest) and current (the QR check).",
            discussion: """
                Prints valid or not valid; exits 0 either way (read `valid` with --json).
                Example: govchain --node http://127.0.0.1:8600 licence verify \
                --licence-id 1110000.11360000MB00000024.D001.1.4 --file presented.ofd
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("licence-id"), help: "The licence.") var licenceID: String
        @OptionGroup var file: FileDigestOptions

        func validate() throws { try validateID(licenceID, "--licence-id") }

        func run() async throws {
            let digest = try file.digest()
            try await connection.perform { client, output in
                let check = try await client.verifyLicence(id: licenceID, fileDigest: digest)
                output.emit(check) {
                    "\(licenceID): \(check.valid ? "VALID" : "NOT VALID") (status \(check.status), "
                        + "file digest \(check.digestMatches ? "matches" : "does not match"), "
                        + "as of height \(check.asOfHeight))"
                }
            }
        }
    }

    struct History: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every version of a licence record (the licence trail).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 licence history --licence-id \
                1110000.11360000MB00000024.D001.1.4
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("licence-id"), help: "The licence.") var licenceID: String

        func validate() throws { try validateID(licenceID, "--licence-id") }

        func run() async throws {
            try await connection.perform { client, output in
                let versions = try await client.licenceHistory(licenceID)
                output.emitList("versions", versions) { version in
                    "height \(version.height) tx \(version.txID.prefix(16)): "
                        + (version.record.map { "\($0.status) \($0.statusReason)" } ?? "deleted")
                }
            }
        }
    }

    struct Uses: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every recorded use of a licence.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 licence uses --licence-id \
                1110000.11360000MB00000024.D001.1.4
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("licence-id"), help: "The licence.") var licenceID: String

        func validate() throws { try validateID(licenceID, "--licence-id") }

        func run() async throws {
            try await connection.perform { client, output in
                let uses = try await client.uses(ofLicence: licenceID)
                output.emitList("uses", uses) { use in
                    "height \(use.height): \(use.userOrganisation) for \(use.purpose) (item \(use.itemCode)) "
                        + (use.grantID.map { "under grant \($0)" } ?? "by statutory duty")
                }
            }
        }
    }

    struct List: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the licences of a holder.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 licence list --holder-commitment \
                5f0c...e1
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var holder: HolderOptions

        func run() async throws {
            let commitment = try holder.commitment()
            try await connection.perform { client, output in
                let licences = try await client.licences(ofHolder: commitment)
                output.emitList("licences", licences) { "\($0.id) \($0.licenceType) \($0.status)" }
            }
        }
    }

    struct MakeID: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make-id",
            abstract: "Print a GB/T 36904 licence id with its check character (offline).",
            discussion: """
                Example: govchain licence make-id --type-code 1110000 --issuer-credit-code \
                11360000MB00000024 \
                --serial D0001 --version 1
                """)

        @Option(name: .customLong("type-code"), help: "The licence type code.") var typeCode: String
        @Option(
            name: .customLong("issuer-credit-code"),
            help: "The issuer's unified social credit code.")
        var issuerCreditCode: String
        @Option(name: .long, help: "The serial (0-9 A-Z).") var serial: String
        @Option(name: .long, help: "The version (1...9999).") var version: UInt32 = 1

        func run() throws {
            guard CheckCharacters.isValidCreditCode(issuerCreditCode) else {
                throw ValidationError("--issuer-credit-code fails the GB 32100 check")
            }
            guard (1...9999).contains(version),
                let id = LicenceIdentifier.make(
                    typeCode: typeCode, issuerCreditCode: issuerCreditCode, serial: serial,
                    version: version)
            else { throw ValidationError("fields must be 0-9 A-Z and the version 1...9999") }
            print(id)
        }
    }

    static func describe(_ licence: LicenceView) -> String {
        let reason = licence.statusReason.isEmpty ? "" : " (\(licence.statusReason))"
        let lines = [
            "licence \(licence.id)",
            "  type \(licence.licenceType), issued by \(licence.issuerOrganisation), "
                + "version \(licence.version)",
            "  status \(licence.status)\(reason)",
            "  valid \(licence.validFromMs) ... \(licence.validUntilMs) (ms since epoch)",
            "  holder \(licence.holder)",
            "  file digest \(licence.fileDigest)",
        ]
        return (lines + [licence.previousID.map { "  previous \($0)" }, licence.nextID.map { "  next \($0)" }]
            .compactMap { $0 }).joined(separator: "\n")
    }
}
