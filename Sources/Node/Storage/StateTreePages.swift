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
    /// - Returns: records sorted by key (one deterministic write), and every node they hold
    ///   (for the cache: pages go into it whole).
    /// - Throws: when an unchanged node a page needs cannot be read.
    public static func records(
        root: Hash256, created: [(hash: Hash256, node: SparseMerkleNode)],
        resolve: (Hash256, [Bool]) throws(StorageError) -> SparseMerkleNode
    ) throws(StorageError) -> (records: [(key: [UInt8], value: [UInt8])], nodes: [(hash: Hash256, node: SparseMerkleNode)]) {
        var new = [Hash256: SparseMerkleNode](minimumCapacity: created.count)
        var records: [(key: Hash256, value: [UInt8])] = []
        var nodes: [(hash: Hash256, node: SparseMerkleNode)] = []
        nodes.reserveCapacity(created.count * 2)
        for (hash, node) in created {
            new[hash] = node
            if case .leaf = node {
                records.append((hash, node.canonicalBytes))
                nodes.append((hash, node))
            }
        }
        var pageRoots: [(hash: Hash256, path: [Bool])] = []
        if case .inner? = new[root] { pageRoots.append((root, [])) }
        while let (pageRoot, rootPath) = pageRoots.popLast() {
            var bytes: [UInt8] = [pageTag]
            bytes.reserveCapacity(1 + entryBytes * 4)
            var path = rootPath
            try encode(
                pageRoot, relative: 0, path: &path, new: new, resolve: resolve,
                into: &bytes, nodes: &nodes, pageRoots: &pageRoots)
            records.append((pageRoot, bytes))
        }
        records.sort { $0.key < $1.key }
        return (records.map { ($0.key.bytes, $0.value) }, nodes)
    }

    /// Appends the page entries of inner node `hash` (at `relative` levels below its page
    /// root, reached by `path`) and of its in-page descendants, in preorder.
    private static func encode(
        _ hash: Hash256, relative: Int, path: inout [Bool], new: [Hash256: SparseMerkleNode],
        resolve: (Hash256, [Bool]) throws(StorageError) -> SparseMerkleNode,
        into bytes: inout [UInt8], nodes: inout [(hash: Hash256, node: SparseMerkleNode)],
        pageRoots: inout [(hash: Hash256, path: [Bool])]
    ) throws(StorageError) {
        let node: SparseMerkleNode
        if let known = new[hash] { node = known } else { node = try resolve(hash, path) }
        guard case let .inner(left, right) = node else {
            throw StorageError("state-tree page entry \(hash) is not an inner node")
        }
        nodes.append((hash, node))
        let leftInPage = try inPage(left, bit: false, relative: relative, path: &path, new: new, resolve: resolve, pageRoots: &pageRoots)
        let rightInPage = try inPage(right, bit: true, relative: relative, path: &path, new: new, resolve: resolve, pageRoots: &pageRoots)
        bytes.append((leftInPage ? 1 : 0) | (rightInPage ? 2 : 0))
        appendHash(left, to: &bytes)
        appendHash(right, to: &bytes)
        for (child, bit, included) in [(left, false, leftInPage), (right, true, rightInPage)] where included {
            path.append(bit)
            try encode(
                child, relative: relative + 1, path: &path, new: new, resolve: resolve,
                into: &bytes, nodes: &nodes, pageRoots: &pageRoots)
            path.removeLast()
        }
    }

    /// Whether `child` (reached from its parent by `bit`) belongs in its parent's page; a new
    /// inner child `levels` below the page root is queued as the root of a page of its own.
    private static func inPage(
        _ child: Hash256, bit: Bool, relative: Int, path: inout [Bool], new: [Hash256: SparseMerkleNode],
        resolve: (Hash256, [Bool]) throws(StorageError) -> SparseMerkleNode,
        pageRoots: inout [(hash: Hash256, path: [Bool])]
    ) throws(StorageError) -> Bool {
        guard child != SparseMerkleTree.emptyRoot else { return false }
        if relative + 1 < levels {
            path.append(bit)
            defer { path.removeLast() }
            let node: SparseMerkleNode
            if let known = new[child] { node = known } else { node = try resolve(child, path) }
            if case .inner = node { return true }
            return false
        }
        // An unchanged inner node `levels` below already has its page; a leaf is its own record.
        if case .inner? = new[child] { pageRoots.append((child, path + [bit])) }
        return false
    }

    /// The hash's 32 bytes, big-endian words, without building an intermediate array.
    @inline(__always)
    static func appendHash(_ hash: Hash256, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: hash.word0.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: hash.word1.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: hash.word2.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: hash.word3.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// The hash stored at `offset`; the caller checked that 32 bytes are there.
    @inline(__always)
    static func loadHash(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> Hash256 {
        Hash256(
            word0: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
            word1: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)),
            word2: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)),
            word3: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)))
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
        nodes.reserveCapacity(maxEntries)
        var offset = 1
        let parsed = bytes.withUnsafeBytes { raw in
            parse(raw, &offset, key, relative: 0, into: &nodes) && offset == raw.count
        }
        return parsed ? nodes : nil
    }

    private static func parse(
        _ raw: UnsafeRawBufferPointer, _ offset: inout Int, _ hash: Hash256, relative: Int,
        into nodes: inout [(hash: Hash256, node: SparseMerkleNode)]
    ) -> Bool {
        guard nodes.count < maxEntries, relative < levels, raw.count - offset >= entryBytes else {
            return false
        }
        let flags = raw[offset]
        let left = loadHash(raw, offset + 1)
        let right = loadHash(raw, offset + 33)
        offset += entryBytes
        guard flags & ~3 == 0 else { return false }
        nodes.append((hash, .inner(left: left, right: right)))
        if flags & 1 != 0 {
            guard left != SparseMerkleTree.emptyRoot,
                parse(raw, &offset, left, relative: relative + 1, into: &nodes)
            else { return false }
        }
        if flags & 2 != 0 {
            guard right != SparseMerkleTree.emptyRoot,
                parse(raw, &offset, right, relative: relative + 1, into: &nodes)
            else { return false }
        }
        return true
    }
}

