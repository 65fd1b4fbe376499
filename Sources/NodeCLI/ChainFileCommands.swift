import Consensus
import ArgumentParser
import Contracts
import Execution
import Foundation
import Ledger
import Logging
import Node

/// Block archives: a magic line, then per block a u32 big-endian length and the canonical
/// bytes of the block with its certificate. Blocks are self-proving, so an archive can move
/// over any channel.
enum BlockArchive {
    static let magic = Array("GOVCHAIN-BLOCKS-1\n".utf8)
    static let maxRecordBytes = 64 << 20
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export committed blocks with their certificates to an archive file (node stopped).",
        discussion: "Example: govchain-node export --data-dir .localnet/node0 --out blocks.gcb --from 1")

    @OptionGroup var options: DataDirectoryOptions
    @Option(name: .long, help: "Archive file to write.") var out: String
    @Option(name: .long, help: "First height.") var from: UInt64 = 1
    @Option(name: .long, help: "Last height (default: the tip).") var to: UInt64?

    func run() throws {
        let store = try BlockStore(path: options.databasePath)
        let last = min(to ?? store.lastHeight, store.lastHeight)
        guard from >= 1, from <= last else { throw ValidationError("nothing to export in \(from)...\(last)") }
        FileManager.default.createFile(atPath: out, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: out) else { throw ValidationError("cannot write \(out)") }
        defer { try? handle.close() }
        handle.write(Data(BlockArchive.magic))
        for height in from...last {
            guard let block = try store.block(at: height), let certificate = try store.certificate(at: height) else {
                throw ValidationError("block \(height) missing from the store")
            }
            let bytes = CertifiedBlock(block: block, certificate: certificate).canonicalBytes
            handle.write(Data(withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { Array($0) } + bytes))
        }
        print("exported blocks \(from)...\(last) to \(out)")
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import blocks from an archive: every certificate is verified, every block executed.",
        discussion: "Example: govchain-node import --data-dir .localnet/node4 --file blocks.gcb")

    @OptionGroup var options: DataDirectoryOptions
    @Option(name: .long, help: "Archive file to read.") var file: String

    func run() throws {
        let genesis = try GenesisFile.read(from: options.genesisPath)
        let store = try BlockStore(path: options.databasePath)
        let signatures = SignatureCache()
        let mempool = Mempool(chainID: genesis.chainID, signatures: signatures)
        let executor = try ChainExecutor(
            store: RocksChainStore(blocks: store), genesis: genesis, pool: mempool, signatures: signatures)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        guard bytes.starts(with: BlockArchive.magic) else { throw ValidationError("\(file) is not a block archive") }
        var position = BlockArchive.magic.count
        var imported = 0
        while position < bytes.count {
            guard position + 4 <= bytes.count else { throw ValidationError("archive truncated at byte \(position)") }
            let length = Int(bytes[position..<position + 4].reduce(0) { $0 << 8 | UInt32($1) })
            position += 4
            guard length <= BlockArchive.maxRecordBytes, position + length <= bytes.count else {
                throw ValidationError("archive record at byte \(position) is truncated or oversized")
            }
            let certified = try CertifiedBlock(canonicalBytes: Array(bytes[position..<position + length]))
            position += length
            let block = certified.block
            guard block.height > executor.tip.height else { continue }
            guard block.height == executor.tip.height + 1, block.header.previousHash == executor.tip.blockHash else {
                throw ValidationError("block \(block.height) does not extend the local tip \(executor.tip.height)")
            }
            // The set of the block's own height, from the state the import has executed.
            guard let validators = executor.validatorSet(forHeight: block.height) else {
                throw ValidationError("block \(block.height): validator set unreadable")
            }
            try certified.certificate.verify(
                chainID: genesis.chainID, validators: validators, blockID: block.hash, height: block.height)
            guard block.hasConsistentTxRoot else { throw ValidationError("block \(block.height): tx root mismatch") }
            executor.deliver(block: block, certificate: certified.certificate)
            // A block whose certified roots differ from this node's execution, or a storage
            // failure, stops the import with the executor's reason.
            if let halt = executor.halt { throw ValidationError("block \(block.height): \(halt)") }
            imported += 1
        }
        print("imported \(imported) blocks; height \(store.lastHeight)")
    }
}

