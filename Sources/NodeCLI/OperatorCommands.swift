import ArgumentParser
import Execution
import Foundation
import GovChainAPI
import KeyFiles
import Ledger
import Node

/// Options shared by commands that work on one node's data directory.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "The node's data directory (keys, config, RocksDB).")
    var dataDir: String

    var genesisPath: String { dataDir + "/genesis.json" }
    var databasePath: String { dataDir + "/db" }
    var configPath: String { dataDir + "/config.toml" }
}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Initialise a data directory: node keys (mode 0600), genesis, empty database.",
        discussion: """
            Makes the node's three keys unless present, one use each: consensus.key (signs votes), \
            network.key (peer connections) and evidence.key (an organisation key signing the \
            evidence the node reports), and prints their public keys. Without --genesis, writes a \
            single-validator devnet genesis naming this node, which is enough to inspect a node. \
            Example: govchain-node init --data-dir /var/lib/govchain
            """)

    @OptionGroup var options: DataDirectoryOptions

    @Option(name: .long, help: "A genesis JSON file to adopt (see genesis/README.md).")
    var genesis: String?

    @Option(name: .long, help: "Chain id of the devnet genesis made when --genesis is absent.")
    var chainID = "govchain-devnet"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Crypto suite of the devnet genesis made when --genesis is absent: "
                + CryptoSuite.allCases.map(\.rawValue).joined(separator: " or ") + "."))
    var suite = CryptoSuite.ed25519SHA256.rawValue

    @Option(name: .long, help: "Peer listen address written to config.toml.")
    var p2pListen = "127.0.0.1:26600"

    @Option(name: .long, help: "HTTP API listen address written to config.toml.")
    var apiListen = "127.0.0.1:8600"

    func run() throws {
        try FileManager.default.createDirectory(atPath: options.dataDir, withIntermediateDirectories: true)
        // The genesis (or --suite) fixes the suite first: the node keys are made for it.
        let adopted = try genesis.map { try GenesisFile.read(from: $0) }
        if adopted == nil { try CryptoSuite.activate(try parseSuite(suite)) }
        let keys = try NodeKeyFiles.loadOrCreate(
            in: options.dataDir, algorithm: CryptoSuite.active.signatureAlgorithm)
        let document =
            adopted
            ?? GenesisFile.singleValidatorDevnet(
                chainID: chainID, consensusKey: keys.consensus.publicKey, networkKey: keys.network.publicKey,
                evidenceKey: keys.evidence.publicKey, suite: CryptoSuite.active)
        try GenesisFile.write(document, to: options.genesisPath)
        if !FileManager.default.fileExists(atPath: options.configPath) {
            try NodeConfiguration.defaults(p2pListen: p2pListen, apiListen: apiListen).write(to: options.configPath)
        }
        let store = try BlockStore(path: options.databasePath)
        try ChainExecutor.initialiseGenesisState(store: RocksChainStore(blocks: store), genesis: document)
        print("initialised \(options.dataDir)")
        keys.printPublicKeys()
        print("  chain id:      \(document.chainID)")
        print("  genesis hash:  \(document.hash.hex)")
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a node's status: chain, height, last block, round, peers, catching up, mempool.",
        discussion: """
            Asks the running node's API (address from config.toml; over HTTPS when it has \
            api.tls_certificate, trusting --ca-file, else the system's roots); when the node is not \
            running, reads the data directory itself. \
            Example: govchain-node status --data-dir .localnet/node0 --ca-file .localnet-tls/ca.pem
            """)

    @OptionGroup var options: DataDirectoryOptions

    @Option(
        name: .customLong("ca-file"),
        help: "PEM file of the CA certificates that signed an HTTPS API's certificate.")
    var caFile: String?

    @Flag(name: .long, help: "Print the status as JSON.")
    var json = false

    func run() async throws {
        if let configuration = try? NodeConfiguration.load(from: options.configPath),
           let live = await LiveStatus.fetch(
               api: configuration.api.listen, https: configuration.api.tlsCertificate != nil, caFile: caFile)
        {
            print(json ? live.json : live.text)
            return
        }
        guard json else { return try offline() }
        // A script that asked for JSON gets JSON whatever happened, and a non-zero exit
        // status because there is no running node to describe.
        print(String(decoding: (try? WireJSON.encode(offlineStatus())) ?? Data("{}".utf8), as: UTF8.self))
        throw ExitCode.failure
    }

    /// What the data directory says about a stopped node, with `error` saying why no live
    /// status was available (and what else failed, if reading the directory did).
    private func offlineStatus() -> OfflineStatus {
        do {
            let stored = try StoredStatus.read(options)
            return OfflineStatus(
                dataDir: options.dataDir, error: "node not running: status read from \(options.databasePath)",
                chainID: stored.genesis.chainID, genesisHash: stored.genesis.hash.hex, nodeID: stored.networkKey.hex,
                isValidator: stored.isValidator, height: stored.height,
                lastBlockHash: stored.height == 0 ? stored.genesis.hash.hex : stored.lastHash.hex)
        } catch {
            return OfflineStatus(
                dataDir: options.dataDir, error: "node not running, and its data directory cannot be read: \(error)")
        }
    }

    private func offline() throws {
        let stored = try StoredStatus.read(options)
        print("node:          not running (read from \(options.databasePath))")
        print("chain id:      \(stored.genesis.chainID)")
        print("genesis hash:  \(stored.genesis.hash.hex)")
        let role = stored.isValidator ? "validator" : "not a validator"
        let genesis = stored.genesis
        print("node id:       \(stored.networkKey.hex) (network key)")
        print("consensus key: \(stored.key.hex) (\(role))")
        print("validators:    \(genesis.validators.count) (quorum \(genesis.validatorSet.quorum))")
        print("organisations: \(stored.genesis.organisations.count)")
        print("height:        \(stored.height)")
        print("last block:    \(stored.height == 0 ? "none (genesis only)" : stored.lastHash.hex)")
    }
}

