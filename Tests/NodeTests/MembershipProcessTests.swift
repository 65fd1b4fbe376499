import Client
import Foundation
import GovChainAPI
import KeyFiles
import Ledger
import Testing

// Setup: a real devnet (LocalCluster slot 40, 4 `govchain-node` processes on loopback) and a
// fifth process made by `govchain-node init` from the same genesis; governance through the
// built `govchain` CLI, as an operator would (docs/operations.md, "Adding a department's
// node"). Faults: SIGKILL.

extension EndToEnd {
@Suite("Validator-set changes (real processes)", .serialized)
struct MembershipProcessTests {
    typealias CLI = ClientCLITests

    struct Receipt: Decodable {
        let code: UInt32
        let height: UInt64
    }

    /// Runs a governance command with an admin key and returns the committed receipt.
    static func governance(_ cluster: LocalCluster, admin: Int, _ arguments: [String]) throws -> Receipt {
        let run = try CLI.govchain(
            ["--node", cluster.url(1), "--node", cluster.url(2), "--json",
             "--key", cluster.directory + "/keys/data-bureau-admin-\(admin).key"] + arguments)
        #expect(run.status == 0, "govchain \(arguments.joined(separator: " ")): \(run.stderr)")
        let receipt = try run.decode(Receipt.self)
        #expect(receipt.code == 0)
        return receipt
    }

    /// Whether node `index` commits past its current height within `seconds`.
    static func commits(_ cluster: LocalCluster, _ index: Int, seconds: Double = 30) async -> Bool {
        guard let start = await cluster.height(index) else { return false }
        return await cluster.eventually(seconds: seconds) { (await cluster.height(index) ?? 0) >= start + 3 }
    }

    @Test("org propose add-validator and an approval make a fifth process vote; a removed validator stops counting; clients follow both changes")
    func addAndRemoveValidator() async throws {
        let cluster = try LocalCluster(slot: 40)
        defer {
            _ = cluster.stop(4)
            cluster.shutdown()
        }
        try await cluster.startAll()

        // The new department's node: its own key, the chain's genesis, its own ports.
        let newNode = 4
        try LocalCluster.run(builtExecutable("govchain-node"), [
            "init", "--data-dir", cluster.dataDirectory(newNode), "--genesis", cluster.directory + "/genesis.json",
            "--p2p-listen", "127.0.0.1:\(cluster.p2pBase + newNode)", "--api-listen", "127.0.0.1:\(cluster.apiBase + newNode)",
        ])
        let newKey = try KeyFile.read(from: cluster.dataDirectory(newNode) + "/consensus.key").publicKey
        let newNetworkKey = try KeyFile.read(from: cluster.dataDirectory(newNode) + "/network.key").publicKey
        try cluster.start(newNode)
        #expect(await cluster.eventually(seconds: 30) { await cluster.height(newNode) != nil })

        // Governance adds it: the proposer's approval and one more (threshold 2).
        _ = try Self.governance(cluster, admin: 1, [
            "org", "propose", "add-validator", "--proposal-id", "P-ADD-NODE4", "--name", "node4",
            "--public-key", newKey.hex, "--network-key", newNetworkKey.hex, "--address", "127.0.0.1:\(cluster.p2pBase + newNode)",
        ])
        let added = try Self.governance(cluster, admin: 2, ["org", "approve", "--proposal-id", "P-ADD-NODE4"])
        let addedFrom = added.height + 2

        // The fifth process is admitted, syncs and follows the chain.
        #expect(await cluster.eventually(seconds: 60) { (await cluster.height(newNode) ?? 0) >= addedFrom + 2 },
                "node 4 did not catch up; see \(cluster.dataDirectory(newNode))/node.log")

        // With node 3 killed, a quorum of five (4) needs node 4's vote: the chain goes on
        // only because it votes, and every certificate from then on carries its signature.
        cluster.kill(3)
        let afterKill = await cluster.height(0) ?? 0
        #expect(await Self.commits(cluster, 0), "five validators, one down: the chain must go on with node 4's votes")
        let reader = try VerifiedReader(
            client: try cluster.readClient(0), trust: try TrustRoot(genesisFile: cluster.directory + "/genesis.json"))
        let fiveSet = try await reader.validators(forHeight: afterKill + 2)
        #expect(fiveSet.count == 5)
        let newIndex = try #require(fiveSet.index(of: newKey))
        for height in afterKill + 2...afterKill + 3 {
            let block = try await reader.block(height)
            #expect(block.certificate.signatures.contains { $0.validatorIndex == newIndex }, "height \(height)")
        }

        // Governance removes node 3 (still down): from its removal on, four validators
        // (quorum 3) certify, so the chain survives losing node 0 as well.
        let node3Key = try KeyFile.read(from: cluster.dataDirectory(3) + "/consensus.key").publicKey
        _ = try Self.governance(cluster, admin: 1, [
            "org", "propose", "remove-validator", "--proposal-id", "P-REMOVE-NODE3", "--public-key", node3Key.hex,
        ])
        let removed = try Self.governance(cluster, admin: 3, ["org", "approve", "--proposal-id", "P-REMOVE-NODE3"])
        let removedFrom = removed.height + 2
        #expect(await cluster.eventually(seconds: 30) { (await cluster.height(1) ?? 0) >= removedFrom + 1 })
        cluster.kill(0)
        #expect(await Self.commits(cluster, 1), "after node 3's removal, nodes 1, 2 and 4 are a quorum")

        // Clients follow both changes from genesis: the node lists three sets, each named by
        // a certified header, and the auditor's walk (re-executing every block) verifies
        // every certificate against its own height's set.
        let sets = try #require(try await cluster.readClient(1).get(Page<ValidatorSetView>.self, "/v1/validator-sets"))
        #expect(sets.items.map(\.fromHeight) == [1, addedFrom, removedFrom])
        #expect(sets.items.map(\.validators.count) == [4, 5, 4])
        let following = try VerifiedReader(
            client: try cluster.readClient(1), trust: try TrustRoot(genesisFile: cluster.directory + "/genesis.json"))
        let fourSet = try await following.validators(forHeight: removedFrom)
        #expect(fourSet.index(of: node3Key) == nil && fourSet.index(of: newKey) != nil)
        let audit = try CLI.govchain([
            "--node", cluster.url(1), "--json", "audit", "verify-chain",
            "--genesis", cluster.directory + "/genesis.json", "--reexecute",
        ])
        #expect(audit.status == 0, "verify-chain across two set changes failed: \(audit.stderr)")
    }
}
}
