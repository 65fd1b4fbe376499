import ArgumentParser
import Foundation
import KeyFiles
import Ledger
import Node

struct GenesisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genesis",
        abstract: "Create and edit genesis documents (validators, organisations, roles, parameters).",
        discussion: "The format is described in genesis/README.md.",
        subcommands: [Devnet.self, AddValidator.self, AddOrganisation.self, Hash.self])

    struct Devnet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "devnet",
            abstract: "Make a local devnet: N validator data directories, organisation keys, one genesis.",
            discussion: """
                Writes OUT/genesis.json, OUT/node<i>/{consensus.key,network.key,evidence.key,config.toml,genesis.json} and \
                OUT/keys/<name>.key for every organisation key of the template.
                Example: govchain-node genesis devnet --validators 4 --out .localnet
                An SM2/SM3 chain (every key SM2, every hash SM3): add --suite sm2-sm3.
                The API over HTTPS with signed reads (what `make run` does): \
                deploy/tls-certs.sh .localnet-tls node0 node1 node2 node3, then add \
                --tls-dir .localnet-tls --reads signed.
                """)

        @Option(name: .long, help: "Number of validators (1...31).")
        var validators = 4
        @Option(name: .long, help: "Output directory (must not hold a devnet already).")
        var out: String
        @Option(name: .long, help: "Organisations, roles and parameters to start from.")
        var template = "genesis/devnet.template.json"
        @Option(name: .long, help: "Host every node listens on.")
        var host = "127.0.0.1"
        @Option(name: .long, help: "Peer port of node 0; node i uses base + i.")
        var p2pBasePort = 26600
        @Option(name: .long, help: "HTTP API port of node 0; node i uses base + i.")
        var apiBasePort = 8600
        @Option(
            name: .long,
            help: "Crypto suite: ed25519-sha256 or sm2-sm3 (docs/crypto.md).")
        var suite = CryptoSuite.ed25519SHA256.rawValue
        @Option(name: .long, help: "SM2 user id of an sm2-sm3 chain (default 1234567812345678).")
        var sm2UserID: String?
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Serve each node's API over HTTPS with DIR/node<i>.pem and DIR/node<i>.key "
                    + "(deploy/tls-certs.sh DIR node0 node1 ... makes them and DIR/ca.pem).",
                valueName: "dir"))
        var tlsDir: String?
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Who may read through the API: open (anyone) or signed (docs/api.md \"Who may read what\"); "
                    + "without it, config.toml leaves api.reads out (open).",
                valueName: "open|signed"))
        var reads: String?

        func validate() throws {
            _ = try parseSuite(suite)
            guard (1...31).contains(validators) else { throw ValidationError("--validators must be 1...31") }
            // Node i listens on base + i: every one of those must be a port, and the sum
            // must not overflow.
            let ports = 1...(65_535 - validators + 1)
            guard ports.contains(p2pBasePort), ports.contains(apiBasePort) else {
                throw ValidationError("--p2p-base-port and --api-base-port must be in \(ports)")
            }
            if let reads, APIAccess.Reads(rawValue: reads) == nil {
                throw ValidationError("--reads must be open or signed")
            }
            if let tlsDir {
                let names = (0..<validators).map { "node\($0)" }
                for name in names {
                    for file in ["\(tlsDir)/\(name).pem", "\(tlsDir)/\(name).key"]
                    where !FileManager.default.fileExists(atPath: file) {
                        throw ValidationError(
                            "--tls-dir: \(file) is missing; make the certificates with "
                                + "deploy/tls-certs.sh \(tlsDir) \(names.joined(separator: " "))")
                    }
                }
            }
        }

        /// Node `index`'s API settings from `--tls-dir` (that node's certificate, by absolute
        /// path: the TLS key stays where it was made, mode 0600, instead of being copied) and
        /// `--reads`. Without either the section is as before, so scripts that add those keys
        /// to a devnet's config.toml do not write them twice.
        func configureAPI(_ api: inout NodeConfiguration.API, index: Int) {
            if let tlsDir {
                let directory = URL(fileURLWithPath: tlsDir).standardizedFileURL.path
                api.tlsCertificate = "\(directory)/node\(index).pem"
                api.tlsKey = "\(directory)/node\(index).key"
            }
            api.reads = reads
        }

        func run() throws {
            let fileManager = FileManager.default
            guard !fileManager.fileExists(atPath: out + "/genesis.json") else {
                throw ValidationError("\(out) already holds a devnet; remove it first")
            }
            let template = try DevnetTemplate.load(from: template)
            // The genesis hash printed below is taken under the new chain's suite.
            let suite = try parseSuite(suite)
            try CryptoSuite.activate(
                suite, sm2UserID: sm2UserID.map { Array($0.utf8) } ?? SM2.defaultUserID)
            let algorithm = suite.signatureAlgorithm
            try fileManager.createDirectory(atPath: out + "/keys", withIntermediateDirectories: true)
            var organisations: [Organisation] = []
            for organisation in template.organisations {
                var keys: [OrganisationKey] = []
                for key in organisation.keys {
                    let signingKey = SigningKey.generate(algorithm)
                    try KeyFile.write(signingKey, to: "\(out)/keys/\(key.name).key")
                    keys.append(OrganisationKey(publicKey: signingKey.publicKey, roles: key.roles, licenceTypes: key.licenceTypes ?? []))
                }
                organisations.append(Organisation(
                    id: organisation.id, name: organisation.name, creditCode: organisation.creditCode, keys: keys))
            }
            var nodes: [(directory: String, evidenceKey: PublicKey, validator: Validator)] = []
            for index in 0..<validators {
                let directory = "\(out)/node\(index)"
                try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let keys = try NodeKeyFiles.loadOrCreate(in: directory, algorithm: algorithm)
                let address = "\(host):\(p2pBasePort + index)"
                nodes.append((directory, keys.evidence.publicKey, Validator(
                    name: "node\(index)", publicKey: keys.consensus.publicKey, address: address,
                    networkKey: keys.network.publicKey)))
                var config = NodeConfiguration.defaults(p2pListen: address, apiListen: "\(host):\(apiBasePort + index)")
                configureAPI(&config.api, index: index)
                try config.write(to: directory + "/config.toml")
            }
            // The nodes' evidence keys form an organisation of their own (read-only role), so
            // a node can sign the evidence transactions it records on chain (its consensus key
            // signs votes only).
            organisations.append(Organisation(
                id: "validator-operators", name: "Validator node operators", creditCode: "11360000MB0000010Y",
                keys: nodes.map { OrganisationKey(publicKey: $0.evidenceKey, roles: [.auditor]) }))
            let genesis = Genesis(
                chainID: template.chainID, genesisTimeMs: UInt64(Date().timeIntervalSince1970 * 1000),
                cryptoSuite: suite.rawValue, validators: nodes.map(\.validator),
                organisations: organisations, adminThreshold: template.adminThreshold,
                consensus: template.consensus, sm2UserID: sm2UserID)
            try genesis.validate()
            try GenesisFile.write(genesis, to: out + "/genesis.json")
            for node in nodes { try GenesisFile.write(genesis, to: node.directory + "/genesis.json") }
            let api = tlsDir.map { "HTTPS (CA: \($0)/ca.pem)" } ?? "HTTP"
            print(
                "devnet \(genesis.chainID) (\(suite)): \(validators) validators, "
                    + "\(organisations.count) organisations; API over \(api), reads \(reads ?? "open")")
            print("genesis hash: \(genesis.hash.hex)")
        }
    }

    struct AddValidator: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-validator", abstract: "Append a validator to a genesis file (before the chain starts).",
            discussion: """
                Example: govchain-node genesis add-validator --genesis g.json --name node4 \
                --key <consensus key hex> --network-key <network key hex> --address 10.0.0.5:26600 \
                (the keys `govchain-node init` printed for that node)
                """)
        @Option(name: .long, help: "Genesis JSON file to edit in place.") var genesis: String
        @Option(name: .long, help: "Validator name.") var name: String
        @Option(name: .long, help: "Its consensus public key, hex (the genesis's suite): signs votes only.")
        var key: String
        @Option(name: .long, help: "Its network public key, hex: authenticates its peer connections.")
        var networkKey: String
        @Option(name: .long, help: "Its peer address, host:port.") var address: String

        func run() throws {
            var document = try GenesisFile.read(from: genesis)
            guard let publicKey = PublicKey(hex: key) else {
                throw ValidationError("--key is not a public key (64 hex Ed25519, 66 hex SM2)")
            }
            guard let network = PublicKey(hex: networkKey) else {
                throw ValidationError("--network-key is not a public key (64 hex Ed25519, 66 hex SM2)")
            }
            guard HostPort(address) != nil else { throw ValidationError("--address must be host:port") }
            document.validators.append(Validator(name: name, publicKey: publicKey, address: address, networkKey: network))
            try document.validate()
            try GenesisFile.write(document, to: genesis)
            print("genesis hash: \(document.hash.hex)")
        }
    }

    struct AddOrganisation: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-organisation", abstract: "Append an organisation with one key to a genesis file.",
            discussion: """
                Example: govchain-node genesis add-organisation --genesis g.json --id city-hospital \
                --name "City Hospital" --credit-code 12360000MB0000006D --key <hex> --roles bill-issuer
                """)
        @Option(name: .long, help: "Genesis JSON file to edit in place.") var genesis: String
        @Option(name: .long, help: "Organisation id (A-Z a-z 0-9 . _ -).") var id: String
        @Option(name: .long, help: "Display name.") var name: String
        @Option(name: .long, help: "18-character unified social credit code.") var creditCode: String
        @Option(name: .long, help: "The organisation key's public key, hex (the genesis's suite).")
        var key: String
        @Option(name: .long, parsing: .upToNextOption, help: "Roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
        var roles: [String]
        @Option(name: .long, parsing: .upToNextOption, help: "Licence type codes the key may issue.")
        var licenceTypes: [String] = []

        func run() throws {
            var document = try GenesisFile.read(from: genesis)
            guard let publicKey = PublicKey(hex: key) else {
                throw ValidationError("--key is not a public key (64 hex Ed25519, 66 hex SM2)")
            }
            let parsed = try roles.map { name in
                guard let role = Role(rawValue: name) else { throw ValidationError("unknown role \(name)") }
                return role
            }
            document.organisations.append(Organisation(
                id: id, name: name, creditCode: creditCode,
                keys: [OrganisationKey(publicKey: publicKey, roles: parsed, licenceTypes: licenceTypes)]))
            try document.validate()
            try GenesisFile.write(document, to: genesis)
            print("genesis hash: \(document.hash.hex)")
        }
    }

    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash", abstract: "Validate a genesis file and print its canonical hash.",
            discussion: "Example: govchain-node genesis hash --genesis .localnet/genesis.json")
        @Option(name: .long, help: "Genesis JSON file.") var genesis: String

        func run() throws {
            let document = try GenesisFile.read(from: genesis)
            print(document.hash.hex)
        }
    }
}

/// The devnet template (genesis/devnet.template.json): a genesis without keys, naming the
/// keys to generate.
struct DevnetTemplate: Decodable {
    struct KeyTemplate: Decodable {
        var name: String
        var roles: [Role]
        var licenceTypes: [String]?
    }

    struct OrganisationTemplate: Decodable {
        var id: String
        var name: String
        var creditCode: String
        var keys: [KeyTemplate]
    }

    var chainID: String
    var adminThreshold: UInt32
    var consensus: ConsensusParameters
    var organisations: [OrganisationTemplate]

    static func load(from path: String) throws -> DevnetTemplate {
        try JSONDecoder().decode(DevnetTemplate.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// Parses a `--suite` value (a genesis `cryptoSuite` name) as a validation error.
func parseSuite(_ name: String) throws -> CryptoSuite {
    do { return try CryptoSuite(genesisName: name) } catch {
        throw ValidationError("--suite: \(error)")
    }
}
