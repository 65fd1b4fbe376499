public import Execution
public import Ledger
internal import NIOConcurrencyHelpers

/// The node's durable store: committed blocks with their certificates, receipts, state
/// (contract indexes included, under `idx/`), per-key history, state-tree nodes and the
/// consensus safety state.
///
/// Every method blocks on disk I/O: call them through `AsyncBlockStore` from async code, so
/// no NIO event loop ever waits on RocksDB.
public final class BlockStore: Sendable {
    public let database: RocksDatabase
    private let tip: NIOLockedValueBox<Tip>

    struct Tip {
        var height: UInt64
        var hash: Hash256
    }

    /// Opens the store and checks that its tip is a whole block: the last committed height's
    /// block, certificate and results are present and nothing lies beyond it.
    public init(path: String) throws(StorageError) {
        database = try RocksDatabase(path: path)
        // The stored genesis names the chain's crypto suite: it is fixed before any block
        // (whose keys decode at the suite's length, whose hash is the suite's) is read.
        if let genesis = try database.get(.metadata, StorageKey.genesis) {
            do { _ = try Genesis.decodeActivatingSuite(genesis) } catch {
                throw StorageError("corrupt genesis, or another suite than this process's: \(error)")
            }
        }
        var tip = Tip(height: 0, hash: .zero)
        if let raw = try database.get(.metadata, StorageKey.lastHeight) {
            guard let height = StorageKey.decodeHeight(raw) else { throw StorageError("corrupt last-height record") }
            guard let block = try Self.readBlock(database, height) else {
                throw StorageError("last committed block \(height) is missing")
            }
            guard try database.get(.certificates, StorageKey.height(height)) != nil,
                  try database.get(.metadata, StorageKey.results(height)) != nil
            else { throw StorageError("block \(height) was committed without its certificate or results") }
            guard try database.get(.blocks, StorageKey.height(height + 1)) == nil else {
                throw StorageError("a block beyond the committed tip \(height) exists")
            }
            tip = Tip(height: height, hash: block.hash)
        }
        self.tip = NIOLockedValueBox(tip)
    }

    /// Height of the last committed block; 0 when only genesis exists.
    public var lastHeight: UInt64 { tip.withLockedValue { $0.height } }
    /// Hash of the last committed block; zero before the first block.
    public var lastHash: Hash256 { tip.withLockedValue { $0.hash } }

    // MARK: - Genesis

    public func genesis() throws(StorageError) -> Genesis? {
        guard let bytes = try database.get(.metadata, StorageKey.genesis) else { return nil }
        do { return try Genesis.decodeActivatingSuite(bytes) } catch {
            throw StorageError("corrupt genesis: \(error)")
        }
    }

    /// Records genesis and its initial state once; refuses a different genesis later.
    public func initialise(
        genesis: Genesis, state: [(key: [UInt8], value: [UInt8])], results: ExecutionResults,
        treeNodes: [(key: [UInt8], value: [UInt8])] = []
    ) throws(StorageError) {
        if let existing = try self.genesis() {
            guard existing.hash == genesis.hash else {
                throw StorageError("data directory holds chain \(existing.chainID) with genesis \(existing.hash)")
            }
            return
        }
        let batch = WriteBatch(for: database)
        batch.put(.metadata, StorageKey.genesis, genesis.canonicalBytes)
        batch.put(.metadata, StorageKey.results(0), results.canonicalBytes)
        for (key, value) in state {
            batch.put(.state, key, value)
            batch.put(.history, StorageKey.history(key, height: 0), [1] + value)
        }
        for (key, value) in treeNodes { batch.put(.stateTree, key, value) }
        try database.write(batch)
    }

    // MARK: - Commit

    /// Writes a committed block and everything it changes in ONE synced batch.
    /// - Precondition: the block extends the stored tip (height + 1, previous hash).
    public func commit(_ committed: CommittedBlock) throws(StorageError) {
        let header = committed.block.header
        let current = tip.withLockedValue { $0 }
        precondition(header.height == current.height + 1, "commit of height \(header.height) on tip \(current.height)")
        precondition(header.height == 1 || header.previousHash == current.hash, "block does not extend the tip")
        precondition(committed.receipts.count == committed.block.transactions.count, "one receipt per tx")
        precondition(committed.certificate.blockID == header.hash, "certificate is for another block")

        let batch = WriteBatch(for: database)
        let heightKey = StorageKey.height(header.height)
        batch.put(.blocks, heightKey, committed.block.canonicalBytes)
        batch.put(.certificates, heightKey, committed.certificate.canonicalBytes)
        batch.put(.blockHashes, header.hash.bytes, heightKey)
        for (index, receipt) in committed.receipts.enumerated() {
            let location = TransactionLocation(height: header.height, index: UInt32(index))
            // The receipt carries the id the executor computed: no second hash of the tx.
            batch.put(.transactions, receipt.txID.bytes, location.bytes)
            batch.put(.receipts, location.bytes, receipt.canonicalBytes)
        }
        for change in committed.stateChanges {
            let history = StorageKey.history(change.key, height: header.height)
            if let value = change.value {
                batch.put(.state, change.key, value)
                batch.put(.history, history, [1] + value)
            } else {
                batch.delete(.state, change.key)
                batch.put(.history, history, [0])
            }
        }
        for (key, value) in committed.treeNodes { batch.put(.stateTree, key, value) }
        batch.put(.metadata, StorageKey.results(header.height), committed.results.canonicalBytes)
        batch.put(.metadata, StorageKey.lastHeight, heightKey)
        try database.write(batch)
        tip.withLockedValue { $0 = Tip(height: header.height, hash: header.hash) }
    }

