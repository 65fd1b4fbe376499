internal import Execution
public import Ledger

/// Snapshots of the state (docs/node.md, "State snapshots"): reading the state as of a height
/// to write one, and writing a restored store from a verified one.
extension BlockStore {
    /// The first block this store holds, when it was restored from a snapshot of the state
    /// after that block; nil for a store that holds every block from 1.
    public func snapshotBase() throws(StorageError) -> UInt64? {
        guard let bytes = try database.get(.metadata, StorageKey.snapshotBase) else { return nil }
        guard let height = StorageKey.decodeHeight(bytes) else {
            throw StorageError("corrupt snapshot-base record")
        }
        return height
    }

    /// Every state entry as it was at the end of block `height`, in key order: one pass over
    /// the `history` family, keeping each key's latest version at or before `height`.
    /// Cost: the whole history is read once (every version of every key).
    public func stateEntries(asOf height: UInt64) throws(StorageError) -> [SnapshotEntry] {
        try database.withIterator(.history) { iterator throws(StorageError) in
            var entries: [SnapshotEntry] = []
            var currentKey: [UInt8]? = nil
            var currentValue: [UInt8]? = nil
            func flush() {
                if let key = currentKey, let value = currentValue {
                    entries.append(SnapshotEntry(key: key, value: value))
                }
            }
            iterator.seek([])
            while iterator.isValid {
                let raw = iterator.key
                guard raw.count >= 4 else { throw StorageError("history key shorter than its length") }
                let length = Int(raw.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
                let suffix = raw.count - 4 - length
                guard suffix == 8 || suffix == 12,
                      let version = StorageKey.decodeHeight(Array(raw[(4 + length)..<(12 + length)]))
                else { throw StorageError("history key of neither layout") }
                let key = Array(raw[4..<(4 + length)])
                if key != currentKey {
                    flush()
                    currentKey = key
                    currentValue = nil
                }
                if version <= height {
                    let value = iterator.value
                    currentValue = value.first == 1 ? Array(value.dropFirst()) : nil
                }
                iterator.next()
            }
            flush()
            return entries
        }
    }

    /// Writes one verified chunk of a snapshot being restored: its state (with a history
    /// entry at the snapshot height) and its subtree's nodes. One batch per chunk, so a
    /// large state never sits in one batch; the store has no tip until `finishRestore`.
    public func restoreChunk(
        _ chunk: SnapshotChunk, nodes: [(hash: Hash256, node: SparseMerkleNode)], height: UInt64
    ) throws(StorageError) {
        let batch = WriteBatch(for: database)
        for entry in chunk.entries {
            batch.put(.state, entry.key, entry.value)
            batch.put(.history, StorageKey.history(entry.key, height: height), [1] + entry.value)
        }
        for (hash, node) in nodes { batch.put(.stateTree, hash.bytes, node.canonicalBytes) }
        try database.write(batch)
    }

    /// The last write of a restore, after every chunk: genesis, the tree above the chunks,
    /// the snapshot's block with its certificate, the results the next header certifies,
    /// the snapshot base and the tip. Until this batch lands the store opens as empty
    /// (no genesis, no tip), and the restore command writes in a scratch directory anyway.
    public func finishRestore(
        genesis: Genesis, manifest: SnapshotManifest, topNodes: [(hash: Hash256, node: SparseMerkleNode)]
    ) throws(StorageError) {
        precondition(lastHeight == 0, "restore into a store that has blocks")
        let height = manifest.height
        let heightKey = StorageKey.height(height)
        let batch = WriteBatch(for: database)
        for (hash, node) in topNodes { batch.put(.stateTree, hash.bytes, node.canonicalBytes) }
        batch.put(.metadata, StorageKey.genesis, genesis.canonicalBytes)
        batch.put(.blocks, heightKey, manifest.base.canonicalBytes)
        batch.put(.certificates, heightKey, manifest.baseCertificate.canonicalBytes)
        batch.put(.blockHashes, manifest.base.hash.bytes, heightKey)
        let results = ExecutionResults(receiptsRoot: manifest.receiptsRoot, stateRoot: manifest.stateRoot)
        batch.put(.metadata, StorageKey.results(height), results.canonicalBytes)
        batch.put(.metadata, StorageKey.snapshotBase, heightKey)
        batch.put(.metadata, StorageKey.lastHeight, heightKey)
        try database.write(batch)
        setTip(height: height, hash: manifest.base.hash)
    }
}
