import Client
import Foundation
import GovChainAPI
import Testing
@testable import Ledger
@testable import Node

// Setup: 4 real validator processes on loopback (slots 44 and 45). Node 3 leaves, loses its
// store, and comes back from a snapshot: offline (`snapshot create` on its stopped data
// directory, `snapshot restore` into a fresh store) or online (`start --state-sync`, chunks
// fetched from its peers). It must then follow the chain: equal block hashes at every
// height after the snapshot (header h+1 carries the state root after h, so equal hashes
// are equal state roots), and no block older than the snapshot held.

extension EndToEnd {
@Suite("State snapshots end-to-end (real processes)", .serialized)
struct SnapshotEndToEndTests {
    static let node = builtExecutable("govchain-node")

    /// Node 3 reaches `target`, then agrees with node 1 from `base + 1` to `target`.
    static func expectFollows(_ cluster: LocalCluster, base: UInt64) async throws {
        _ = await ClusterEndToEndTests.load(try cluster.client("peoples-hospital", nodes: [0, 1]), count: 5,
                                            offset: 500, run: "after-\(base)")
        let target = await cluster.height(0) ?? 0
        #expect(target > base)
        let caughtUp = await cluster.eventually(seconds: 60) { (await cluster.height(3) ?? 0) >= target }
        let reached = await cluster.height(3) ?? 0
        #expect(caughtUp, "node 3 reached \(reached) of \(target)")
        for height in (base + 1)...target {
            let ours = await cluster.blockHash(3, height: height)
            let theirs = await cluster.blockHash(1, height: height)
            #expect(ours != nil && ours == theirs, "height \(height): \(ours ?? "missing") vs \(theirs ?? "missing")")
        }
        // Blocks before the snapshot are not held, and the node says so instead of failing.
        #expect(await cluster.blockHash(3, height: base - 1) == nil)
        #expect(cluster.stop(3))
        try LocalCluster.run(node, ["verify-db", "--data-dir", cluster.dataDirectory(3)])
        let store = try BlockStore(path: cluster.dataDirectory(3) + "/db")
        defer { store.database.close() }
        #expect(try store.snapshotBase() == base)
    }

    @Test("offline: snapshot create on a stopped node, restore into a fresh store, start: it follows from h+1")
    func offlineSnapshotRestore() async throws {
        let cluster = try LocalCluster(slot: 44)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let client = try cluster.client("peoples-hospital")
        _ = await ClusterEndToEndTests.load(client, count: 20, offset: 0, run: "snap-offline")
        #expect(cluster.stop(3))
        let file = cluster.directory + "/node3.gcs"
        try LocalCluster.run(Self.node, ["snapshot", "create", "--data-dir", cluster.dataDirectory(3), "--out", file])
        let base = try SnapshotFile.Reader(path: file).manifest.height
        try cluster.wipe(3)
        try LocalCluster.run(Self.node, [
            "snapshot", "restore", "--in", file, "--data-dir", cluster.dataDirectory(3),
            "--genesis", cluster.directory + "/genesis.json",
        ])
        // The chain moves on while node 3 is away: it must fetch those blocks by block sync.
        _ = await ClusterEndToEndTests.load(
            try cluster.client("peoples-hospital", nodes: [0, 1]), count: 10, offset: 20, run: "snap-offline")
        try cluster.start(3)
        try await Self.expectFollows(cluster, base: base)
    }

    @Test("online: a wiped validator started with --state-sync fetches a peer's snapshot, then follows")
    func onlineStateSync() async throws {
        let cluster = try LocalCluster(slot: 45)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let client = try cluster.client("peoples-hospital")
        _ = await ClusterEndToEndTests.load(client, count: 20, offset: 0, run: "snap-online")
        #expect(cluster.stop(3))
        try cluster.wipe(3)
        _ = await ClusterEndToEndTests.load(
            try cluster.client("peoples-hospital", nodes: [0, 1]), count: 10, offset: 20, run: "snap-online")
        try cluster.start(3, extra: ["--state-sync"])
        let synced = await cluster.eventually(seconds: 60) {
            let log = (try? String(contentsOfFile: cluster.dataDirectory(3) + "/node.log", encoding: .utf8)) ?? ""
            return log.contains("state sync: done")
        }
        let log = (try? String(contentsOfFile: cluster.dataDirectory(3) + "/node.log", encoding: .utf8)) ?? ""
        #expect(synced, "no state sync in node 3's log:\n\(log.suffix(3_000))")
        // The snapshot's height, from the restored store's first block as the API shows it.
        let started = await cluster.eventually(seconds: 30) { await cluster.height(3) != nil }
        #expect(started)
        var base: UInt64 = 0
        let tip = await cluster.height(3) ?? 1
        for height in UInt64(1)...max(tip, 1) {
            if await cluster.blockHash(3, height: height) != nil {
                base = height
                break
            }
        }
        #expect(base > 1, "node 3 holds block 1: it replayed instead of syncing state")
        try await Self.expectFollows(cluster, base: base)
    }
}
}
