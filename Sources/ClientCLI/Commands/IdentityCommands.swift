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
                Without --id-number, ID numbers are read from standard input, one per line, \
                and one commitment is printed per line in the same order: that keeps ID \
                numbers out of the process list and the shell's history, and serves a batch.
                --suite has no default: a commitment under the wrong suite matches nothing \
                on the chain, silently.
                Example: govchain identity commitment --context authorisation --suite \
                ed25519-sha256 --pepper-file pepper.bin < id-numbers.txt
                Example: govchain identity commitment --context bills --id-number \
                360102199001011234 --pepper-file pepper.bin --suite sm2-sm3
                """)

        @Option(name: .long, help: "authorisation or bills.") var context: String
        @Option(
            name: .customLong("id-number"),
            help: "The person's ID number (default: read ID numbers from standard input, one per line).")
        var idNumber: String?
        @Option(
            name: .customLong("pepper-file"),
            help: "The chain's pepper (the file's bytes; a trailing newline is ignored).")
        var pepperFile: String
        @Option(
            name: .customLong("suite"),
            help: "The chain's crypto suite: ed25519-sha256 (HMAC-SHA-256) or sm2-sm3 (HMAC-SM3).")
        var suite: String

        /// The most ID numbers one run reads from standard input.
        static let maxLines = 1_000_000
        /// The longest line taken as an ID number (ID numbers are 18 characters).
        static let maxLineBytes = 256

        func validate() throws {
            _ = try IdentityProvider.context(context)
            guard CryptoSuite(rawValue: suite) != nil else {
                throw ValidationError("--suite must be ed25519-sha256 or sm2-sm3")
            }
            if let idNumber, idNumber.trimmingCharacters(in: .whitespaces).isEmpty {
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
            let pepper = try IdentityProvider.readPepper(pepperFile)
            let context = try IdentityProvider.context(context)
            if let idNumber {
                print(IdentityProvider.commitment(pepper: pepper, idNumber: idNumber, context: context).hex)
                return
            }
            var count = 0
            try Self.eachLine(maxBytes: Self.maxLineBytes) { id in
                // Taken as `--id-number` would be: HolderCommitment trims the spaces itself.
                if id.allSatisfy({ $0 == " " }) { return }
                count += 1
                guard count <= Self.maxLines else {
                    throw ValidationError("more than \(Self.maxLines) ID numbers on standard input")
                }
                print(IdentityProvider.commitment(pepper: pepper, idNumber: id, context: context).hex)
            }
        }

        /// Standard input line by line (a CRLF's CR dropped), refusing a line longer than
        /// `maxBytes` before holding more of it. Never echoes a line: each is an ID number.
        static func eachLine(maxBytes: Int, _ body: (String) throws -> Void) throws {
            var line: [UInt8] = []
            var number = 1
            func finish() throws {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                try body(String(decoding: line, as: UTF8.self))
                line.removeAll(keepingCapacity: true)
                number += 1
            }
            while true {
                let character = getchar()
                if character == EOF {
                    if !line.isEmpty { try finish() }
                    return
                }
                if character == 0x0A {
                    try finish()
                    continue
                }
                guard line.count < maxBytes else {
                    throw ValidationError("line \(number) of standard input is longer than \(maxBytes) bytes")
                }
                line.append(UInt8(truncatingIfNeeded: character))
            }
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
