import ArgumentParser
import Client
import GovChainAPI
import Contracts
import Ledger

/// `govchain org ...`: governance (admin keys) and the organisation registry.
struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "Propose and approve governance changes (admin keys); list organisations.",
        subcommands: [
            Propose.self, Approve.self, List.self, Show.self, Validators.self, Followers.self, Proposals.self,
        ])

    struct Approve: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Approve a pending proposal; the approval reaching the threshold executes it.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key \
                keys/data-bureau-admin-2.key org approve --proposal-id P001
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("proposal-id"), help: "The proposal.") var proposalID: String

        func validate() throws { try validateID(proposalID, "--proposal-id") }

        func run() async throws {
            try await connection.submit(
                .governance(.approve(proposalID: proposalID)),
                summary: "approved proposal \(proposalID)")
        }
    }

    struct Validators: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the validator set governance records.",
            discussion: "Example: govchain --node http://127.0.0.1:8600 org validators --json")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.perform { client, output in
                output.emitList("validators", try await client.validators()) {
                    "\($0.name)  consensus \($0.publicKey.prefix(16))  network \($0.networkKey.prefix(16))  \($0.address)"
                }
            }
        }
    }

    struct Proposals: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List governance proposals with their approvals, executed or not.",
            discussion: "Example: govchain --node http://127.0.0.1:8600 org proposals")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.perform { client, output in
                output.emitList("proposals", try await client.proposals()) {
                    "\($0.id)  \($0.kind)  \($0.approvals.count) approval(s)"
                        + ($0.executed ? "  executed" : "  pending")
                        + " (proposed at height \($0.proposedAtHeight))"
                }
            }
        }
    }

    struct List: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every organisation and its number of keys.",
            discussion: "Example: govchain --node http://127.0.0.1:8600 org list --json")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.perform { client, output in
                let organisations = try await client.organisations()
                output.emitList("organisations", organisations) {
                    "\($0.id)  \($0.creditCode)  \($0.keys.count) key(s)  \($0.name)"
                }
            }
        }
    }

    struct Show: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an organisation and its keys.",
            discussion: """
                \(verifyingNote)
                Example: govchain --node http://127.0.0.1:8600 org show --org-id peoples-hospital
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @OptionGroup var asOf: AsOfOptions
        @Option(name: .customLong("org-id"), help: "The organisation.") var organisationID: String

        func validate() throws { try validateID(organisationID, "--org-id") }

        func run() async throws {
            try await connection.read(trust: trust) { reader, output in
                let (organisation, provenance) = try await reader.record(
                    "organisation \(organisationID)",
                    proven: { try await $0.organisation(organisationID, height: asOf.height) },
                    view: { $0 },
                    unproven: { try await $0.organisation(organisationID, height: asOf.height) })
                output.emit(organisation, provenance) {
                    (["\(organisation.id): \(organisation.name) (\(organisation.creditCode))"]
                        + organisation.keys.map { "  key \($0.publicKey) \($0.roles.joined(separator: ","))" }).joined(separator: "\n")
                }
            }
        }
    }
}

/// `govchain org propose <change>`: one subcommand per kind of governance change.
struct Propose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Propose a governance change (admin key); the proposer's approval counts.",
        subcommands: [
            RegisterOrganisation.self, AddKey.self, RemoveKey.self, RotateKey.self, GrantRole.self,
            RevokeRole.self, AddValidator.self, RemoveValidator.self, RegisterDutyItem.self,
            RemoveDutyItem.self, RegisterLicenceType.self, AddFollower.self, RemoveFollower.self,
            RotateValidatorKeys.self,
        ])

    /// The options every proposal has.
    struct ProposalOptions: ParsableArguments {
        @Option(name: .customLong("proposal-id"), help: "Your id for the proposal.") var proposalID:
            String

        func validate() throws { try validateID(proposalID, "--proposal-id") }
    }

    static func submit(
        _ connection: ConnectionOptions, _ proposal: ProposalOptions, _ change: GovernanceChange
    ) async throws {
        try await connection.submit(
            .governance(.propose(proposalID: proposal.proposalID, change: change)),
            summary: "proposed \(change.name) as \(proposal.proposalID)")
    }

    static func role(_ name: String) throws -> Role {
        guard let role = Role(rawValue: name) else {
            throw ValidationError(
                "unknown role \(name): \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }

    static func key(_ hex: String, _ flag: String) throws -> PublicKey {
        try publicKey(hex: hex, keyFile: nil, flag)
    }

    struct RegisterOrganisation: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "register-organisation", abstract: "Register an organisation.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key \
                keys/data-bureau-admin-1.key org propose \
                register-organisation --proposal-id P001 --org-id tax-bureau --name "Provincial \
                Tax Bureau" \
                --credit-code 11360000MB0000010X
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("org-id"), help: "The organisation's id.") var organisationID:
            String
        @Option(name: .long, help: "Its name.") var name: String
        @Option(
            name: .customLong("credit-code"), help: "Its unified social credit code (GB 32100).")
        var creditCode: String

        func validate() throws {
            try validateID(organisationID, "--org-id")
            guard CheckCharacters.isValidCreditCode(creditCode) else {
                throw ValidationError("--credit-code \(creditCode) fails the GB 32100 check")
            }
        }

        func run() async throws {
            try await Propose.submit(
                connection, proposal,
                .registerOrganisation(id: organisationID, name: name, creditCode: creditCode))
        }
    }

    struct AddKey: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-key", abstract: "Register a signing key for an organisation.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key \
                keys/data-bureau-admin-1.key org propose add-key \
                --proposal-id P002 --org-id tax-bureau --public-key 3b6a...9f --role bill-issuer
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("org-id"), help: "The organisation.") var organisationID: String
        @Option(name: .customLong("public-key"), help: "The key (64 hex characters).")
        var publicKey: String
        @Option(name: .long, help: "A role (repeatable).") var role: [String] = []
        @Option(
            name: .customLong("licence-type"), help: "A licence type it may issue (repeatable).")
        var licenceTypes: [String] = []

        func validate() throws {
            try validateID(organisationID, "--org-id")
            _ = try Propose.key(publicKey, "--public-key")
            for name in role { _ = try Propose.role(name) }
        }

        func run() async throws {
            try await Propose.submit(
                connection, proposal,
                .addKey(
                    organisationID: organisationID,
                    publicKey: try Propose.key(publicKey, "--public-key"),
                    roles: try role.map(Propose.role), licenceTypes: licenceTypes))
        }
    }

    struct RemoveKey: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-key", abstract: "Remove a registered key.",
            discussion: """
                Example: govchain ... org propose remove-key --proposal-id P003 --public-key \
                3b6a...9f
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("public-key"), help: "The key.") var publicKey: String

        func validate() throws { _ = try Propose.key(publicKey, "--public-key") }

        func run() async throws {
            try await Propose.submit(
                connection, proposal, .removeKey(try Propose.key(publicKey, "--public-key")))
        }
    }

    struct RotateKey: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key", abstract: "Replace a key; the new one takes over its roles.",
            discussion: """
                Example: govchain ... org propose rotate-key --proposal-id P004 --old-key \
                3b6a...9f --new-key 8c1d...02
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("old-key"), help: "The key to retire.") var oldKey: String
        @Option(name: .customLong("new-key"), help: "Its replacement.") var newKey: String

        func validate() throws {
            _ = try Propose.key(oldKey, "--old-key")
            _ = try Propose.key(newKey, "--new-key")
        }

        func run() async throws {
            try await Propose.submit(
                connection, proposal,
                .rotateKey(
                    old: try Propose.key(oldKey, "--old-key"),
                    new: try Propose.key(newKey, "--new-key")))
        }
    }

    struct GrantRole: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "grant-role",
            abstract: "Give a key a role (and licence types, for licence-issuer).",
            discussion: """
                Example: govchain ... org propose grant-role --proposal-id P005 --public-key \
                3b6a...9f \
                --role licence-issuer --licence-type 2210000
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("public-key"), help: "The key.") var publicKey: String
        @Option(name: .long, help: "The role.") var role: String
        @Option(name: .customLong("licence-type"), help: "A licence type (repeatable).")
        var licenceTypes: [String] = []

        func validate() throws {
            _ = try Propose.key(publicKey, "--public-key")
            _ = try Propose.role(role)
        }

        func run() async throws {
            try await Propose.submit(
                connection, proposal,
                .grantRole(
                    publicKey: try Propose.key(publicKey, "--public-key"),
                    role: try Propose.role(role),
                    licenceTypes: licenceTypes))
        }
    }

    struct RevokeRole: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-role", abstract: "Take a role from a key.",
            discussion:
                "Example: govchain ... org propose revoke-role --proposal-id P006 --public-key 3b6a...9f --role reimburser"
        )

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("public-key"), help: "The key.") var publicKey: String
        @Option(name: .long, help: "The role.") var role: String

        func validate() throws {
            _ = try Propose.key(publicKey, "--public-key")
            _ = try Propose.role(role)
        }

        func run() async throws {
            try await Propose.submit(
                connection, proposal,
                .revokeRole(
                    publicKey: try Propose.key(publicKey, "--public-key"),
                    role: try Propose.role(role)))
        }
    }
}
