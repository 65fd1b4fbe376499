import ArgumentParser
import Contracts
import Foundation
import Ledger

/// `govchain identity`: the identity provider's tool, and the one place the pepper is used.
/// Departments never hold the pepper (docs/contracts.md "Privacy"): they are given a
/// person's commitment for the context they act in, and pass it as `--holder-commitment`
/// or `--payer-commitment`.
struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Identity provider: make a person's commitment (the only use of the pepper).",
        subcommands: [Commitment.self])

    struct Commitment: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "commitment",
            abstract: "Print the commitment (64 hex) of an ID number in one context.",
            discussion: """
                One person has one commitment per context, and the two cannot be joined \
                without the pepper: authorisation (licences, grants, mandates, uses, \
                reminders, holder keys) and bills (a bill's payer, the bill wallet). Nothing \
                is sent anywhere.
                Example: govchain identity commitment --context authorisation --id-number \
                360102199001011234 --pepper-file pepper.bin
                Example: govchain identity commitment --context bills --id-number \
                360102199001011234 --pepper-file pepper.bin --suite sm2-sm3
                """)

        @Option(name: .long, help: "authorisation or bills.") var context: String
        @Option(name: .customLong("id-number"), help: "The person's ID number.")
        var idNumber: String
        @Option(
            name: .customLong("pepper-file"),
            help: "The chain's pepper (the file's bytes; a trailing newline is ignored).")
        var pepperFile: String
        @Option(
            name: .customLong("suite"),
            help: "The chain's crypto suite: ed25519-sha256 (HMAC-SHA-256) or sm2-sm3 (HMAC-SM3).")
        var suite = CryptoSuite.ed25519SHA256.rawValue

        func validate() throws {
            _ = try IdentityProvider.context(context)
            guard CryptoSuite(rawValue: suite) != nil else {
                throw ValidationError("--suite must be ed25519-sha256 or sm2-sm3")
            }
            guard !idNumber.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--id-number is empty")
            }
        }

        func run() throws {
            guard let chainSuite = CryptoSuite(rawValue: suite) else {
                throw ValidationError("--suite must be ed25519-sha256 or sm2-sm3")
            }
            do { try CryptoSuite.activate(chainSuite) } catch {
                throw ValidationError("\(error)")
            }
            let commitment = IdentityProvider.commitment(
                pepper: try IdentityProvider.readPepper(pepperFile), idNumber: idNumber,
                context: try IdentityProvider.context(context))
            print(commitment.hex)
        }
    }
}

/// What the identity provider does with the pepper, shared by `identity commitment` and
/// the demo (which plays the identity provider on a devnet).
enum IdentityProvider {
    /// A person's commitment in one context (`HolderCommitment.make` under this process's
    /// suite).
    static func commitment(pepper: [UInt8], idNumber: String, context: CommitmentContext)
        -> Hash256
    {
        HolderCommitment.make(pepper: pepper, idNumber: idNumber, context: context)
    }

    static func context(_ name: String) throws -> CommitmentContext {
        guard let context = CommitmentContext(rawValue: name) else {
            throw ValidationError("--context must be authorisation or bills")
        }
        return context
    }

    /// The pepper file's bytes, without one trailing newline (an editor's).
    static func readPepper(_ path: String) throws -> [UInt8] {
        guard var pepper = FileManager.default.contents(atPath: path).map({ [UInt8]($0) }) else {
            throw ValidationError("cannot read --pepper-file \(path)")
        }
        if pepper.last == UInt8(ascii: "\n") { pepper.removeLast() }
        guard !pepper.isEmpty else { throw ValidationError("--pepper-file \(path) is empty") }
        return pepper
    }
}
