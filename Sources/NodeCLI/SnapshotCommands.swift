import ArgumentParser
import Foundation
import Ledger
import Node

/// `govchain-node snapshot create|restore`: state snapshots on disk (docs/node.md).
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write the state at a height to a snapshot file, or make a new store from one.",
        discussion: """
            A snapshot holds every state key and value after block h, block h with its \
            certificate, and the certified header of block h+1, which carries the state root \
            of block h. A restored node holds no block before h and follows blocks from h+1.
            """,
        subcommands: [SnapshotCreateCommand.self, SnapshotRestoreCommand.self])
}

struct SnapshotCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Write a snapshot of a stopped node's state (or a copy of its data directory).",
        discussion: """
            Example: govchain-node snapshot create --data-dir .localnet/node0 --out state.gcs
            The default height is the tip minus one: the latest state whose root a stored, \
            certified header (the tip's) carries.
            """)

    @OptionGroup var options: DataDirectoryOptions
    @Option(name: .long, help: "Snapshot file to write (through FILE.partial, renamed when whole).")
    var out: String
    @Option(name: .long, help: "Height whose state to write (default: the tip minus one).")
    var height: UInt64?
    @Option(name: .long, help: "Target chunk size in bytes (a chunk is split until it fits).")
    var chunkBytes: Int = SnapshotLimits.targetChunkBytes

    func validate() throws {
        guard chunkBytes >= 1_024, chunkBytes <= SnapshotLimits.maxChunkBytes else {
            throw ValidationError("--chunk-bytes must be 1024...\(SnapshotLimits.maxChunkBytes)")
        }
    }

    func run() throws {
        let started = Date()
        let store = try BlockStore(path: options.databasePath)
        defer { store.database.close() }
        let made = try StateSnapshots.make(from: store, height: height, targetChunkBytes: chunkBytes)
        try SnapshotFile.write(manifest: made.manifest, chunks: made.chunks, to: out)
        let entries = made.manifest.chunks.reduce(0) { $0 + Int($1.entryCount) }
        let bytes = made.chunks.reduce(0) { $0 + $1.count }
        print("snapshot of the state after block \(made.manifest.height) written to \(out)")
        print("  state root:  \(made.manifest.stateRoot.hex) (certified by header \(made.manifest.next.height))")
        print("  entries:     \(entries) in \(made.chunks.count) chunks, \(bytes) bytes")
        print(String(format: "  took:        %.2f s", Date().timeIntervalSince(started)))
    }
}

struct SnapshotRestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Verify a snapshot file and write a new store from it; then `start` follows from h+1.",
        discussion: """
            Checks both certificates against the genesis validator set, every chunk against \
            the certified state root, and writes DATA-DIR/db through DATA-DIR/db.restoring, \
            renamed only when whole. DATA-DIR/db must be absent or hold genesis only. Then \
            run `govchain-node init --data-dir DATA-DIR --genesis G` (key, config) if the \
            directory is new. Example: govchain-node snapshot restore --in state.gcs \
            --data-dir /var/lib/govchain --genesis genesis.json
            """)

    @Option(name: .customLong("in"), help: "Snapshot file to read.") var input: String
    @OptionGroup var options: DataDirectoryOptions
    @Option(name: .long, help: "The chain's genesis JSON (its validators check the certificates).")
    var genesis: String

    func run() throws {
        let started = Date()
        let genesis = try GenesisFile.read(from: self.genesis)
        let reader = try SnapshotFile.Reader(path: input)
        try FileManager.default.createDirectory(atPath: options.dataDir, withIntermediateDirectories: true)
        let database = options.databasePath
        let setAside = try setAsideGenesisOnlyStore(database, genesis: genesis)
        do {
            try StateSnapshots.restore(
                manifest: reader.manifest, genesis: genesis, databasePath: database,
                validators: { _ in genesis.validatorSet }, nextChunk: reader.nextChunk)
        } catch {
            if let setAside { try? FileManager.default.moveItem(atPath: setAside, toPath: database) }
            throw error
        }
        if let setAside { try? FileManager.default.removeItem(atPath: setAside) }
        if !FileManager.default.fileExists(atPath: options.genesisPath) {
            try GenesisFile.write(genesis, to: options.genesisPath)
        }
        let manifest = reader.manifest
        print("restored the state after block \(manifest.height) into \(database)")
        print("  state root:  \(manifest.stateRoot.hex) (certified by header \(manifest.next.height))")
        print("  chunks:      \(manifest.chunks.count), entries: \(manifest.chunks.reduce(0) { $0 + Int($1.entryCount) })")
        print(String(format: "  took:        %.2f s", Date().timeIntervalSince(started)))
        print("  blocks before \(manifest.height) are not held; `start` follows from \(manifest.height + 1)")
    }

    /// A store made by `init` (genesis only) may be replaced: it is moved aside, and moved
    /// back if the restore fails. A store with blocks is refused.
    private func setAsideGenesisOnlyStore(_ database: String, genesis: Genesis) throws -> String? {
        guard FileManager.default.fileExists(atPath: database) else { return nil }
        let store = try BlockStore(path: database)
        let height = store.lastHeight
        let stored = try store.genesis()
        store.database.close()
        guard height == 0 else {
            throw ValidationError("\(database) holds blocks up to \(height): restore into a new data directory")
        }
        if let stored, stored.hash != genesis.hash {
            throw ValidationError("\(database) holds another chain (\(stored.chainID))")
        }
        let aside = database + ".genesis-only"
        try? FileManager.default.removeItem(atPath: aside)
        try FileManager.default.moveItem(atPath: database, toPath: aside)
        return aside
    }
}
