import ArgumentParser
import Client
import GovChainAPI
import Contracts
import KeyFiles
import Ledger

/// `govchain auth ...`: the holder's authorisations (授权) and their delegation.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Grant, revoke and delegate authorisations; bind holder keys; list live grants.",
        subcommands: [
            Grant.self, Revoke.self, Delegate.self, BindHolderKey.self, UnbindHolderKey.self,
            Mandate.self, RevokeMandate.self, Mandates.self, ShowMandate.self, List.self, Show.self,
        ])

    struct Grant: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a holder's authorisation of an organisation.",
            discussion: """
                Attested by the identity provider (the --key is an identity-provider key), or \
                signed by \
                the holder with --holder-key (a key the identity provider bound to the holder; any \
                registered --key may then submit it).
                Example: govchain --node http://127.0.0.1:8600 --key keys/identity-provider.key \
                auth grant \
                --grant-id G001 --holder-commitment 9d2c...41 \
                --grantee housing-fund \
                --licence-id 1110000.11360000MB00000024.D001.1.4 --purpose housing-loan \
                --valid-days 30 --consent remote --channel gft-app
                An agent the holder mandated signs with --mandate-id M001 --agent-key agent.key.
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("grant-id"), help: "The new grant's id.") var grantID: String
        @OptionGroup var holder: HolderOptions
        @Option(name: .long, help: "The organisation allowed to use the data.") var grantee: String
        @Option(name: .customLong("licence-id"), help: "A licence in scope (repeatable).")
        var licenceIDs: [String] = []
        @Option(name: .customLong("licence-type"), help: "A licence type in scope (repeatable).")
        var licenceTypes: [String] = []
        @Option(name: .customLong("data-category"), help: "A data category in scope (repeatable).")
        var dataCategories: [String] = []
        @Option(
            name: .long,
            help: """
                The purpose the holder consents to (e.g. housing-loan): uses may name it or a \
                service item registered under it.
                """)
        var purpose: String
        @OptionGroup var validity: ValidityOptions
        @Flag(name: .long, help: "Allow the grantee to delegate to an agent organisation.")
        var delegable = false
        @Option(
            name: .customLong("holder-key"),
            help: "The holder's own key file: sign the grant as the holder.")
        var holderKey: String?
        @OptionGroup var consent: ConsentOptions
        @Option(name: .customLong("mandate-id"), help: "Sign as an agent under this mandate.")
        var mandateID: String?
        @Option(name: .customLong("agent-key"), help: "The agent's own key file (--mandate-id).")
        var agentKey: String?

        func validate() throws {
            try validateID(grantID, "--grant-id")
            try validateID(grantee, "--grantee")
            try validateID(purpose, "--purpose")
            guard !(licenceIDs.isEmpty && licenceTypes.isEmpty && dataCategories.isEmpty) else {
                throw ValidationError(
                    "give at least one --licence-id, --licence-type or --data-category")
            }
            for id in licenceIDs + licenceTypes + dataCategories {
                try validateID(id, "scope entry")
            }
            guard (mandateID == nil) == (agentKey == nil) else {
                throw ValidationError("--mandate-id and --agent-key go together")
            }
            guard mandateID == nil || holderKey == nil else {
                throw ValidationError("sign as the holder (--holder-key) or as an agent, not both")
            }
        }

        func run() async throws {
            let (from, until) = validity.window()
            let terms = GrantTerms(
                grantID: grantID, holder: try holder.commitment(), granteeOrganisation: grantee,
                scope: GrantScope(
                    licenceIDs: licenceIDs, licenceTypes: licenceTypes,
                    dataCategories: dataCategories),
                purpose: purpose, consent: try consent.consent(), validFromMs: from,
                validUntilMs: until, delegable: delegable)
            let signer = try holderKey.map(readKey)
            let agent = try agentKey.map(readKey)
            try await connection.submit(summary: "granted \(grantID) to \(grantee)") { client in
                if let agent, let mandateID {
                    let signature = agent.sign(terms.signingBytes(chainID: client.chainID))
                    return .authorisation(
                        .grant(
                            terms,
                            .agentSignature(
                                mandateID: mandateID, agentKey: agent.publicKey,
                                signature: signature)))
                }
                guard let signer else { return .authorisation(.grant(terms, .identityProvider)) }
                let signature = signer.sign(terms.signingBytes(chainID: client.chainID))
                return .authorisation(
                    .grant(
                        terms, .holderSignature(holderKey: signer.publicKey, signature: signature)))
            }
        }
    }

    struct Revoke: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "End a grant (and every delegation made from it).",
            discussion: """
                Attested by the identity provider, or signed by the holder with --holder-key.
                Example: govchain --node http://127.0.0.1:8600 --key keys/identity-provider.key \
                auth revoke --grant-id G001
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("grant-id"), help: "The grant.") var grantID: String
        @Option(
            name: .customLong("holder-key"), help: "The holder's own key file: sign the revocation."
        )
        var holderKey: String?

        func validate() throws { try validateID(grantID, "--grant-id") }

        func run() async throws {
            let signer = try holderKey.map(readKey)
            try await connection.submit(summary: "revoked grant \(grantID)") { client in
                guard let signer else {
                    return .authorisation(.revoke(grantID: grantID, .identityProvider))
                }
                let bytes = AuthorisationCall.revocationSigningBytes(
                    chainID: client.chainID, grantID: grantID)
                return .authorisation(
                    .revoke(
                        grantID: grantID,
                        .holderSignature(holderKey: signer.publicKey, signature: signer.sign(bytes))
                    ))
            }
        }
    }

    struct Delegate: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pass a delegable grant on to an agent organisation (grantee's key).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/housing-fund.key auth \
                delegate \
                --grant-id G001 --new-grant-id G001-A --agent market-regulation --valid-until-ms \
                1790000000000
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("grant-id"), help: "The grant to delegate.") var grantID: String
        @Option(name: .customLong("new-grant-id"), help: "The delegation's id.") var newGrantID:
            String
        @Option(name: .long, help: "The agent organisation.") var agent: String
        @Option(
            name: .customLong("valid-until-ms"),
            help: "End of the delegation (never after the grant's).")
        var validUntilMs: UInt64

        func validate() throws {
            try validateID(grantID, "--grant-id")
            try validateID(newGrantID, "--new-grant-id")
            try validateID(agent, "--agent")
        }

        func run() async throws {
            try await connection.submit(
                .authorisation(
                    .delegate(
                        grantID: grantID, newGrantID: newGrantID, agentOrganisation: agent,
                        validUntilMs: validUntilMs)),
                summary: "delegated \(grantID) to \(agent) as \(newGrantID)")
        }
    }

    struct BindHolderKey: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "bind-holder-key",
            abstract: "Bind a holder's own public key to their commitment (identity provider).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/identity-provider.key \
                auth bind-holder-key \
                --holder-commitment 9d2c...41 --holder-public-key 3b6a...9f
                The key may be bound to one commitment only (refused with 312 otherwise): a \
                holder uses one key per context, or the key would join the two commitments.
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var holder: HolderOptions
        @Option(
            name: .customLong("holder-public-key"),
            help: "The holder's public key (64 hex characters).")
        var holderPublicKey: String?
        @Option(
            name: .customLong("holder-key"),
            help: "Or the holder's key file (its public half is used).")
        var holderKey: String?

        func validate() throws {
            guard (holderPublicKey == nil) != (holderKey == nil) else {
                throw ValidationError("give one of --holder-public-key or --holder-key")
            }
        }

        func run() async throws {
            let key = try publicKey(hex: holderPublicKey, keyFile: holderKey, "--holder-public-key")
            try await connection.submit(
                .authorisation(.bindHolderKey(holder: try holder.commitment(), holderKey: key)),
                summary: "bound holder key \(key.hex.prefix(16))")
        }
    }

    struct List: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a holder's grants (delegations included): live ones by default.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 auth list --holder-commitment \
                9d2c...41 --status all
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var holder: HolderOptions
        @Option(
            name: .long,
            help: "live, all, revoked, expired or not-yet-valid (at the latest block's time).")
        var status: String = "live"

        func validate() throws {
            guard status == "all" || GrantStatus(rawValue: status) != nil else {
                throw ValidationError("--status must be live, all, revoked, expired or not-yet-valid")
            }
        }

        func run() async throws {
            let commitment = try holder.commitment()
            let filter = GrantStatus(rawValue: status)  // nil: all
            try await connection.perform { client, output in
                let grants = try await client.grants(ofHolder: commitment, status: filter)
                output.emitList("grants", grants, line: AuthCommand.describe)
            }
        }
    }

    struct Show: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a grant.",
            discussion: """
                \(verifyingNote)
                Example: govchain --node http://127.0.0.1:8600 auth show --grant-id G001
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @OptionGroup var asOf: AsOfOptions
        @Option(name: .customLong("grant-id"), help: "The grant.") var grantID: String

        func validate() throws { try validateID(grantID, "--grant-id") }

        func run() async throws {
            try await connection.read(trust: trust) { reader, output in
                let (grant, provenance) = try await reader.record(
                    "grant \(grantID)", proven: { try await $0.grantView(grantID, height: asOf.height) },
                    view: { $0 }, unproven: { try await $0.grant(grantID, height: asOf.height) })
                output.emit(grant, provenance) { AuthCommand.describe(grant) }
            }
        }
    }

    static func describe(_ grant: GrantView) -> String {
        let scope = grant.scope
        let covered = (scope.licenceIDs + scope.licenceTypes + scope.dataCategories).joined(
            separator: ",")
        return
            "\(grant.grantID): \(grant.granteeOrganisation) for \(grant.purpose) on [\(covered)] "
            + "until \(grant.validUntilMs), attested by \(grant.attestedBy)"
            + " (\(grant.status))"
            + (grant.parentGrantID.map { ", delegated from \($0)" } ?? "")
    }
}

func readKey(_ path: String) throws -> SigningKey {
    do { return try KeyFile.read(from: path) } catch { throw ValidationError("\(path): \(error)") }
}

/// `govchain use record`: a licence use (用证) under a grant or a statutory duty.
struct UseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "use",
        abstract: "Record a licence use under a grant or a statutory duty.",
        subcommands: [Record.self, Data.self, DataList.self, List.self],
        defaultSubcommand: Record.self)

    struct Record: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that your organisation used a licence (licence-user key).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/housing-fund.key use \
                record \
                --use-id U0001 --licence-id 1110000.11360000MB00000024.D001.1.4 \
                --purpose housing-loan --item-code HF-LOAN-001 --grant-id G001
                Resubmitting with the same --use-id after a timeout records nothing twice.
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(
            name: .customLong("use-id"),
            help: "Your organisation's id for this use (a retry with it records nothing twice).")
        var useID: String
        @Option(name: .customLong("licence-id"), help: "The licence used.") var licenceID: String
        @Option(
            name: .long, help: "The purpose of the use (with --grant-id, the grant's purpose).")
        var purpose: String
        @Option(
            name: .customLong("item-code"),
            help: """
                The service-item code (权责事项) the use serves: the purpose itself or an item \
                registered under it; with --statutory-duty, a registered item listing your \
                organisation.
                """)
        var itemCode: String
        @Option(name: .customLong("grant-id"), help: "The grant relied on.") var grantID: String?
        @Flag(
            name: .customLong("statutory-duty"),
            help: "The use is a statutory duty (依职能查验), no grant.")
        var statutoryDuty = false

        func validate() throws {
            try validateID(useID, "--use-id")
            try validateLicenceID(licenceID)
            try validateID(purpose, "--purpose")
            try validateID(itemCode, "--item-code")
            guard (grantID == nil) == statutoryDuty else {
                throw ValidationError("give either --grant-id ID or --statutory-duty")
            }
            if let grantID { try validateID(grantID, "--grant-id") }
        }

        func run() async throws {
            let basis: UseBasis = grantID.map { .grant(grantID: $0) } ?? .statutoryDuty
            try await connection.submit(
                .licenceUse(
                    .use(
                        useID: useID, licenceID: licenceID, purpose: purpose,
                        itemCode: itemCode, basis: basis)),
                summary: "recorded use of \(licenceID)")
        }
    }
}
