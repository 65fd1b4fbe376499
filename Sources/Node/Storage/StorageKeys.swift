public import Execution
public import Ledger

/// How keys are laid out in the column families. Integers are big-endian so RocksDB's byte
/// order is numeric order; variable-length parts carry a length prefix so no key is a
/// prefix of another's.
public enum StorageKey {
    public static func height(_ height: UInt64) -> [UInt8] {
        withUnsafeBytes(of: height.bigEndian) { Array($0) }
    }

    public static func decodeHeight(_ bytes: [UInt8]) -> UInt64? {
        guard bytes.count == 8 else { return nil }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public static func receipt(height: UInt64, index: UInt32) -> [UInt8] {
        Self.height(height) + withUnsafeBytes(of: index.bigEndian) { Array($0) }
    }

    /// All history entries of one state key share this prefix.
    public static func historyPrefix(_ key: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt32(key.count).bigEndian) { Array($0) } + key
    }

    /// The `history` family's key of `key`'s value after block `height`. One entry per key
    /// per block: a block's write set holds each key once, with its final value.
    ///
    /// Databases written before this layout carry a 4-byte tx index after the height (always
    /// 0: the executor never knew which transaction wrote last). Readers accept both:
    /// `historyBound` sorts after either form of the same height.
    public static func history(_ key: [UInt8], height: UInt64) -> [UInt8] {
        historyPrefix(key) + Self.height(height)
    }

    /// The greatest history key of `key` at `height`, in either layout.
    static func historyBound(_ key: [UInt8], height: UInt64) -> [UInt8] {
        history(key, height: height) + [0xFF, 0xFF, 0xFF, 0xFF]
    }

    static let lastHeight = Array("last-height".utf8)
    static let genesis = Array("genesis".utf8)
    static func results(_ height: UInt64) -> [UInt8] { Array("results/".utf8) + Self.height(height) }
    static let safetyState = Array("safety-state".utf8)
    /// The height of the snapshot a store was restored from (absent: every block is held).
    static let snapshotBase = Array("snapshot-base".utf8)
}

/// Where a committed transaction is.
public struct TransactionLocation: Hashable, Sendable, Codable {
    public let height: UInt64
    public let index: UInt32

    public init(height: UInt64, index: UInt32) {
        self.height = height
        self.index = index
    }

    var bytes: [UInt8] { StorageKey.receipt(height: height, index: index) }

    init?(bytes: [UInt8]) {
        guard bytes.count == 12, let height = StorageKey.decodeHeight(Array(bytes[0..<8])) else { return nil }
        self.height = height
        self.index = bytes[8..<12].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// A state key's final value after a block (the block's write set holds each key once).
public struct StateChange: Hashable, Sendable {
    public var key: [UInt8]
    /// nil deletes the key.
    public var value: [UInt8]?

    public init(key: [UInt8], value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// The per-key history is by height: which transaction of the block wrote last was never
    /// known here (every caller passed 0), so the index is ignored. Contracts keep the
    /// per-transaction trail themselves, under `history/` keys in state.
    @available(*, deprecated, message: "the tx index is not recorded; use init(key:value:)")
    public init(key: [UInt8], value: [UInt8]?, txIndex: UInt32) {
        self.init(key: key, value: value)
    }
}

/// Everything one committed block changes, written as ONE synced RocksDB batch.
public struct CommittedBlock: Sendable {
    public var block: Block
    public var certificate: CommitCertificate
    public var receipts: [Receipt]
    public var results: ExecutionResults
    /// Final value per key, sorted by key (deterministic on every node). Contract indexes
    /// are state keys too (`idx/...`), so they arrive here like any other write.
    public var stateChanges: [StateChange]
    /// New sparse-Merkle-tree nodes (hash -> encoded node).
    public var treeNodes: [(key: [UInt8], value: [UInt8])]

    public init(
        block: Block, certificate: CommitCertificate, receipts: [Receipt], results: ExecutionResults,
        stateChanges: [StateChange] = [], treeNodes: [(key: [UInt8], value: [UInt8])] = []
    ) {
        self.block = block
        self.certificate = certificate
        self.receipts = receipts
        self.results = results
        self.stateChanges = stateChanges
        self.treeNodes = treeNodes
    }
}
