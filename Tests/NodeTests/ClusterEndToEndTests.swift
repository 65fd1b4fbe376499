import Client
import GovChainAPI
import Foundation
import Testing
@testable import Ledger
@testable import Node

// Setup: real `govchain-node` processes on loopback (4 validators, f = 1), real TCP, real
// RocksDB; faults are SIGKILL, SIGTERM and wiped data directories. Serialized: four
// processes per test is already a full load for two cores.

extension EndToEnd {
@Suite("Cluster end-to-end (real processes)", .serialized)
struct ClusterEndToEndTests {
    /// Submits `count` bill issues through `client`, returning the ids acknowledged committed.
    static func load(_ client: GovChainClient, count: Int, offset: Int, run: String) async -> [Hash256] {
        var committed: [Hash256] = []
        for index in offset..<offset + count {
            if let receipt = try? await client.submit(Workload.billIssue(index, run: run), deadline: .seconds(15)) {
                committed.append(receipt.txID)
            }
        }
        return committed
    }

    static func expectSameHashes(_ cluster: LocalCluster, nodes: [Int], through height: UInt64) async {
        for h in 1...height {
            var hashes = Set<String>()
            for node in nodes { hashes.insert(await cluster.blockHash(node, height: h) ?? "missing") }
            #expect(hashes.count == 1 && !hashes.contains("missing"), "height \(h): \(hashes)")
        }
    }

    @Test("4 node processes commit blocks; all report identical block hashes (and so state roots) at every height")
    func agreement() async throws {
        let cluster = try LocalCluster(slot: 1)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let client = try cluster.client("peoples-hospital")
        let committed = await Self.load(client, count: 20, offset: 0, run: "agreement")
        #expect(committed.count == 20)
        let reached = await cluster.eventually(seconds: 20) {
            var heights: [UInt64] = []
            for node in 0..<4 { heights.append(await cluster.height(node) ?? 0) }
            return heights.allSatisfy { $0 >= 8 }
        }
        #expect(reached)
        // Header h+1 carries the state root after block h: equal hashes mean equal roots.
        await Self.expectSameHashes(cluster, nodes: [0, 1, 2, 3], through: 8)
    }

    @Test("SIGKILL one validator under load: the rest keep committing; restarted, it catches up and loses nothing")
    func killOneUnderLoad() async throws {
        let cluster = try LocalCluster(slot: 2)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let client = try cluster.client("peoples-hospital", nodes: [0, 1, 2])
        var acknowledged = await Self.load(client, count: 10, offset: 0, run: "kill1")
        cluster.kill(3)
        let before = await cluster.height(0) ?? 0
        acknowledged += await Self.load(client, count: 15, offset: 10, run: "kill1")
        let progressed = await cluster.eventually(seconds: 15) { (await cluster.height(0) ?? 0) > before + 3 }
        #expect(progressed, "three validators must keep committing")
        try cluster.start(3)
        let target = await cluster.height(0) ?? 0
        let caughtUp = await cluster.eventually(seconds: 40) { (await cluster.height(3) ?? 0) >= target }
        let reached = await cluster.height(3) ?? 0
        #expect(caughtUp, "restarted node reached height \(reached) of \(target)")
        await Self.expectSameHashes(cluster, nodes: [0, 3], through: target)
        let restarted = try cluster.readClient(3)
        for id in acknowledged {
            let view = try? await restarted.transactionInfo(id)
            #expect(view?.status == "committed", "acknowledged tx \(id) missing on the restarted node")
        }
        #expect(acknowledged.count == 25)
    }