/// A stopped node's status, read from its data directory.
struct StoredStatus {
    let genesis: Genesis
    /// The consensus key.
    let key: PublicKey
    /// The network key: the node's id, as `/v1/status` gives it.
    let networkKey: PublicKey
    let height: UInt64
    let lastHash: Hash256

    /// Whether genesis lists this consensus key (a set governance changed later is in the
    /// database's state, which a stopped node's status does not execute).
    var isValidator: Bool { genesis.validatorSet.index(of: key) != nil }

    static func read(_ options: DataDirectoryOptions) throws -> StoredStatus {
        let configuration = try NodeConfiguration.load(from: options.configPath)
        let key = try KeyFile.read(from: configuration.consensusKey)
        let store = try BlockStore(path: options.databasePath)
        guard let genesis = try store.genesis() else {
            throw ValidationError("\(options.dataDir) has no genesis; run `govchain-node init` first")
        }
        return StoredStatus(
            genesis: genesis, key: key.publicKey,
            networkKey: try KeyFile.read(from: configuration.networkKey).publicKey, height: store.lastHeight,
            lastHash: store.lastHash)
    }

}

/// `status --json` of a stopped node: what its data directory says, under the names
/// `/v1/status` uses for the same fields (null when the directory could not be read).
struct OfflineStatus: Encodable {
    var running = false
    var dataDir: String
    var error: String
    @Nullable var chainID: String?
    @Nullable var genesisHash: String?
    @Nullable var nodeID: String?
    @Nullable var isValidator: Bool?
    @Nullable var height: UInt64?
    @Nullable var lastBlockHash: String?

    enum CodingKeys: String, CodingKey {
        case running, error, height
        case dataDir = "data_dir", chainID = "chain_id", genesisHash = "genesis_hash", nodeID = "node_id"
        case isValidator = "is_validator", lastBlockHash = "last_block_hash"
    }

    init(
        dataDir: String, error: String, chainID: String? = nil, genesisHash: String? = nil, nodeID: String? = nil,
        isValidator: Bool? = nil, height: UInt64? = nil, lastBlockHash: String? = nil
    ) {
        self.dataDir = dataDir
        self.error = error
        self.chainID = chainID
        self.genesisHash = genesisHash
        self.nodeID = nodeID
        self.isValidator = isValidator
        self.height = height
        self.lastBlockHash = lastBlockHash
    }
}
