import ArgumentParser
import Client
import GovChainAPI
import Contracts
import KeyFiles
import Ledger

/// How consent was given, on every authorisation (seed 003: 面对面授权 / 异地授权).
struct ConsentOptions: ParsableArguments {
    @Option(name: .customLong("consent"), help: "face-to-face or remote.")
    var mode: String
    @Option(name: .long, help: "The channel consent came through, e.g. gft-app, hall-360102-03.")
    var channel: String

    func validate() throws {
        _ = try consent()
    }

    func consent() throws -> Consent {
        let mode: ConsentMode
        switch self.mode {
        case "face-to-face": mode = .faceToFace
        case "remote": mode = .remote
        default: throw ValidationError("--consent must be face-to-face or remote")
        }
        try validateID(channel, "--channel")
        return Consent(mode: mode, channel: channel)
    }
}

extension AuthCommand {
    struct UnbindHolderKey: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "unbind-holder-key",
            abstract: "Unbind a holder's lost key (identity provider); their grants stay.",
            discussion: """
                Bind the new key with bind-holder-key afterwards.
                Example: govchain --node http://127.0.0.1:8600 --key keys/identity-provider.key \
                auth unbind-holder-key --holder-commitment 9d2c...41 \
                --holder-public-key 3b6a...9f
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var holder: HolderOptions
        @Option(name: .customLong("holder-public-key"), help: "The lost key, hex.")
        var holderPublicKey: String

        func validate() throws {
            _ = try publicKey(hex: holderPublicKey, keyFile: nil, "--holder-public-key")
        }

        func run() async throws {
            let key = try publicKey(hex: holderPublicKey, keyFile: nil, "--holder-public-key")
            let commitment = try holder.commitment()
            try await connection.submit(
                .authorisation(.unbindHolderKey(holder: commitment, holderKey: key)),
                summary: "unbound key \(key.hex.prefix(16)) from the holder")
        }
    }

    struct Mandate: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "mandate",
            abstract: "Let an agent person grant on a holder's behalf, within a scope and time.",
            discussion: """
                Attested by the identity provider, or signed by the principal with \
                --holder-key. The agent then signs grants with `auth grant --mandate-id ID \
                --agent-key FILE`; revoking the mandate ends them.
                Example: govchain --node http://127.0.0.1:8600 --key keys/identity-provider.key \
                auth mandate --mandate-id M001 --holder-commitment 9d2c...41 \
                --agent-commitment 5e07...c3 --kind entrusted-agent \
                --licence-type 1110000 --purpose housing-loan --valid-days 90 \
                --consent face-to-face --channel hall-360102-03
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("mandate-id"), help: "The new mandate's id.")
        var mandateID: String
        @OptionGroup var holder: HolderOptions
        @Option(
            name: .customLong("agent-commitment"),
            help: "The agent's commitment (64 hex), context authorisation.")
        var agentCommitment: String
        @Option(name: .long, help: "legal-representative or entrusted-agent.") var kind: String
        @Option(name: .customLong("licence-id"), help: "A licence in scope (repeatable).")
        var licenceIDs: [String] = []
        @Option(name: .customLong("licence-type"), help: "A licence type in scope (repeatable).")
        var licenceTypes: [String] = []
        @Option(name: .customLong("data-category"), help: "A data category in scope (repeatable).")
        var dataCategories: [String] = []
        @Option(
            name: .customLong("purpose"),
            help: "A purpose the agent may grant for (repeat; none: any).")
        var purposes: [String] = []
        @OptionGroup var validity: ValidityOptions
        @OptionGroup var consent: ConsentOptions
        @Option(name: .customLong("holder-key"), help: "The principal's own key file: sign it.")
        var holderKey: String?

        func validate() throws {
            try validateID(mandateID, "--mandate-id")
            guard ["legal-representative", "entrusted-agent"].contains(kind) else {
                throw ValidationError("--kind must be legal-representative or entrusted-agent")
            }
            _ = try agent()
            guard !(licenceIDs.isEmpty && licenceTypes.isEmpty && dataCategories.isEmpty) else {
                throw ValidationError("give a --licence-id, --licence-type or --data-category")
            }
            for id in licenceIDs + licenceTypes + dataCategories + purposes {
                try validateID(id, "scope entry")
            }
        }

        func agent() throws -> Hash256 {
            try parseHex32(agentCommitment, "--agent-commitment")
        }

        func run() async throws {
            let (from, until) = validity.window()
            let mandate = Contracts.Mandate(
                mandateID: mandateID, principal: try holder.commitment(), agent: try agent(),
                kind: kind == "legal-representative" ? .legalRepresentative : .entrustedAgent,
                scope: GrantScope(
                    licenceIDs: licenceIDs, licenceTypes: licenceTypes,
                    dataCategories: dataCategories),
                purposes: purposes, validFromMs: from, validUntilMs: until,
                consent: try consent.consent())
            let signer = try holderKey.map(readKey)
            try await connection.submit(summary: "mandate \(mandateID) given") { client in
                guard let signer else {
                    return .authorisation(.mandate(mandate, .identityProvider))
                }
                let signature = signer.sign(mandate.signingBytes(chainID: client.chainID))
                return .authorisation(
                    .mandate(
                        mandate,
                        .holderSignature(holderKey: signer.publicKey, signature: signature)))
            }
        }
    }

    struct RevokeMandate: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-mandate",
            abstract: "End a mandate and every grant its agent made under it.",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 --key keys/identity-provider.key \
                auth revoke-mandate --mandate-id M001
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("mandate-id"), help: "The mandate.") var mandateID: String
        @Option(name: .customLong("holder-key"), help: "The principal's own key file: sign it.")
        var holderKey: String?

        func validate() throws { try validateID(mandateID, "--mandate-id") }

        func run() async throws {
            let signer = try holderKey.map(readKey)
            try await connection.submit(summary: "revoked mandate \(mandateID)") { client in
                guard let signer else {
                    return .authorisation(.revokeMandate(mandateID: mandateID, .identityProvider))
                }
                let bytes = AuthorisationCall.mandateRevocationSigningBytes(
                    chainID: client.chainID, mandateID: mandateID)
                return .authorisation(
                    .revokeMandate(
                        mandateID: mandateID,
                        .holderSignature(
                            holderKey: signer.publicKey, signature: signer.sign(bytes))))
            }
        }
    }

    struct Mandates: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the mandates a holder gave (revoked and expired included).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 auth mandates \
                --holder-commitment 5f0c...e1
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var holder: HolderOptions

        func run() async throws {
            let commitment = try holder.commitment()
            try await connection.perform { client, output in
                output.emitList("mandates", try await client.mandates(ofPrincipal: commitment)) {
                    "\($0.mandateID) agent \($0.agent.prefix(16)) "
                        + "\($0.kind) until \($0.validUntilMs)"
                        + ($0.revoked ? " REVOKED" : "")
                }
            }
        }
    }

    struct ShowMandate: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            commandName: "show-mandate",
            abstract: "Show one mandate (person-to-person delegation).",
            discussion: """
                \(verifyingNote)
                Example: govchain --node http://127.0.0.1:8600 auth show-mandate --mandate-id M001
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @OptionGroup var asOf: AsOfOptions
        @Option(name: .customLong("mandate-id"), help: "The mandate.") var mandateID: String

        func validate() throws { try validateID(mandateID, "--mandate-id") }

        func run() async throws {
            try await connection.read(trust: trust) { reader, output in
                let (mandate, provenance) = try await reader.record(
                    "mandate \(mandateID)", proven: { try await $0.mandate(mandateID, height: asOf.height) },
                    view: { $0 }, unproven: { try await $0.mandate(mandateID, height: asOf.height) })
                output.emit(mandate, provenance) {
                    "\(mandate.mandateID): \(mandate.kind) from \(mandate.principal.prefix(16)) to "
                        + "\(mandate.agent.prefix(16)) for [\(mandate.purposes.joined(separator: ","))] "
                        + "until \(mandate.validUntilMs), attested by \(mandate.attestedBy)"
                        + (mandate.revoked ? " (revoked)" : "")
                }
            }
        }
    }
}
