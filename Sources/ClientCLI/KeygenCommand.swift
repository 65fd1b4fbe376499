import ArgumentParser
import KeyFiles
import Ledger

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a new signing key file (mode 0600) and print its public key.",
        discussion: """
            Ed25519 by default; --suite sm2 makes an SM2 key (for a chain whose genesis names \
            the sm2-sm3 suite). The file holds the secret; only the public key is printed.
            Example: govchain keygen --out hospital-a.key
            Example: govchain keygen --suite sm2 --out hospital-a-sm2.key
            """)

    @Option(name: .long, help: "Where to write the key file; refuses to overwrite.")
    var out: String

    @Option(name: .long, help: "Signature algorithm: ed25519 or sm2.")
    var suite = SignatureAlgorithm.ed25519.rawValue

    func validate() throws {
        guard SignatureAlgorithm(rawValue: suite) != nil else {
            throw ValidationError("--suite must be ed25519 or sm2")
        }
    }

    func run() throws {
        let key = SigningKey.generate(SignatureAlgorithm(rawValue: suite) ?? .ed25519)
        try KeyFile.write(key, to: out)
        print(key.publicKey.hex)
    }
}