    /// Moves the tip after a restore wrote it (BlockStore+Snapshot.swift).
    func setTip(height: UInt64, hash: Hash256) {
        tip.withLockedValue { $0 = Tip(height: height, hash: hash) }
    }

    // MARK: - Reads

    public func block(at height: UInt64) throws(StorageError) -> Block? {
        try Self.readBlock(database, height)
    }

    /// Block `height` with its certificate, and their encoded size: exactly the bytes the
    /// pair takes in a sync response, known without encoding it again.
    public func certifiedBlock(
        at height: UInt64
    ) throws(StorageError) -> (block: CertifiedBlock, bytes: Int)? {
        let key = StorageKey.height(height)
        guard let blockBytes = try database.get(.blocks, key),
              let certificateBytes = try database.get(.certificates, key)
        else { return nil }
        let block = try Self.decodeBlock(blockBytes, height)
        guard let certificate = try decode(CommitCertificate.self, certificateBytes) else {
            return nil
        }
        let certified = CertifiedBlock(block: block, certificate: certificate)
        return (certified, blockBytes.count + certificateBytes.count)
    }

    public func certificate(at height: UInt64) throws(StorageError) -> CommitCertificate? {
        try decode(CommitCertificate.self, database.get(.certificates, StorageKey.height(height)))
    }

    /// Results (receipts root, state root) of executing block `height` (0 = genesis state).
    public func results(at height: UInt64) throws(StorageError) -> ExecutionResults? {
        try decode(ExecutionResults.self, database.get(.metadata, StorageKey.results(height)))
    }

    public func height(ofBlock hash: Hash256) throws(StorageError) -> UInt64? {
        try database.get(.blockHashes, hash.bytes).flatMap(StorageKey.decodeHeight)
    }

    public func location(ofTransaction id: Hash256) throws(StorageError) -> TransactionLocation? {
        try database.get(.transactions, id.bytes).flatMap(TransactionLocation.init(bytes:))
    }

    public func receipt(at location: TransactionLocation) throws(StorageError) -> Receipt? {
        try decode(Receipt.self, database.get(.receipts, location.bytes))
    }

    public func receipts(at height: UInt64) throws(StorageError) -> [Receipt] {
        var receipts: [Receipt] = []
        for entry in try database.scan(.receipts, prefix: StorageKey.height(height)) {
            guard let receipt = try decode(Receipt.self, entry.value) else { continue }
            receipts.append(receipt)
        }
        return receipts
    }

    public func stateValue(_ key: [UInt8]) throws(StorageError) -> [UInt8]? {
        try database.get(.state, key)
    }

    /// The value of `key` as of the end of block `height` (nil if absent then).
    public func stateValue(
        _ key: [UInt8], asOf height: UInt64
    ) throws(StorageError) -> [UInt8]? {
        let prefix = StorageKey.historyPrefix(key)
        let bound = StorageKey.historyBound(key, height: height)
        guard let entry = try database.last(.history, prefix: prefix, atOrBefore: bound) else {
            return nil
        }
        return entry.value.first == 1 ? Array(entry.value.dropFirst()) : nil
    }

    /// Every value `key` had after a block that changed it (nil for a deletion), oldest
    /// first, at most `limit` of them.
    public func history(
        of key: [UInt8], limit: Int = 1_000
    ) throws(StorageError) -> [(height: UInt64, value: [UInt8]?)] {
        let prefix = StorageKey.historyPrefix(key)
        return try database.scan(.history, prefix: prefix, limit: limit).compactMap { entry in
            // 8 bytes of height, or 12 in databases written with the retired tx index.
            let suffix = Array(entry.key.dropFirst(prefix.count))
            guard suffix.count == 8 || suffix.count == 12,
                  let height = StorageKey.decodeHeight(Array(suffix.prefix(8)))
            else { return nil }
            let value: [UInt8]? = entry.value.first == 1 ? Array(entry.value.dropFirst()) : nil
            return (height, value)
        }
    }

    // MARK: - Consensus safety state

    /// Persists the consensus safety state durably; returns only after fsync, so a vote sent
    /// afterwards is never forgotten by a restart.
    public func saveSafetyState(_ bytes: [UInt8]) throws(StorageError) {
        let batch = WriteBatch(for: database)
        batch.put(.safety, StorageKey.safetyState, bytes)
        try database.write(batch)
    }

    public func loadSafetyState() throws(StorageError) -> [UInt8]? {
        try database.get(.safety, StorageKey.safetyState)
    }

    // MARK: - Helpers

    private static func readBlock(_ database: RocksDatabase, _ height: UInt64) throws(StorageError) -> Block? {
        guard let bytes = try database.get(.blocks, StorageKey.height(height)) else { return nil }
        return try decodeBlock(bytes, height)
    }

    private static func decodeBlock(
        _ bytes: [UInt8], _ height: UInt64
    ) throws(StorageError) -> Block {
        let block: Block
        do { block = try Block(canonicalBytes: bytes) } catch {
            throw StorageError("corrupt block at height \(height): \(error)")
        }
        // Pair assertion: what we read is what we asked for. A store that disagrees is
        // corrupt on disk, an operating error: readers (the API, block sync) answer it as a
        // storage failure instead of taking the node down.
        guard block.height == height else {
            throw StorageError("block stored at \(height) claims height \(block.height)")
        }
        return block
    }

    private func decode<T: CanonicalDecodable>(_: T.Type, _ bytes: [UInt8]?) throws(StorageError) -> T? {
        guard let bytes else { return nil }
        do { return try T(canonicalBytes: bytes) } catch { throw StorageError("corrupt \(T.self): \(error)") }
    }
}
