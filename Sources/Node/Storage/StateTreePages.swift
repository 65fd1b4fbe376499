public import Ledger
internal import NIOConcurrencyHelpers

/// How the sparse Merkle tree's nodes are laid out as records of the `stateTree` family.
///
/// Why pages: a block's synced batch used to carry one record per new tree node, every node
/// on every changed key's path, and inserting those keys into RocksDB's memtable was about a
/// fifth of a node's CPU (BENCHMARKS.md, "Issue 11, step 3"). The cost is per key, hardly per
/// byte, so the inner nodes are now grouped: a *page* holds the inner nodes of `levels`
/// consecutive levels under a page root (an inner node at a depth that is a multiple of
/// `levels`), and a block writes one record per new page instead of one per new node. The
/// tree, its hashes, its root and every proof are unchanged: only the storage layout is.
///
/// Records, all keyed by a node's hash:
/// - a leaf (tag 0) or an inner node (tag 1) alone, in `SparseMerkleNode`'s canonical
///   encoding: every leaf, and every node written before pages existed (genesis, snapshot
///   restores and older data directories write nodes this way, and stay readable);
/// - a page (tag 2): the page root's key, then its inner nodes in preorder, each as one flags
///   byte (bit 0: the left child is in this page, bit 1: the right child is) and the two child
///   hashes. A child is in the page when it is an inner node less than `levels` below the
///   page root; leaves, empty children and the inner nodes `levels` below are not (they are
///   records of their own).
///
/// Every node of the tree at any committed height is therefore found from its root by
/// reading records top-down: a page root or a leaf by its own key, an inner node inside a
/// page from the page of its nearest page-root ancestor, which was read on the way down.
/// Inner nodes sit at a depth their content fixes (their keys' common prefix), so a page's
/// content is a function of its root's hash and every tree that holds the root holds the
/// same page.
public enum StateTreePages {
    /// Inner-node levels per page: a page holds at most 2^levels - 1 = 15 inner nodes.
    public static let levels = 4
    static let pageTag: UInt8 = 2
    static let entryBytes = 65
    static let maxEntries = (1 << levels) - 1

    /// The records for one block's new nodes (`created`, as `SparseMerkleTree.apply` returns
    /// them) under the new `root`: every new leaf, and a page for every new page root.
    /// A page also holds the unchanged inner nodes between its new ones: `resolve` reads
    /// those from the previous tree, given the node's hash and its path from the root (the
    /// bits taken, one per level).
    /// - Returns: records sorted by key (one deterministic write).
    /// - Throws: when an unchanged node a page needs cannot be read.
    public static func records(
        root: Hash256, created: [(hash: Hash256, node: SparseMerkleNode)],
        resolve: (Hash256, [Bool]) throws(StorageError) -> SparseMerkleNode
    ) throws(StorageError) -> [(key: [UInt8], value: [UInt8])] {
        var new = [Hash256: SparseMerkleNode](minimumCapacity: created.count)
        var records: [(key: Hash256, value: [UInt8])] = []
        for (hash, node) in created {
            new[hash] = node
            if case .leaf = node { records.append((hash, node.canonicalBytes)) }
        }
        var pageRoots: [(hash: Hash256, path: [Bool])] = []
        if case .inner? = new[root] { pageRoots.append((root, [])) }
        while let (pageRoot, rootPath) = pageRoots.popLast() {
            var bytes: [UInt8] = [pageTag]
            bytes.reserveCapacity(1 + entryBytes * 4)
            var path = rootPath
            try encode(
                pageRoot, relative: 0, path: &path, new: new, resolve: resolve,
                into: &bytes, pageRoots: &pageRoots)
            records.append((pageRoot, bytes))
        }
        records.sort { $0.key < $1.key }
        return records.map { ($0.key.bytes, $0.value) }
    }

    /// Appends the page entries of inner node `hash` (at `relative` levels below its page
    /// root, reached by `path`) and of its in-page descendants, in preorder.
    private static func encode(
        _ hash: Hash256, relative: Int, path: inout [Bool], new: [Hash256: SparseMerkleNode],
        resolve: (Hash256, [Bool]) throws(StorageError) -> SparseMerkleNode,
        into bytes: inout [UInt8], pageRoots: inout [(hash: Hash256, path: [Bool])]
    ) throws(StorageError) {
        let node: SparseMerkleNode
        if let known = new[hash] { node = known } else { node = try resolve(hash, path) }
        guard case let .inner(left, right) = node else {
            throw StorageError("state-tree page entry \(hash) is not an inner node")
        }
        var flags: UInt8 = 0
        var inPage: [(hash: Hash256, bit: Bool)] = []
        for (child, bit) in [(left, false), (right, true)] where child != SparseMerkleTree.emptyRoot {
            if relative + 1 < levels {
                path.append(bit)
                let childNode: SparseMerkleNode
                if let known = new[child] { childNode = known } else { childNode = try resolve(child, path) }
                path.removeLast()
                if case .inner = childNode {
                    flags |= bit ? 2 : 1
                    inPage.append((child, bit))
                }
            } else if case .inner? = new[child] {
                // A new inner node `levels` below the page root roots a new page. An unchanged
                // one already has its page; a leaf is a record of its own.
                pageRoots.append((child, path + [bit]))
            }
        }
        bytes.append(flags)
        bytes.append(contentsOf: left.bytes)
        bytes.append(contentsOf: right.bytes)
        for (child, bit) in inPage {
            path.append(bit)
            try encode(
                child, relative: relative + 1, path: &path, new: new, resolve: resolve,
                into: &bytes, pageRoots: &pageRoots)
            path.removeLast()
        }
    }

