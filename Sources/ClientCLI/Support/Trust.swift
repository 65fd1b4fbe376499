import ArgumentParser
import Client
import GovChainAPI
import Foundation
import TOMLKit

/// Where an answer's trust comes from: checked up to a pinned genesis, or the node's word.
enum Provenance {
    /// Checked against the certified header of block `height` (a quorum of the genesis
    /// validators signed it).
    case verified(height: UInt64)
    /// Shown as the node sent it: no trusted genesis was given.
    case unverified
}

/// `--genesis FILE`: the genesis to check answers against, handed over out of band. Without
/// it, `genesis = "path"` from the config file (`$GOVCHAIN_CONFIG`, else
/// `$XDG_CONFIG_HOME/govchain/config.toml`, else `~/.config/govchain/config.toml`).
struct TrustOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            The genesis JSON to verify answers against (default: `genesis` in the config \
            file). Without one, output is marked unverified.
            """)
    var genesis: String?

    /// The genesis file to trust, or nil when neither the option nor a config file names one.
    func genesisPath() throws -> String? {
        if let genesis { return genesis }
        return try ClientConfiguration.load()?.genesis
    }

    /// The trust root, or nil (unverified reads).
    func trustRoot() throws -> TrustRoot? {
        guard let path = try genesisPath() else { return nil }
        return try TrustRoot(genesisFile: path)
    }
}

/// The `govchain` config file (TOML): `genesis` (the genesis to verify against) and
/// `ca_file` (the CA of the nodes' API certificates). Other keys are ignored so a newer file
/// still works with an older tool.
struct ClientConfiguration: Decodable {
    var genesis: String?
    var caFile: String?

    enum CodingKeys: String, CodingKey {
        case genesis
        case caFile = "ca_file"
    }

    static func path(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (path: String, required: Bool)?
    {
        if let explicit = environment["GOVCHAIN_CONFIG"], !explicit.isEmpty {
            return (explicit, true)
        }
        if let base = environment["XDG_CONFIG_HOME"], !base.isEmpty {
            return (base + "/govchain/config.toml", false)
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return (home + "/.config/govchain/config.toml", false)
    }

    /// The configuration, nil when there is no file (a `$GOVCHAIN_CONFIG` that names a
    /// missing file is an error: the operator asked for it). A relative `genesis` or
    /// `ca_file` is taken relative to the config file's directory.
    static func load() throws -> ClientConfiguration? {
        guard let (path, required) = path() else { return nil }
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ValidationError("GOVCHAIN_CONFIG: no file at \(path)") }
            return nil
        }
        var configuration: ClientConfiguration
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            configuration = try TOMLDecoder().decode(ClientConfiguration.self, from: text)
        } catch {
            throw ValidationError("config \(path): \(error)")
        }
        configuration.genesis = configuration.genesis.map { resolve($0, against: path) }
        configuration.caFile = configuration.caFile.map { resolve($0, against: path) }
        return configuration
    }

    /// `file` with `~` expanded and, when relative, taken from the config file's directory.
    static func resolve(_ file: String, against configPath: String) -> String {
        let expanded = NSString(string: file).expandingTildeInPath
        return expanded.hasPrefix("/")
            ? expanded
            : URL(fileURLWithPath: configPath).deletingLastPathComponent().appendingPathComponent(expanded).path
    }
}

/// A command whose answers are verified against a trusted genesis when one is given.
protocol VerifyingCommand: ConnectedCommand {
    var trust: TrustOptions { get }
}

/// What a reading command reads with: the node's client, and a verifier when a genesis is
/// trusted.
struct Reader {
    let client: GovChainClient
    let verifier: VerifiedReader?
}

extension ConnectionOptions {
    /// Runs `body` with a reader that verifies when `trust` names a genesis. The chain's suite
    /// and id then come from the genesis, never from a node (`GovChainCLI.main` activated the
    /// genesis suite before anything was hashed).
    func read(trust: TrustOptions, _ body: (Reader, Output) async throws -> Void) async throws {
        let root: TrustRoot?
        do { root = try trust.trustRoot() } catch let error as ClientError {
            throw output.fail(error)
        }
        guard let root else {
            try await perform { client, output in
                try await body(Reader(client: client, verifier: nil), output)
            }
            return
        }
        try await perform(trusting: root) { client, output in
            let verifier = try VerifiedReader(client: client, trust: root)
            try await body(Reader(client: client, verifier: verifier), output)
        }
    }
}

extension Output {
    /// Prints `value` as JSON with `verified` (and `verified_height`) added, or as text: each
    /// line of an unverified answer marked "unverified: ", a verified one followed by what it
    /// was checked against.
    func emit<Value: Encodable>(
        _ value: Value, _ provenance: Provenance, human: () -> String
    ) {
        if json {
            print(Self.encode(Checked(value: value, provenance: provenance)))
            return
        }
        switch provenance {
        case .verified(let height):
            print(human())
            print(
                "verified: checked up to the trusted genesis through the certificate of "
                    + "block \(height)")
        case .unverified:
            let lines = human().split(separator: "\n", omittingEmptySubsequences: false)
            for line in lines { print("unverified: " + line) }
        }
    }
}

/// A value with its provenance flattened into the same JSON object.
struct Checked<Value: Encodable>: Encodable {
    let value: Value
    let provenance: Provenance

    enum CodingKeys: String, CodingKey {
        case verified
        case verifiedHeight = "verified_height"
    }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch provenance {
        case .verified(let height):
            try container.encode(true, forKey: .verified)
            try container.encode(height, forKey: .verifiedHeight)
        case .unverified:
            try container.encode(false, forKey: .verified)
        }
    }
}

extension Reader {
    /// One record: with a verifier, decoded from a value proven at the newest certified
    /// height (absence proven too), else the node's query route.
    /// - Parameters:
    ///   - what: names the record in "not found".
    ///   - proven: the verified read (record or nil, and the state's height).
    ///   - view: the record's view, as the query route renders it.
    ///   - unproven: the node's query route.
    func record<Record, Info>(
        _ what: String, proven: (VerifiedReader) async throws -> (Record?, UInt64),
        view: (Record) -> Info, unproven: (GovChainClient) async throws -> Info?
    ) async throws -> (Info, Provenance) {
        guard let verifier else {
            return (try await unproven(client).orNotFound(what), .unverified)
        }
        let (record, height) = try await proven(verifier)
        // State after block h is proven by the certified header of block h + 1.
        let found = try record.orNotFound("\(what) (proven absent after block \(height))")
        return (view(found), .verified(height: height + 1))
    }
}

/// `--height H`: read a record as of block H (default: the latest).
struct AsOfOptions: ParsableArguments {
    @Option(name: .long, help: "Read the record as of this block height (default: the latest).")
    var height: UInt64?
}

/// The paragraph every verifying command's help starts with.
let verifyingNote = """
    With a trusted genesis (--genesis, or `genesis` in the config file) the record's state \
    proof is checked up to it; without one every line is marked unverified.
    """
