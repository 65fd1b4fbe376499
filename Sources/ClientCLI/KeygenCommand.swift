import ArgumentParser
import KeyFiles
import Ledger

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a new Ed25519 signing key file (mode 0600) and print its public key.",
        discussion: "Example: govchain keygen --out hospital-a.key")

    @Option(name: .long, help: "Where to write the key file; refuses to overwrite.")
    var out: String

    func run() throws {
        let key = SigningKey.generate()
        try KeyFile.write(key, to: out)
        print(key.publicKey.hex)
    }
}
