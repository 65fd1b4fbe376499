import ArgumentParser
import Foundation
import KeyFiles
import Ledger
import Node

/// Options shared by commands that work on one node's data directory.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "The node's data directory (keys, config, RocksDB).")
    var dataDir: String

    var keyPath: String { dataDir + "/node.key" }
    var genesisPath: String { dataDir + "/genesis.json" }
    var databasePath: String { dataDir + "/db" }
}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Initialise a data directory: node key (mode 0600), genesis, empty database.",
        discussion: """
            Without --genesis, writes a single-validator devnet genesis naming this node, which is \
            enough to inspect a node. Example: govchain-node init --data-dir /var/lib/govchain
            """)

    @OptionGroup var options: DataDirectoryOptions

    @Option(name: .long, help: "A genesis JSON file to adopt (see genesis/README.md).")
    var genesis: String?

    @Option(name: .long, help: "Chain id of the devnet genesis made when --genesis is absent.")
    var chainID = "govchain-devnet"

    func run() throws {
        try FileManager.default.createDirectory(atPath: options.dataDir, withIntermediateDirectories: true)
        let key: SigningKey
        if FileManager.default.fileExists(atPath: options.keyPath) {
            key = try KeyFile.read(from: options.keyPath)
        } else {
            key = SigningKey.generate()
            try KeyFile.write(key, to: options.keyPath)
        }
        let document: Genesis
        if let genesis {
            document = try GenesisFile.read(from: genesis)
        } else {
            document = GenesisFile.singleValidatorDevnet(chainID: chainID, validator: key.publicKey)
        }
        try GenesisFile.write(document, to: options.genesisPath)
        let store = try BlockStore(path: options.databasePath)
        try store.initialise(
            genesis: document, state: [],
            results: ExecutionResults(receiptsRoot: MerkleTree.emptyRoot, stateRoot: .zero))
        print("initialised \(options.dataDir)")
        print("  node key:     \(key.publicKey.hex)")
        print("  chain id:     \(document.chainID)")
        print("  genesis hash: \(document.hash.hex)")
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the status of a node's data directory: chain, genesis hash, height, tip.",
        discussion: "Example: govchain-node status --data-dir /var/lib/govchain")

    @OptionGroup var options: DataDirectoryOptions

    func run() throws {
        let key = try KeyFile.read(from: options.keyPath)
        let store = try BlockStore(path: options.databasePath)
        guard let genesis = try store.genesis() else {
            throw ValidationError("\(options.dataDir) has no genesis; run `govchain-node init` first")
        }
        let isValidator = genesis.validatorSet.index(of: key.publicKey) != nil
        print("chain id:      \(genesis.chainID)")
        print("genesis hash:  \(genesis.hash.hex)")
        print("node key:      \(key.publicKey.hex) (\(isValidator ? "validator" : "not a validator"))")
        print("validators:    \(genesis.validators.count) (quorum \(genesis.validatorSet.quorum))")
        print("organisations: \(genesis.organisations.count)")
        print("height:        \(store.lastHeight)")
        print("last block:    \(store.lastHeight == 0 ? "none (genesis only)" : store.lastHash.hex)")
    }
}
