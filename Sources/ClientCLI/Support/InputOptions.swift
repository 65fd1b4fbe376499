import ArgumentParser
import Contracts
import Foundation
import KeyFiles
import Ledger

/// A person on chain is only a commitment, which the identity provider makes
/// (`govchain identity commitment`) and gives to departments: no department command takes
/// an ID number or the pepper.
struct HolderOptions: ParsableArguments {
    @Option(
        name: .customLong("holder-commitment"),
        help: """
            The holder's commitment (64 hex), context authorisation, from the identity \
            provider (`govchain identity commitment`).
            """)
    var holderCommitment: String

    func validate() throws { _ = try commitment() }

    func commitment() throws -> Hash256 { try parseHex32(holderCommitment, "--holder-commitment") }
}

/// The payer of a bill, as a commitment in the bills context (like `HolderOptions`).
struct PayerOptions: ParsableArguments {
    @Option(
        name: .customLong("payer-commitment"),
        help: """
            The payer's commitment (64 hex), context bills, from the identity provider \
            (`govchain identity commitment --context bills`).
            """)
    var payerCommitment: String

    func validate() throws { _ = try commitment() }

    func commitment() throws -> Hash256 { try parseHex32(payerCommitment, "--payer-commitment") }
}

/// A licence file's digest under the chain's hash (SHA-256, or SM3 on an sm2-sm3 chain):
/// computed from the file, or given.
struct FileDigestOptions: ParsableArguments {
    @Option(name: .long, help: "The licence file (OFD/PDF); only its digest is sent.")
    var file: String?

    @Option(
        name: .customLong("file-digest"),
        help: "The licence file's digest, SHA-256 or SM3 as the chain's suite (64 hex).")
    var fileDigest: String?

    func validate() throws {
        switch (file, fileDigest) {
        case (nil, nil): throw ValidationError("give --file PATH or --file-digest HEX")
        case (_?, _?): throw ValidationError("give either --file or --file-digest, not both")
        case (nil, let hex?):
            guard Hash256(hex: hex) != nil else {
                throw ValidationError("--file-digest must be 64 hex characters")
            }
        case (_?, nil): break
        }
    }

    func digest() throws -> Hash256 {
        if let fileDigest, let digest = Hash256(hex: fileDigest) { return digest }
        guard let file, let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read --file \(file ?? "")")
        }
        return ChainHash.hash(Array(data))
    }
}

/// A validity window in milliseconds since the Unix epoch.
struct ValidityOptions: ParsableArguments {
    @Option(name: .customLong("valid-from-ms"), help: "Start of validity (default: now).")
    var validFromMs: UInt64?

    @Option(name: .customLong("valid-until-ms"), help: "End of validity.")
    var validUntilMs: UInt64?

    @Option(name: .customLong("valid-days"), help: "End of validity, in days after the start.")
    var validDays: UInt64?

    func validate() throws {
        guard (validUntilMs == nil) != (validDays == nil) else {
            throw ValidationError("give one of --valid-until-ms or --valid-days")
        }
        if let validDays, !(1...36_500).contains(validDays) {
            throw ValidationError("--valid-days must be 1...36500")
        }
        let (from, until) = window()
        guard from < until else { throw ValidationError("validity must end after it starts") }
    }

    func window() -> (from: UInt64, until: UInt64) {
        let from = validFromMs ?? nowMs()
        return (from, validUntilMs ?? from + (validDays ?? 0) * 86_400_000)
    }
}

func nowMs() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

/// Ids are 1...64 of `A-Z a-z 0-9 . _ -` on chain: checked before anything is sent.
func validateID(_ value: String, _ flag: String) throws {
    let allowed = value.utf8.allSatisfy { byte in
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
    guard (1...64).contains(value.utf8.count), allowed else {
        throw ValidationError("\(flag) \"\(value)\" must be 1...64 of A-Z a-z 0-9 . _ -")
    }
}

func validateLicenceID(_ value: String, _ flag: String = "--licence-id") throws {
    do { _ = try LicenceIdentifier(parsing: value) } catch {
        throw ValidationError("\(flag): \(error)")
    }
}

/// A public key given as hex or as a key file (whose public half is used).
func publicKey(hex: String?, keyFile: String?, _ flag: String) throws -> PublicKey {
    if let hex {
        guard let key = PublicKey(hex: hex) else {
            throw ValidationError("\(flag) must be 64 hex characters")
        }
        return key
    }
    guard let keyFile else { throw ValidationError("give \(flag)") }
    do { return try KeyFile.read(from: keyFile).publicKey } catch {
        throw ValidationError("\(keyFile): \(error)")
    }
}

func parseHex32(_ text: String, _ flag: String) throws -> Hash256 {
    guard let value = Hash256(hex: text) else {
        throw ValidationError("\(flag) must be 64 hex characters")
    }
    return value
}
