import Ledger
import Testing

@testable import Node

// Setup: two validators and a third PeerNetwork whose key is in no validator set (a
// follower), on 127.0.0.1 over real TCP (TransportNetworkTests' helpers).
extension TransportTests {
    @Test("follower: refused until admitted; then it dials every validator and both ways carry messages; withdrawn, it is dropped and refused",
          .timeLimit(.minutes(1)))
    func followerAdmission() async throws {
        let keys = Self.keys(3, label: "follower")
        let ports = try await Self.freePorts(3)
        let validators = Self.validatorSet(Array(keys.prefix(2)), ports: Array(ports.prefix(2)))
        let nodes = (0..<3).map { Self.makeNode($0, keys: keys, ports: ports, validators: validators) }
        let (first, second, follower) = (nodes[0], nodes[1], nodes[2])
        let followerKey = follower.key.publicKey

        try await Self.withRunning(nodes) {
            // The validators connect; the follower's dials are refused at the handshake.
            #expect(await Self.eventually { first.network.connectedPeers == [second.key.publicKey] })
            #expect(await Self.eventually { first.network.counters.handshakeFailures >= 1 })
            #expect(follower.network.connectedPeers.isEmpty)

            for validator in [first, second] { validator.network.admitFollowers([followerKey]) }
            // Nobody dials a follower: it dials both validators, which no validator would do
            // for a key sorting below its own.
            #expect(await Self.eventually { follower.network.connectedPeers.count == 2 })
            first.network.broadcast(Array("block for everyone".utf8))
            follower.network.broadcast(Array("forwarded transaction".utf8))
            #expect(await Self.eventually {
                await follower.received.contains("block for everyone", from: first.key.publicKey)
            })
            #expect(await Self.eventually {
                await second.received.contains("forwarded transaction", from: followerKey)
            })

            // Withdrawn by the first validator only: that connection closes and stays closed
            // (the follower keeps redialing and is refused); the other one is untouched.
            first.network.admitFollowers([])
            #expect(await Self.eventually { !first.network.connectedPeers.contains(followerKey) })
            try await Task.sleep(for: .milliseconds(800))
            #expect(!first.network.connectedPeers.contains(followerKey))
            #expect(second.network.connectedPeers.contains(followerKey))
            #expect(!first.network.send(Array("no longer".utf8), to: followerKey), "its outbox is gone")
        }
    }
}