    /// The nodes a record stored under `key` holds (one for a leaf or a lone inner node, up
    /// to 15 for a page), each with its hash; nil when the bytes are not a well-formed record.
    public static func decode(_ bytes: [UInt8], key: Hash256) -> [(hash: Hash256, node: SparseMerkleNode)]? {
        guard let tag = bytes.first else { return nil }
        guard tag == pageTag else {
            guard let node = try? SparseMerkleNode(canonicalBytes: bytes) else { return nil }
            return [(key, node)]
        }
        var nodes: [(hash: Hash256, node: SparseMerkleNode)] = []
        var offset = 1
        guard parse(bytes, &offset, key, relative: 0, into: &nodes), offset == bytes.count else {
            return nil
        }
        return nodes
    }

    private static func parse(
        _ bytes: [UInt8], _ offset: inout Int, _ hash: Hash256, relative: Int,
        into nodes: inout [(hash: Hash256, node: SparseMerkleNode)]
    ) -> Bool {
        guard nodes.count < maxEntries, relative < levels, bytes.count - offset >= entryBytes else {
            return false
        }
        let flags = bytes[offset]
        let left = Hash256(bytes: bytes[(offset + 1)..<(offset + 33)])
        let right = Hash256(bytes: bytes[(offset + 33)..<(offset + 65)])
        offset += entryBytes
        guard flags & ~3 == 0 else { return false }
        nodes.append((hash, .inner(left: left, right: right)))
        for (child, included) in [(left, flags & 1 != 0), (right, flags & 2 != 0)] where included {
            guard child != SparseMerkleTree.emptyRoot,
                parse(bytes, &offset, child, relative: relative + 1, into: &nodes)
            else { return false }
        }
        return true
    }
}

/// Reads tree nodes by hash from the `stateTree` family through the shared cache, for one
/// reader (a block's execution, a query, a proof). Walks of the tree go from a root down, so
/// a page is read when its root is, and its other nodes are kept here for the rest of the
/// walk. A page root served by the shared cache is not read from disk, though, and the cache
/// may be emptied before its children are asked for: so the parent of every child of a node
/// served from the cache is remembered, and a node found nowhere else is looked for in the
/// pages of its ancestors (at most `levels` reads).
///
/// `@unchecked Sendable`: the mutable state is behind a lock.
public final class StateTreeNodeReader: @unchecked Sendable {
    let database: RocksDatabase
    let cache: StateTreeCache?
    private let memo = NIOLockedValueBox(Memo())

    private struct Memo {
        /// Nodes of the pages this reader read.
        var nodes: [Hash256: SparseMerkleNode] = [:]
        /// Parent of each child of a node the cache served.
        var parents: [Hash256: Hash256] = [:]
    }

    public init(database: RocksDatabase, cache: StateTreeCache?) {
        self.database = database
        self.cache = cache
    }

    /// The node with `hash`, or nil when no record holds it.
    /// - Throws: when RocksDB fails or a record does not decode.
    public func node(_ hash: Hash256) throws(StorageError) -> SparseMerkleNode? {
        if let node = cache?.node(hash) {
            if case let .inner(left, right) = node {
                memo.withLockedValue {
                    $0.parents[left] = hash
                    $0.parents[right] = hash
                }
            }
            return node
        }
        if let node = memo.withLockedValue({ $0.nodes[hash] }) { return node }
        if let node = try read(record: hash, wanting: hash) { return node }
        var child = hash
        for _ in 0..<StateTreePages.levels {
            guard let parent = memo.withLockedValue({ $0.parents[child] }) else { break }
            if let node = try read(record: parent, wanting: hash) { return node }
            child = parent
        }
        return nil
    }

    /// Reads the record under `key`, keeps its nodes, and returns the one with hash `wanting`.
    private func read(record key: Hash256, wanting: Hash256) throws(StorageError) -> SparseMerkleNode? {
        guard let bytes = try database.get(.stateTree, key.bytes) else { return nil }
        guard let nodes = StateTreePages.decode(bytes, key: key) else {
            throw StorageError("state-tree record \(key) does not decode")
        }
        var found: SparseMerkleNode?
        memo.withLockedValue { memo in
            for (hash, node) in nodes {
                if nodes.count > 1 { memo.nodes[hash] = node }
                if hash == wanting { found = node }
            }
        }
        cache?.insert(nodes)
        return found
    }

    /// The inner node `hash` of the tree under `root`, reached by `path` from it: what a
    /// block's new page needs of the previous tree. Read top-down, so the pages on the way
    /// are read (or their parents remembered) before the node is asked for.
    func node(_ hash: Hash256, under root: Hash256, path: [Bool]) throws(StorageError) -> SparseMerkleNode {
        if let found = try self.node(hash) { return found }
        var current = root
        for bit in path {
            guard let step = try self.node(current), case let .inner(left, right) = step else { break }
            current = bit ? right : left
        }
        guard current == hash, let found = try self.node(hash) else {
            throw StorageError("state-tree node \(hash) missing from the store")
        }
        return found
    }
}
