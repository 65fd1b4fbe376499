import Ledger
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import Node

// Setup: PeerNetworks on 127.0.0.1 over real TCP, on ports found by binding port 0, with
// short reconnect delays and handshake timeout. Waits poll a condition with a deadline.
// Test: all-to-all connection, broadcast and direct delivery, reconnection after a
// restart, and hostile clients that are dropped while the honest network keeps working.
extension TransportTests {
    static let testLimits = TransportLimits(
        maxFrameBytes: 1 << 20, handshakeTimeoutMs: 2_000, connectTimeoutMs: 1_000,
        reconnectBaseMs: 20, reconnectMaxMs: 300, keepaliveIntervalMs: 200, idleTimeoutMs: 1_500)

    /// A running network and what it has received.
    struct TestNode: Sendable {
        let key: SigningKey
        let network: PeerNetwork
        let received: Received
    }

    actor Received {
        private var messages: [(from: PublicKey, payload: [UInt8])] = []

        func append(_ message: PeerNetwork.InboundMessage) {
            messages.append((message.from, message.payload))
        }

        func contains(_ text: String, from key: PublicKey) -> Bool {
            messages.contains { $0.from == key && $0.payload == Array(text.utf8) }
        }
    }

    static func freePorts(_ count: Int) async throws -> [Int] {
        var channels: [any Channel] = []
        for _ in 0..<count {
            channels.append(
                try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .bind(host: "127.0.0.1", port: 0).get())
        }
        let ports = channels.compactMap { $0.localAddress?.port }
        for channel in channels { try await channel.close() }
        return ports
    }

    static func makeNode(
        _ index: Int, keys: [SigningKey], ports: [Int], validators: ValidatorSet
    )
        -> TestNode
    {
        var logger = Logger(label: "transport-test.node\(index)")
        logger.logLevel = .info
        let network = PeerNetwork(
            identity: keys[index], chainID: chainID, genesisHash: genesisHash,
            validators: validators,
            listenHost: "127.0.0.1", listenPort: ports[index],
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger,
            limits: testLimits)
        return TestNode(key: keys[index], network: network, received: Received())
    }

