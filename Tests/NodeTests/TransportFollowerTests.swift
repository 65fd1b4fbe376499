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

// Setup: validators A and B over real TCP; governance then rotates B's network key to C's
// (same address, as `rotateValidatorKeys` keeps it), and A learns the new set.
extension TransportTests {
    @Test("rotation: a validator's network key rotated away is dropped and refused; the new key is admitted",
          .timeLimit(.minutes(1)))
    func rotatedNetworkKeyIsRevoked() async throws {
        // Sorted so the new key C dials A (a validator dials only keys above its own).
        let sorted = Self.keys(3, label: "rotation").sorted { $0.publicKey < $1.publicKey }
        let (a, b, c) = (sorted[2], sorted[1], sorted[0])
        let keys = [a, b, c]
        let ports = try await Self.freePorts(3)
        let before = Self.validatorSet([a, b], ports: Array(ports.prefix(2)))
        var rotatedEntries = before.validators
        rotatedEntries[1].networkKey = c.publicKey
        let rotated = ValidatorSet(rotatedEntries)
        let nodes = [
            Self.makeNode(0, keys: keys, ports: ports, validators: before),
            Self.makeNode(1, keys: keys, ports: ports, validators: before),
            Self.makeNode(2, keys: keys, ports: ports, validators: rotated),
        ]
        let (first, new) = (nodes[0], nodes[2])

        try await Self.withRunning(nodes) {
            #expect(await Self.eventually { first.network.connectedPeers.contains(b.publicKey) })
            #expect(!first.network.connectedPeers.contains(c.publicKey), "not admitted before the rotation")

            first.network.admit(rotated.validators)
            #expect(await Self.eventually { !first.network.connectedPeers.contains(b.publicKey) })
            #expect(await Self.eventually { first.network.connectedPeers.contains(c.publicKey) })
            // The old key keeps redialing and is refused.
            try await Task.sleep(for: .milliseconds(800))
            #expect(!first.network.connectedPeers.contains(b.publicKey))
            #expect(!first.network.send(Array("no longer".utf8), to: b.publicKey), "its outbox is gone")
            #expect(first.network.send(Array("to the new key".utf8), to: c.publicKey))
            #expect(await Self.eventually { await new.received.contains("to the new key", from: a.publicKey) })
        }
    }
}
