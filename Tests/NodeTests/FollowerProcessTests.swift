import Client
import Foundation
import GovChainAPI
import KeyFiles
import Ledger
import Testing

// Setup: a real devnet (LocalCluster slot 41, 4 validator processes on loopback) and a fifth
// `govchain-node` process made by `init` from the same genesis, run as a follower; its
// admission and withdrawal go through the built `govchain` CLI (docs/operations.md,
// "Follower nodes").

extension EndToEnd {
@Suite("Follower nodes (real processes)", .serialized)
struct FollowerProcessTests {
    typealias Membership = MembershipProcessTests

    @Test("a follower admitted by governance syncs, matches every block, serves reads, forwards a transaction, never votes; withdrawn, it is cut off")
    func followerLifecycle() async throws {
        let cluster = try LocalCluster(slot: 41)
        let follower = 4
        defer {
            _ = cluster.stop(follower)
            cluster.shutdown()
        }
        try await cluster.startAll()
        try LocalCluster.run(builtExecutable("govchain-node"), [
            "init", "--data-dir", cluster.dataDirectory(follower), "--genesis", cluster.directory + "/genesis.json",
            "--p2p-listen", "127.0.0.1:\(cluster.p2pBase + follower)",
            "--api-listen", "127.0.0.1:\(cluster.apiBase + follower)",
        ])
        let key = try KeyFile.read(from: cluster.dataDirectory(follower) + "/network.key").publicKey
        try cluster.start(follower)
        #expect(await cluster.eventually(seconds: 30) { await cluster.height(follower) != nil })

        // Not admitted: validators refuse its handshake, so it learns nothing.
        let client = try cluster.client("peoples-hospital", nodes: [0, 1])
        let early = await ClusterEndToEndTests.load(client, count: 3, offset: 0, run: "follower-early")
        #expect(early.count == 3)
        #expect(await cluster.height(follower) == 0, "an unadmitted node must not get blocks")

        _ = try Membership.governance(cluster, admin: 1, [
            "org", "propose", "add-follower", "--proposal-id", "P-FOLLOW", "--name", "health-replica",
            "--public-key", key.hex,
        ])
        let admitted = try Membership.governance(cluster, admin: 2, ["org", "approve", "--proposal-id", "P-FOLLOW"])
        let listed = try await cluster.readClient(0).followers()
        #expect(listed.map(\.publicKey) == [key.hex])

        // It syncs, executes and agrees: equal block hashes mean equal state roots (a header
        // carries the root after the block before it).
        #expect(await cluster.eventually(seconds: 60) { (await cluster.height(follower) ?? 0) >= admitted.height + 2 },
                "the follower did not sync; see \(cluster.dataDirectory(follower))/node.log")
        await ClusterEndToEndTests.expectSameHashes(cluster, nodes: [0, follower], through: admitted.height + 2)

        // A transaction submitted to the follower alone is forwarded and committed, and the
        // follower serves the read (its own executed state).
        let viaFollower = try cluster.client("peoples-hospital", nodes: [follower])
        let forwarded = await ClusterEndToEndTests.load(viaFollower, count: 2, offset: 10, run: "follower")
        #expect(forwarded.count == 2, "transactions sent to the follower must commit")
        for id in forwarded {
            let onValidator = try await cluster.readClient(0).transactionInfo(id)
            #expect(onValidator?.status == "committed")
        }
        let status = try await cluster.readClient(follower).status()
        #expect(!status.isValidator)

        // It never votes: the chain's only set is still genesis, and no certificate names more
        // than its four validators.
        let sets = try #require(try await cluster.readClient(1).get(Page<ValidatorSetView>.self, "/v1/validator-sets"))
        #expect(sets.items.count == 1)
        let tip = await cluster.height(follower) ?? 0
        let reader = try VerifiedReader(
            client: try cluster.readClient(follower), trust: try TrustRoot(genesisFile: cluster.directory + "/genesis.json"))
        let block = try await reader.block(tip)
        #expect(block.certificate.signatures.allSatisfy { $0.validatorIndex < 4 })

        // Withdrawn: validators drop it and refuse it, so it stops while they go on.
        _ = try Membership.governance(cluster, admin: 1, [
            "org", "propose", "remove-follower", "--proposal-id", "P-UNFOLLOW", "--public-key", key.hex,
        ])
        let withdrawn = try Membership.governance(cluster, admin: 3, ["org", "approve", "--proposal-id", "P-UNFOLLOW"])
        // Whatever it had in flight when cut off, it gets nothing a few blocks later.
        try await Task.sleep(for: .seconds(2))
        let frozen = await cluster.height(follower) ?? 0
        _ = await ClusterEndToEndTests.load(client, count: 3, offset: 20, run: "follower-late")
        #expect(await cluster.eventually(seconds: 20) { (await cluster.height(0) ?? 0) >= max(frozen, withdrawn.height) + 4 })
        #expect((await cluster.height(follower) ?? 0) <= frozen + 1, "a withdrawn follower must be cut off")
    }
}
}