struct VerifyDatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-db",
        abstract: "Re-check a stopped node's store: hash links, certificates, tx and receipt roots, state root.",
        discussion: "Exits non-zero on the first problem. Example: govchain-node verify-db --data-dir .localnet/node0")

    @OptionGroup var options: DataDirectoryOptions

    func run() throws {
        let store = try BlockStore(path: options.databasePath)
        guard let genesis = try store.genesis() else { throw ValidationError("no genesis in \(options.databasePath)") }
        var previousHash = genesis.hash
        let last = store.lastHeight
        // Every height's set, from the governance record's history in the stored state.
        let state = RocksChainStore(blocks: store).committedState()
        func validators(_ height: UInt64) throws -> ValidatorSet {
            guard let list = ValidatorSchedule.validators(certifying: height, tip: last, in: state),
                  state.failure == nil
            else { throw ValidationError("height \(height): validator set unreadable") }
            return ValidatorSet(list)
        }
        var first: UInt64 = 1
        // A store restored from a snapshot holds block `base` (its certificate checked here)
        // and nothing older: the chain before it is vouched for by certificates, not stored.
        if let base = try store.snapshotBase() {
            guard base <= last, let block = try store.block(at: base),
                  let certificate = try store.certificate(at: base)
            else { throw ValidationError("snapshot base \(base): block or certificate missing") }
            try certificate.verify(
                chainID: genesis.chainID, validators: try validators(base), blockID: block.hash, height: base)
            print("verify-db: restored from a snapshot of the state after block \(base): blocks 1...\(base - 1) "
                + "are not held; checking \(base + 1)...\(last)")
            previousHash = block.hash
            first = base + 1
        }
        for height in first...max(last, first) where last >= first {
            guard let block = try store.block(at: height), let certificate = try store.certificate(at: height),
                  let previousResults = try store.results(at: height - 1), let results = try store.results(at: height)
            else { throw ValidationError("height \(height): block, certificate or results missing") }
            let header = block.header
            guard header.previousHash == previousHash else { throw ValidationError("height \(height): broken hash link") }
            try certificate.verify(
                chainID: genesis.chainID, validators: try validators(height), blockID: block.hash, height: height)
            guard header.nextValidatorsHash == (try validators(height + 1)).hash else {
                throw ValidationError("height \(height): header names another next validator set")
            }
            guard block.hasConsistentTxRoot else { throw ValidationError("height \(height): tx root mismatch") }
            guard header.stateRoot == previousResults.stateRoot, header.receiptsRoot == previousResults.receiptsRoot else {
                throw ValidationError("height \(height): header roots differ from the stored results of \(height - 1)")
            }
            guard Receipt.root(try store.receipts(at: height)) == results.receiptsRoot else {
                throw ValidationError("height \(height): receipts do not match their root")
            }
            previousHash = block.hash
            if height % 1_000 == 0 { print("verified \(height)/\(last)") }
        }
        // The state itself: rebuild the sparse Merkle root from every stored key.
        let entries = try store.database.scan(.state, prefix: [])
        var tree = InMemorySparseMerkleNodeStore()
        let rebuilt = try SparseMerkleTree.apply(
            entries.map { SparseMerkleTree.Update(key: $0.key, value: $0.value) }, to: SparseMerkleTree.emptyRoot, store: tree)
        tree.insert(rebuilt.newNodes)
        guard let tipResults = try store.results(at: last), rebuilt.root == tipResults.stateRoot else {
            throw ValidationError("state root of the \(entries.count) stored keys differs from the committed root")
        }
        print("verify-db: ok: \(last + 1 - first) blocks, \(entries.count) state keys, state root \(rebuilt.root.hex)")
    }
}
