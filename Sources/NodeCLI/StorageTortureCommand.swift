import ArgumentParser
import Ledger
import Node

/// A commit loop for the crash test: each block rewrites the same 64 state keys with its
/// height, so a reopened store can check that no block was half written.
struct StorageTortureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage-torture",
        abstract: "Commit synthetic blocks in a loop (crash-test helper; kill it at any moment).",
        shouldDisplay: false)

    @Option(name: .long, help: "RocksDB directory to write.")
    var path: String

    @Option(name: .long, help: "Blocks to commit before exiting.")
    var blocks: UInt64 = 1_000

    @Option(name: .long, help: "State keys rewritten by every block.")
    var keysPerBlock = 64

    func validate() throws {
        guard blocks >= 1, blocks <= 1_000_000_000 else {
            throw ValidationError("--blocks must be 1...1e9")
        }
        guard keysPerBlock >= 1, keysPerBlock <= 100_000 else {
            throw ValidationError("--keys-per-block must be 1...100000")
        }
    }

    func run() throws {
        let store = try BlockStore(path: path)
        let proposer = SigningKey.deterministic(label: "torture")
        var previous = store.lastHash
        let (last, overflow) = store.lastHeight.addingReportingOverflow(blocks)
        guard !overflow else {
            throw ValidationError("the store at \(path) is too high to add \(blocks) blocks")
        }
        for height in (store.lastHeight + 1)...last {
            let committed = SyntheticBlocks.make(
                height: height, previousHash: previous, proposer: proposer, keys: keysPerBlock)
            try store.commit(committed)
            previous = committed.block.hash
            print("committed \(height)")
        }
    }
}
