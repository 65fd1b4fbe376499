import ArgumentParser
import Client
import GovChainAPI
import Foundation
import Ledger

/// `govchain`: the tool of departments, verifiers and auditors.
@main
struct GovChainCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "govchain",
        abstract: "Use a GovChain network: for issuing departments, verifiers and auditors.",
        discussion: """
            Submit signed contract calls (licences, authorisations, licence use, e-bills, \
            reimbursement claims), query and verify what the chain holds, and audit it.

            Usage: govchain --node URL [--node URL ...] [--key FILE] <area> <action> [options]
            The connection options (--node, --key, --chain-id, --json, --timeout-seconds) may \
            come before the area or after the action. Calls need --key; queries do not. \
            Amounts are integer fen (1/100 yuan). A person is named only by a commitment: \
            --holder-commitment HEX (or --payer-commitment HEX for a bill), which the identity \
            provider makes with `govchain identity commitment`, the only command that takes the \
            pepper.
            With --json every command prints one JSON object on stdout (errors as {"error": {...}}).

            Example: govchain --node http://127.0.0.1:8600 --key keys/public-security.key \
            licence issue --help

            \(ExitStatus.help)
            """,
        subcommands: [
            OrgCommand.self, DutyCommand.self, LicenceTypeCommand.self, LicenceCommand.self,
            AuthCommand.self,
            UseCommand.self,
            BillCommand.self,
            ClaimCommand.self, AuditCommand.self, BlockCommand.self, TxCommand.self,
            StatusCommand.self,
            KeygenCommand.self, KeyCommand.self, IdentityCommand.self, DemoCommand.self,
            BenchCommand.self,
        ]
    )

    @OptionGroup var connection: ConnectionOptions

    /// As ArgumentParser's `main`, except that invalid input exits 2 (documented above)
    /// rather than EX_USAGE, so one table of exit codes covers every command.
    static func main() async {
        do {
            var command = try parseAsRoot()
            // The chain's crypto suite is fixed before the command hashes anything (a holder
            // commitment, a file digest): the first node that answers names it.
            // With a trusted genesis the suite is the genesis's, never a node's word (an
            // unreadable genesis is reported by the command itself).
            if let verifying = command as? any VerifyingCommand,
                let path = try? verifying.trust.genesisPath()
            {
                _ = try? TrustRoot(genesisFile: path)
            } else if let connected = command as? any ConnectedCommand {
                await connected.connection.establishSuite()
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.invalidInput)
            }
            exit(withError: error)
        }
    }
}

/// A command that talks to a node through the shared connection options.
protocol ConnectedCommand {
    var connection: ConnectionOptions { get }
}

/// Parses a `--suite` value naming a chain suite (ed25519-sha256, sm2-sm3).
func parseSuite(_ name: String) throws -> CryptoSuite {
    do { return try CryptoSuite(genesisName: name) } catch {
        throw ValidationError("--suite: \(error)")
    }
}
