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

    public static func history(_ key: [UInt8], height: UInt64, index: UInt32) -> [UInt8] {
        historyPrefix(key) + receipt(height: height, index: index)
    }

    static let lastHeight = Array("last-height".utf8)
    static let genesis = Array("genesis".utf8)
    static func results(_ height: UInt64) -> [UInt8] { Array("results/".utf8) + Self.height(height) }
    static let safetyState = Array("safety-state".utf8)
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

/// One change to a state key, in the order the block made it.
public struct StateChange: Hashable, Sendable {
    public var key: [UInt8]
    /// nil deletes the key.
    public var value: [UInt8]?
    /// Position of the transaction that made the change (for the per-key history).
    public var txIndex: UInt32

    public init(key: [UInt8], value: [UInt8]?, txIndex: UInt32) {
        self.key = key
        self.value = value
        self.txIndex = txIndex
    }
}

/// Everything one committed block changes, written as ONE synced RocksDB batch.
public struct CommittedBlock: Sendable {
    public var block: Block
    public var certificate: CommitCertificate
    public var receipts: [Receipt]
    public var results: ExecutionResults
    /// Final value per key, sorted by key (deterministic on every node).
    public var stateChanges: [StateChange]
    public var indexPuts: [(key: [UInt8], value: [UInt8])]
    public var indexDeletes: [[UInt8]]
    /// New sparse-Merkle-tree nodes (hash -> encoded node).
    public var treeNodes: [(key: [UInt8], value: [UInt8])]

    public init(
        block: Block, certificate: CommitCertificate, receipts: [Receipt], results: ExecutionResults,
        stateChanges: [StateChange] = [], indexPuts: [(key: [UInt8], value: [UInt8])] = [],
        indexDeletes: [[UInt8]] = [], treeNodes: [(key: [UInt8], value: [UInt8])] = []
    ) {
        self.block = block
        self.certificate = certificate
        self.receipts = receipts
        self.results = results
        self.stateChanges = stateChanges
        self.indexPuts = indexPuts
        self.indexDeletes = indexDeletes
        self.treeNodes = treeNodes
    }
}