    /// Runs `nodes` (and a consumer of each one's inbound stream) while `body` runs.
    static func withRunning(_ nodes: [TestNode], _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in nodes {
                group.addTask { try await node.network.run() }
                group.addTask {
                    for await message in node.network.inbound {
                        await node.received.append(message)
                    }
                }
            }
            do { try await body() } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    /// Polls `condition` every 20 ms until it holds or `timeoutMs` passes.
    static func eventually(timeoutMs: Int = 10_000, _ condition: () async -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(timeoutMs)
        while clock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }

    static func allReceived(_ text: (TestNode) -> String, among nodes: [TestNode]) async -> Bool {
        for receiver in nodes {
            for sender in nodes where sender.key.publicKey != receiver.key.publicKey {
                guard await receiver.received.contains(text(sender), from: sender.key.publicKey)
                else {
                    return false
                }
            }
        }
        return true
    }

    @Test(
        "network: 4 validators connect all-to-all, broadcast, send directly, survive a restart",
        .timeLimit(.minutes(1)))
    func fourValidators() async throws {
        let keys = Self.keys(4, label: "network")
        let ports = try await Self.freePorts(4)
        let validators = Self.validatorSet(keys, ports: ports)
        let nodes = (0..<4).map {
            Self.makeNode($0, keys: keys, ports: ports, validators: validators)
        }
        // Restart the highest key: nobody it dials, everyone dials it, so its return
        // exercises the others' reconnect loops.
        let restarted = keys.indices.max { keys[$0].publicKey < keys[$1].publicKey }!
        let others = nodes.enumerated().filter { $0.offset != restarted }.map(\.element)

        try await Self.withRunning(others) {
            try await Self.withRunning([nodes[restarted]]) {
                #expect(
                    await Self.eventually {
                        nodes.allSatisfy { $0.network.connectedPeers.count == 3 }
                    })
                for node in nodes {
                    node.network.broadcast(Array("hello from \(node.key.publicKey)".utf8))
                }
                #expect(
                    await Self.eventually {
                        await Self.allReceived({ "hello from \($0.key.publicKey)" }, among: nodes)
                    })
                nodes[1].network.send(Array("direct 1 to 2".utf8), to: keys[2].publicKey)
                #expect(
                    await Self.eventually {
                        await nodes[2].received.contains("direct 1 to 2", from: keys[1].publicKey)
                    })
            }
            #expect(
                await Self.eventually { others.allSatisfy { $0.network.connectedPeers.count == 2 } }
            )
            // Queued while it is down: the per-peer outbox keeps these for the next connection.
            for node in others {
                let text = "while away from \(node.key.publicKey)"
                node.network.send(Array(text.utf8), to: keys[restarted].publicKey)
            }

            let reborn = Self.makeNode(restarted, keys: keys, ports: ports, validators: validators)
            try await Self.withRunning([reborn]) {
                let all = others + [reborn]
                #expect(
                    await Self.eventually {
                        all.allSatisfy { $0.network.connectedPeers.count == 3 }
                    })
                for node in all {
                    node.network.broadcast(Array("again from \(node.key.publicKey)".utf8))
                }
                #expect(
                    await Self.eventually {
                        await Self.allReceived({ "again from \($0.key.publicKey)" }, among: all)
                    })
                for node in others {
                    #expect(
                        await reborn.received.contains(
                            "while away from \(node.key.publicKey)", from: node.key.publicKey))
                }
            }
        }
        for node in nodes { #expect(node.network.counters.handshakeFailures == 0) }
    }

    // MARK: - Hostile clients

    typealias Frames = NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    /// Reads (and discards) until the server hangs up; true once it has.
    static func waitUntilClosed(_ frames: inout Frames) async -> Bool {
        do { while try await frames.next() != nil {} } catch {}
        return true
    }

    /// The next message on an authenticated test connection, skipping keepalives.
    static func nextPayload(_ frames: inout Frames, _ session: inout SecureSession) async throws
        -> [UInt8]?
    {
        while let frame = try await frames.next() {
            let payload = try session.opener.open(Array(frame.readableBytesView))
            if !payload.isEmpty { return payload }
        }
        return nil
    }

    /// Connects a raw client, lets `attack` talk, then waits until the server hangs up.
    static func attack(
        port: Int, waitForClose: Bool = true,
        _ attack: (inout Frames, NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Void
    ) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let decoder = FrameDecoder(maxFrameBytes: 1 << 20, maxHandshakeFrameBytes: 1024)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var frames = inbound.makeAsyncIterator()
            try await attack(&frames, outbound)
            if waitForClose { _ = await Self.waitUntilClosed(&frames) }
        }
    }

    /// Completes a real handshake as `key` (which genesis lists), returning the session.
    static func handshake(
        as key: SigningKey, with target: PublicKey, validators: ValidatorSet,
        _ frames: inout Frames, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws -> SecureSession {
        var handshake = Handshake(
            configuration: configuration(key, validators), role: .dialer, expectedPeer: target)
        try await outbound.write(FrameFormat.encode(handshake.hello))
        let hello = try #require(try await frames.next())
        try await outbound.write(
            FrameFormat.encode(try handshake.receiveHello(Array(hello.readableBytesView))))
        let auth = try #require(try await frames.next())
        return try handshake.receiveAuth(Array(auth.readableBytesView))
    }

    @Test(
        "network: random bytes, unknown keys, oversized and forged frames are dropped",
        .timeLimit(.minutes(1)))
    func hostileClients() async throws {
        // Five validators in genesis; the fifth (a Byzantine one) is driven by the test.
        let keys = Self.keys(5, label: "hostile")
        let ports = try await Self.freePorts(5)
        let validators = Self.validatorSet(keys, ports: ports)
        let nodes = (0..<4).map {
            Self.makeNode($0, keys: keys, ports: ports, validators: validators)
        }
        let target = nodes[0]
        let port = ports[0]
        try await Self.withRunning(nodes) {
            #expect(
                await Self.eventually { nodes.allSatisfy { $0.network.connectedPeers.count == 3 } })
            var generator = SystemRandomNumberGenerator()
            let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try await Self.attack(port: port) { _, outbound in
                try await outbound.write(ByteBuffer(bytes: noise))
            }
            try await Self.attack(port: port) { _, outbound in
                try await outbound.write(FrameFormat.encode(Array(noise.prefix(300))))
            }
            try await Self.attack(port: port) { _, outbound in
                var header = ByteBuffer()
                header.writeInteger(UInt32(0xFFFF_FFF0))
                try await outbound.write(header)
            }
            let stranger = SigningKey.deterministic(label: "hostile-stranger")
            try await Self.attack(port: port) { _, outbound in
                let hello = Handshake(
                    configuration: Self.configuration(
                        stranger, Self.validatorSet([stranger] + keys)),
                    role: .dialer)
                try await outbound.write(FrameFormat.encode(hello.hello))
            }
            #expect(await Self.eventually { target.network.counters.handshakeFailures >= 4 })

            // The Byzantine validator authenticates, then misbehaves after the handshake.
            try await Self.attack(port: port) { frames, outbound in
                _ = try await Self.handshake(
                    as: keys[4], with: keys[0].publicKey, validators: validators, &frames, outbound)
                var header = ByteBuffer()
                header.writeInteger(UInt32(Self.testLimits.maxFrameBytes + 1))
                try await outbound.write(header)
            }
            try await Self.attack(port: port) { frames, outbound in
                var session = try await Self.handshake(
                    as: keys[4], with: keys[0].publicKey, validators: validators, &frames, outbound)
                var frame = session.sealer.seal(Array("forged".utf8))
                frame[frame.count - 1] ^= 0x01
                try await outbound.write(FrameFormat.encode(frame))
            }
            // Authenticated, then silent (no keepalives): closed by the idle timeout.
            let clock = ContinuousClock()
            let silentSince = clock.now
            try await Self.attack(port: port) { frames, outbound in
                _ = try await Self.handshake(
                    as: keys[4], with: keys[0].publicKey, validators: validators, &frames, outbound)
            }
            #expect(clock.now - silentSince >= .milliseconds(Self.testLimits.idleTimeoutMs))
            #expect(
                await Self.eventually(timeoutMs: 30_000) {
                    let counters = target.network.counters
                    // >= 1: on a loaded machine an honest peer's late keepalive may time out too.
                    return counters.oversizedFrames >= 3 && counters.invalidFrames >= 1
                        && counters.idleTimeouts >= 1
                })
            // Drops after authentication are not handshake failures.
            #expect(target.network.counters.handshakeFailures == 4)

            // The honest network still works, in both directions.
            nodes[1].network.send(Array("after the attack".utf8), to: keys[0].publicKey)
            target.network.broadcast(Array("still here".utf8))
            #expect(
                await Self.eventually {
                    guard
                        await target.received.contains("after the attack", from: keys[1].publicKey)
                    else {
                        return false
                    }
                    for node in nodes.dropFirst() {
                        guard await node.received.contains("still here", from: keys[0].publicKey)
                        else {
                            return false
                        }
                    }
                    return true
                })
            #expect(target.network.connectedPeers.count == 3)
        }
    }

    @Test(
        "network: inbound connections beyond the limit are refused at accept",
        .timeLimit(.minutes(1)))
    func inboundConnectionLimit() async throws {
        let keys = Self.keys(2, label: "limit")
        let ports = try await Self.freePorts(2)
        var limits = Self.testLimits
        limits.maxInboundConnections = 2
        let network = PeerNetwork(
            identity: keys[0], chainID: Self.chainID, genesisHash: Self.genesisHash,
            validators: Self.validatorSet(keys, ports: ports), listenHost: "127.0.0.1",
            listenPort: ports[0], eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "transport-test.limit"), limits: limits)
        let node = TestNode(key: keys[0], network: network, received: Received())
        try await Self.withRunning([node]) {
            #expect(await Self.eventually { network.localPort != nil })
            var idle: [any Channel] = []
            for _ in 0..<3 {
                idle.append(
                    try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                        .connect(host: "127.0.0.1", port: ports[0]).get())
            }
            #expect(await Self.eventually { network.counters.connectionsRefused == 1 })
            // One of the three (accept order need not be connect order) was closed at accept.
            #expect(await Self.eventually { idle.filter { !$0.isActive }.count == 1 })
            for channel in idle { try? await channel.close() }
        }
    }

    @Test("queues: a full outbox drops its oldest message; bad payloads are refused and counted")
    func boundedQueues() async throws {
        let outbox = PeerOutbox(limit: 3)
        #expect((1...3).allSatisfy { outbox.enqueue([UInt8($0)]) })
        #expect(!outbox.enqueue([4]))
        #expect(!outbox.enqueue([5]))
        #expect(outbox.count == 3)
        outbox.attach(owner: 1)
        #expect(await outbox.next(owner: 1) == [3])
        #expect(outbox.requeue([3]))
        #expect(!outbox.requeue([9]), "full again: the requeue is dropped")
        #expect(await outbox.next(owner: 2) == nil, "only the owner drains")
        outbox.attach(owner: 2)
        #expect(await outbox.next(owner: 2) == [3])
        #expect(await outbox.next(owner: 1) == nil, "a replaced connection gets nothing")

        let keys = Self.keys(2, label: "queues")
        var limits = Self.testLimits
        limits.outboundQueueLimit = 4
        let network = PeerNetwork(
            identity: keys[0], chainID: Self.chainID, genesisHash: Self.genesisHash,
            validators: Self.validatorSet(keys), listenHost: "127.0.0.1", listenPort: 0,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "transport-test.queues"), limits: limits)
        for index in 0..<10 { network.send([UInt8(index)], to: keys[1].publicKey) }
        #expect(network.counters.outboundDropped == 6)
        #expect(!network.send([1], to: SigningKey.deterministic(label: "stranger").publicKey))
        #expect(!network.send([], to: keys[1].publicKey))
        #expect(
            !network.send(
                [UInt8](repeating: 0, count: limits.maxPayloadBytes + 1), to: keys[1].publicKey))
        #expect(!network.send([1], to: keys[0].publicKey), "not to ourselves")
        #expect(network.counters.outboundDropped == 10)
        #expect(network.connectedPeers.isEmpty)
    }

    @Test("reconnect: delays grow exponentially to the cap, jittered into its upper half")
    func reconnectBackoff() {
        let limits = TransportLimits(reconnectBaseMs: 100, reconnectMaxMs: 10_000)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            #expect((50...100).contains(limits.reconnectDelayMs(failures: 0, using: &generator)))
            #expect((400...800).contains(limits.reconnectDelayMs(failures: 3, using: &generator)))
            #expect(
                (5_000...10_000).contains(limits.reconnectDelayMs(failures: 7, using: &generator)))
            #expect(
                (5_000...10_000).contains(limits.reconnectDelayMs(failures: 500, using: &generator))
            )
        }
    }

    @Test("replacement: a newer connection from a validator takes over; queued messages follow",
          .timeLimit(.minutes(1)))
    func newerConnectionTakesOver() async throws {
        let keys = Self.keys(2, label: "replace")
        let ports = try await Self.freePorts(2)
        let validators = Self.validatorSet(keys, ports: ports)
        let node = Self.makeNode(0, keys: keys, ports: ports, validators: validators)
        let peer = keys[1].publicKey
        try await Self.withRunning([node]) {
            #expect(await Self.eventually { node.network.localPort != nil })
            try await Self.attack(port: ports[0], waitForClose: false) { frames1, outbound1 in
                var first = try await Self.handshake(
                    as: keys[1], with: keys[0].publicKey, validators: validators,
                    &frames1, outbound1)
                node.network.send(Array("one".utf8), to: peer)
                #expect(try await Self.nextPayload(&frames1, &first) == Array("one".utf8))

                try await Self.attack(port: ports[0], waitForClose: false) { frames2, outbound2 in
                    var second = try await Self.handshake(
                        as: keys[1], with: keys[0].publicKey, validators: validators,
                        &frames2, outbound2)
                    #expect(await Self.waitUntilClosed(&frames1), "the older one is closed")
                    node.network.send(Array("two".utf8), to: peer)
                    node.network.send(Array("three".utf8), to: peer)
                    #expect(try await Self.nextPayload(&frames2, &second) == Array("two".utf8))
                    #expect(try await Self.nextPayload(&frames2, &second) == Array("three".utf8))
                    #expect(node.network.connectedPeers == [peer])
                    let frame = second.sealer.seal(Array("reply".utf8))
                    try await outbound2.write(FrameFormat.encode(frame))
                    #expect(await Self.eventually {
                        await node.received.contains("reply", from: peer)
                    })
                }
            }
            #expect(await Self.eventually { node.network.connectedPeers.isEmpty })
            #expect(node.network.counters.connectionsEstablished == 2)
        }
    }
}
