import ArgumentParser
import Foundation
import KeyFiles
import Ledger

/// `govchain key`: sign, verify and hash raw bytes under either suite, so a team building
/// its own client in another language can check its signatures and digests against ours
/// (docs/client.md). Nothing here talks to a node.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Sign, verify and hash bytes with a key file (Ed25519 or SM2): interop checks.",
        subcommands: [Sign.self, Verify.self, Digest.self])

    /// The SM2 user id option shared by the subcommands.
    struct UserIDOption: ParsableArguments {
        @Option(
            name: .customLong("sm2-user-id"),
            help: "SM2 user id (ID_A) the signature binds (default 1234567812345678).")
        var sm2UserID = String(decoding: SM2.defaultUserID, as: UTF8.self)

        /// Fixes this process's suite for `algorithm` and the user id.
        func activate(_ algorithm: SignatureAlgorithm) throws {
            do {
                try CryptoSuite.activate(algorithm.suite, sm2UserID: Array(sm2UserID.utf8))
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    static func message(hex: String) throws -> [UInt8] {
        guard let bytes = Hex.decode(hex) else {
            throw ValidationError("--message-hex must be an even number of hex digits")
        }
        return bytes
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign",
            abstract: "Sign hex bytes with a key file; prints the 64-byte signature as hex.",
            discussion: """
                Ed25519 signs the bytes (RFC 8032); SM2 signs SM3(Z_A || bytes) with a fresh \
                random k, as GM/T 0003.2 says, and prints r || s.
                Example: govchain key sign --key-file hospital-a.key --message-hex 616263
                """)
        @Option(name: .customLong("key-file"), help: "Key file (from `govchain keygen`).")
        var key: String
        @Option(name: .customLong("message-hex"), help: "The bytes to sign, hex.")
        var messageHex: String
        @OptionGroup var userID: UserIDOption

        func run() throws {
            let message = try KeyCommand.message(hex: messageHex)
            let signer: SigningKey
            do { signer = try KeyFile.read(from: key) } catch {
                throw ValidationError("--key-file \(key): \(error)")
            }
            try userID.activate(signer.algorithm)
            print(signer.sign(message).hex)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check a signature under a public key; exits 0 if valid, 1 if not.",
            discussion: """
                The key's length names its algorithm: 64 hex digits Ed25519, 66 hex digits SM2 \
                (compressed). The chain's pinned rules apply (docs/encoding.md).
                Example: govchain key verify --public-key 03... --signature ... --message-hex 616263
                """)
        @Option(name: .customLong("public-key"), help: "Public key, hex.") var publicKey: String
        @Option(name: .long, help: "Signature, 128 hex digits.") var signature: String
        @Option(name: .customLong("message-hex"), help: "The signed bytes, hex.")
        var messageHex: String
        @OptionGroup var userID: UserIDOption

        func run() throws {
            let message = try KeyCommand.message(hex: messageHex)
            guard let key = PublicKey(hex: publicKey) else {
                throw ValidationError("--public-key is not an Ed25519 or compressed SM2 key")
            }
            guard let parsed = Signature(hex: signature) else {
                throw ValidationError("--signature must be 128 hex digits")
            }
            try userID.activate(key.algorithm)
            let valid = key.isValidSignature(parsed, for: message)
            print(valid ? "valid" : "invalid")
            if !valid { throw ExitCode(1) }
        }
    }

    struct Digest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "digest",
            abstract: "Hash hex bytes (SHA-256 or SM3), or HMAC them under a key.",
            discussion: """
                Example: govchain key digest --hash sm3 --message-hex 616263
                Example: govchain key digest --hash sm3 --hmac-key-hex 6b6579 --message-hex 616263
                """)
        @Option(name: .long, help: "sha-256 or sm3.") var hash: String = "sha-256"
        @Option(name: .customLong("hmac-key-hex"), help: "HMAC key, hex (omit for a plain hash).")
        var hmacKeyHex: String?
        @Option(name: .customLong("message-hex"), help: "The bytes to hash, hex.")
        var messageHex: String

        func run() throws {
            guard let algorithm = HashAlgorithm(rawValue: hash) else {
                throw ValidationError("--hash must be sha-256 or sm3")
            }
            let message = try KeyCommand.message(hex: messageHex)
            if let hmacKeyHex {
                guard let key = Hex.decode(hmacKeyHex) else {
                    throw ValidationError("--hmac-key-hex must be hex")
                }
                print(algorithm.authenticationCode(key: key, message: message).hex)
            } else {
                print(algorithm.hash(message).hex)
            }
        }
    }
}
