public import Consensus
public import Contracts
public import Ledger

/// The in-memory twin of the node's RocksDB store: the same port, for the simulator and
/// tests, so they run the real `ChainExecutor`. A crash of a simulated replica keeps it (it
/// stands for the disk); `commit` is atomic by construction.
public final class InMemoryChainStore: ChainStore {
    public private(set) var genesis: Genesis?
    public private(set) var blocks: [Block] = []
    public private(set) var certificates: [CommitCertificate] = []
    /// Results of block h at index h (index 0 = genesis state).
    public private(set) var resultsByHeight: [ExecutionResults] = []
    private var committedIDs: Set<Hash256> = []
    public private(set) var state = InMemoryState()
    private var tree = InMemorySparseMerkleNodeStore()
    /// Receipts of block h at index h - 1.
    public private(set) var receipts: [[Receipt]] = []

    public init() {}

    public func storedGenesis() throws -> Genesis? { genesis }

    public func initialise(
        genesis: Genesis, writes: [StateWrite], results: ExecutionResults,
        treeNodes: [(hash: Hash256, node: SparseMerkleNode)]
    ) throws {
        guard self.genesis == nil else { return }
        self.genesis = genesis
        state.apply(writes)
        tree.insert(treeNodes)
        resultsByHeight = [results]
    }

    public var lastHeight: UInt64 { UInt64(blocks.count) }

    public func block(at height: UInt64) throws -> Block? {
        guard height >= 1, height <= UInt64(blocks.count) else { return nil }
        return blocks[Int(height - 1)]
    }

    public func certificate(at height: UInt64) -> CommitCertificate? {
        guard height >= 1, height <= UInt64(certificates.count) else { return nil }
        return certificates[Int(height - 1)]
    }

    public func results(at height: UInt64) throws -> ExecutionResults? {
        guard height < UInt64(resultsByHeight.count) else { return nil }
        return resultsByHeight[Int(height)]
    }

    public func isCommitted(_ id: Hash256) throws -> Bool { committedIDs.contains(id) }

    public func committedState() -> any CommittedStateReader {
        InMemoryStateReader(state: state, tree: tree)
    }

    public func commit(_ commit: BlockCommit) throws {
        guard commit.block.height == lastHeight + 1 else {
            throw InMemoryStoreError(
                reason: "commit of \(commit.block.height) on tip \(lastHeight)")
        }
        blocks.append(commit.block)
        certificates.append(commit.certificate)
        receipts.append(commit.receipts)
        resultsByHeight.append(commit.results)
        for receipt in commit.receipts { committedIDs.insert(receipt.txID) }
        state.apply(commit.writes)
        tree.insert(commit.treeNodes)
    }

    /// Bytes held, roughly (blocks, state and tree), for the simulator's memory budget.
    public var approximateBytes: Int {
        let blockBytes = blocks.reduce(0) { $0 + $1.canonicalBytes.count }
        let stateBytes = state.allEntries.reduce(0) { $0 + $1.key.bytes.count + $1.value.count }
        return blockBytes + stateBytes + tree.nodes.count * 80
    }
}

public struct InMemoryStoreError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// A snapshot read of the in-memory store (values are copied on write, so it never changes).
struct InMemoryStateReader: CommittedStateReader {
    let state: InMemoryState
    let tree: InMemorySparseMerkleNodeStore

    var failure: (any Error)? { nil }
    func value(for key: StateKey) -> [UInt8]? { state.value(for: key) }
    func entries(withPrefix prefix: StateKey) -> [StateEntry] { state.entries(withPrefix: prefix) }
    func loadNode(_ hash: Hash256) -> SparseMerkleNode? { tree.loadNode(hash) }
}
