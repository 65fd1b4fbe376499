import Client
import Foundation
import GovChainAPI
import KeyFiles
import Ledger
import Testing

// Setup: a real devnet (LocalCluster slot 42, 4 `govchain-node` processes on loopback);
// governance through the built `govchain` CLI, as an operator would (docs/operations.md,
// "Rotating a key"). Faults: SIGKILL.

extension EndToEnd {
@Suite("Validator key rotation (real processes)", .serialized)
struct KeyRotationProcessTests {
    typealias Membership = MembershipProcessTests

    /// Rewrites one top-level setting of a node's config.toml (adding it before the first
    /// table when absent).
    static func configure(_ cluster: LocalCluster, _ index: Int, _ name: String, _ value: String) throws {
        let path = cluster.dataDirectory(index) + "/config.toml"
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let line = "\(name) = '\(value)'"
        if let existing = lines.firstIndex(where: { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "=") }) {
            lines[existing] = line
        } else {
            lines.insert(line, at: lines.firstIndex { $0.hasPrefix("[") } ?? lines.count)
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("rotate-validator-keys: the next consensus key signs from the height its set certifies, with no restart at the switch; a rotated network key connects after a restart and the old one is revoked")
    func rotateConsensusAndNetworkKeys() async throws {
        let cluster = try LocalCluster(slot: 42)
        defer { _ = cluster.shutdown() }
        let algorithm = try KeyFile.read(from: cluster.dataDirectory(1) + "/consensus.key").algorithm
        // Node 1's next consensus key is in place before the change is proposed.
        let nextConsensus = SigningKey.generate(algorithm)
        try KeyFile.write(nextConsensus, to: cluster.dataDirectory(1) + "/consensus-next.key")
        try Self.configure(cluster, 1, "next_consensus_key", "consensus-next.key")
        try await cluster.startAll()

        let oldConsensus = try KeyFile.read(from: cluster.dataDirectory(1) + "/consensus.key").publicKey
        _ = try Membership.governance(cluster, admin: 1, [
            "org", "propose", "rotate-validator-keys", "--proposal-id", "P-ROTATE-1",
            "--public-key", oldConsensus.hex, "--new-consensus-key", nextConsensus.publicKey.hex,
        ])
        let rotated = try Membership.governance(cluster, admin: 2, ["org", "approve", "--proposal-id", "P-ROTATE-1"])
        let rotatedFrom = rotated.height + 2
        #expect(await cluster.eventually(seconds: 30) { (await cluster.height(1) ?? 0) >= rotatedFrom + 1 })

        // With node 0 killed, a quorum (3 of 4) needs node 1: the chain goes on only because
        // node 1 signs with its new key, which the set of those heights names.
        cluster.kill(0)
        let afterKill = await cluster.height(1) ?? 0
        #expect(await Membership.commits(cluster, 1), "node 1 must vote with its rotated consensus key")
        let reader = try VerifiedReader(
            client: try cluster.readClient(1), trust: try TrustRoot(genesisFile: cluster.directory + "/genesis.json"))
        let set = try await reader.validators(forHeight: rotatedFrom)
        #expect(set.index(of: nextConsensus.publicKey) == 1 && set.index(of: oldConsensus) == nil)
        for height in afterKill + 1...afterKill + 2 {
            // Verified against that height's set: index 1's signature is the new key's.
            let block = try await reader.block(height)
            #expect(block.certificate.signatures.contains { $0.validatorIndex == 1 }, "height \(height)")
        }

        // Node 2's network key: governance names the new one, then the node restarts with it.
        // Every node that executes the change shuts the old key out at once, so node 2 is
        // cut off until its restart: node 0 comes back first, the chain must not need node 2.
        try cluster.start(0)
        #expect(await cluster.eventually(seconds: 60) {
            (await cluster.height(0) ?? 0) >= (await cluster.height(1) ?? 0)
        }, "node 0 did not catch up; see \(cluster.dataDirectory(0))/node.log")
        let node2 = try KeyFile.read(from: cluster.dataDirectory(2) + "/consensus.key").publicKey
        let oldNetwork = try KeyFile.read(from: cluster.dataDirectory(2) + "/network.key").publicKey
        let nextNetwork = SigningKey.generate(algorithm)
        try KeyFile.write(nextNetwork, to: cluster.dataDirectory(2) + "/network-next.key")
        _ = try Membership.governance(cluster, admin: 1, [
            "org", "propose", "rotate-validator-keys", "--proposal-id", "P-ROTATE-2",
            "--public-key", node2.hex, "--new-network-key", nextNetwork.publicKey.hex,
        ])
        let networkRotated = try Membership.governance(cluster, admin: 3, ["org", "approve", "--proposal-id", "P-ROTATE-2"])
        #expect(await cluster.eventually(seconds: 30) { (await cluster.height(1) ?? 0) >= networkRotated.height + 2 })
        cluster.kill(2)
        try Self.configure(cluster, 2, "network_key", "network-next.key")
        try cluster.start(2)
        // With node 0 killed again, commits need nodes 1, 2 and 3: node 2 is connected under
        // its new network key.
        cluster.kill(0)
        #expect(await Membership.commits(cluster, 1, seconds: 60), "node 2 must reconnect with its new network key")
        let listed = try await cluster.readClient(1).validators().first { $0.publicKey == node2.hex }
        #expect(listed?.networkKey == nextNetwork.publicKey.hex)
        let log = try String(contentsOfFile: cluster.dataDirectory(1) + "/node.log", encoding: .utf8)
        #expect(log.contains("revokes rotated network key \(oldNetwork)"), "node 1 must shut the old network key out")
    }
}
}