/// Reads tree nodes by hash from the `stateTree` family through the shared cache, for one
/// reader (a block's execution, a query, a proof). Walks of the tree go from a root down, so
/// a page is read when its root is, and its other nodes are kept here for the rest of the
/// walk. A page root served by the shared cache is not read from disk, though: the cache
/// holds pages whole (`StateTreeCache`), but a commit may empty it before the root's children
/// are asked for. A reader on another thread than the executor's therefore remembers the
/// parent of every child of a node the cache served, and looks for a node found nowhere else
/// in the pages of its ancestors (at most `levels` reads). The executor's own readers need
/// not: nothing empties the cache while the executor executes a block.
///
/// `@unchecked Sendable`: the mutable state is behind a lock.
public final class StateTreeNodeReader: @unchecked Sendable {
    let database: RocksDatabase
    let cache: StateTreeCache?
    let remembersParents: Bool
    private let memo = NIOLockedValueBox(Memo())

    private struct Memo {
        /// Nodes of the pages this reader read.
        var nodes: [Hash256: SparseMerkleNode] = [:]
        /// Parent of each child of a node the cache served.
        var parents: [Hash256: Hash256] = [:]
    }

    public init(database: RocksDatabase, cache: StateTreeCache?, remembersParents: Bool) {
        self.database = database
        self.cache = cache
        self.remembersParents = remembersParents
    }

    /// The node with `hash`, or nil when no record holds it.
    /// - Throws: when RocksDB fails or a record does not decode.
    public func node(_ hash: Hash256) throws(StorageError) -> SparseMerkleNode? {
        if let node = cache?.node(hash) {
            if remembersParents, case let .inner(left, right) = node {
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
        cache?.insertRead(nodes)
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