    @Test("SIGKILL two of four validators: nothing commits (no fork); restarted, progress resumes")
    func killTwo() async throws {
        let cluster = try LocalCluster(slot: 3)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let started = await cluster.eventually(seconds: 20) { (await cluster.height(0) ?? 0) >= 3 }
        #expect(started)
        cluster.kill(2)
        cluster.kill(3)
        try await Task.sleep(for: .seconds(1))
        let stalled = await cluster.height(0) ?? 0
        try await Task.sleep(for: .seconds(3))
        let later = max(await cluster.height(0) ?? 0, await cluster.height(1) ?? 0)
        #expect(later <= stalled + 1, "two of four validators committed \(later - stalled) blocks without a quorum")
        try cluster.start(2)
        try cluster.start(3)
        let resumed = await cluster.eventually(seconds: 40) { (await cluster.height(0) ?? 0) >= later + 3 }
        #expect(resumed, "progress did not resume after the restart")
        let tip = await cluster.height(0) ?? 0
        // Every node, not only the restarted two: node 1 may itself be a block behind node 0
        // at the moment `tip` is read, and the hashes are compared on all four.
        let rejoined = await cluster.eventually(seconds: 30) {
            var heights: [UInt64] = []
            for node in 0..<4 { heights.append(await cluster.height(node) ?? 0) }
            return heights.allSatisfy { $0 >= tip }
        }
        #expect(rejoined)
        await Self.expectSameHashes(cluster, nodes: [0, 1, 2, 3], through: tip)
    }

    @Test("the client fails over from a killed node, and resubmitting a transaction never applies it twice")
    func failOverAndIdempotentResubmission() async throws {
        let cluster = try LocalCluster(slot: 9)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let started = await cluster.eventually(seconds: 20) { (await cluster.height(0) ?? 0) >= 1 }
        #expect(started)
        // Node 0 is first in every rotation it draws; killed, every call must go elsewhere.
        let client = try cluster.client("peoples-hospital", nodes: [0, 1, 2, 3])
        cluster.kill(0)
        var failures: [String] = []
        for index in 0..<8 {
            do {
                _ = try await client.submit(Workload.billIssue(index, run: "failover"), deadline: .seconds(30))
            } catch {
                failures.append("call \(index): \(error)")
            }
        }
        #expect(failures.isEmpty, "calls did not fail over from the killed node: \(failures)")
        // The same signed transaction, sent again (as after a timeout) to another node.
        let tx = try await client.transaction(for: Workload.billIssue(100, run: "failover"))
        let first = try await client.submit(tx)
        let again = try GovChainClient(endpoints: [cluster.url(2)], chainID: cluster.chainID, signer: nil)
        let second = try await again.submit(tx)
        #expect(first.txID == second.txID && first.height == second.height && first.index == second.index)
        let bill = try await again.bill("M36012026" + String(format: "%010d", 100))
        #expect(bill?.totalFen == 1_100)
        let history = try await again.billHistory("M36012026" + String(format: "%010d", 100))
        #expect(history.count == 1, "the bill was applied more than once")
    }

    @Test("a node wiped and restarted from genesis catches up from its peers by block sync")
    func wipedNodeCatchesUp() async throws {
        let cluster = try LocalCluster(slot: 4)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let client = try cluster.client("peoples-hospital", nodes: [0, 1])
        _ = await Self.load(client, count: 10, offset: 0, run: "wipe")
        cluster.stop(3)
        try cluster.wipe(3)
        _ = await Self.load(client, count: 5, offset: 10, run: "wipe")
        try cluster.start(3)
        let target = await cluster.height(0) ?? 0
        #expect(target > 5)
        let caughtUp = await cluster.eventually(seconds: 40) { (await cluster.height(3) ?? 0) >= target }
        let reached = await cluster.height(3) ?? 0
        #expect(caughtUp, "wiped node reached \(reached) of \(target)")
        await Self.expectSameHashes(cluster, nodes: [1, 3], through: target)

        // Operator tools on a stopped node: verify-db, then export and import into a fresh
        // data directory, which verify-db also accepts.
        #expect(cluster.stop(1))
        let node = builtExecutable("govchain-node")
        try LocalCluster.run(node, ["verify-db", "--data-dir", cluster.dataDirectory(1)])
        let archive = cluster.directory + "/blocks.gcb"
        try LocalCluster.run(node, ["export", "--data-dir", cluster.dataDirectory(1), "--out", archive])
        let fresh = cluster.directory + "/imported"
        try FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cluster.directory + "/genesis.json", toPath: fresh + "/genesis.json")
        try LocalCluster.run(node, ["import", "--data-dir", fresh, "--file", archive])
        try LocalCluster.run(node, ["verify-db", "--data-dir", fresh])
        let imported = try BlockStore(path: fresh + "/db")
        #expect(imported.lastHeight >= target)
    }
}
}
