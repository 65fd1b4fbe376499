internal import Ledger
internal import Logging
internal import NIOConcurrencyHelpers
internal import NIOCore
internal import NIOPosix

typealias PeerChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

extension PeerNetwork {
    /// Listens for peers and keeps a connection to every validator this node dials, until
    /// the calling task is cancelled. Call once per instance: `inbound` finishes on return.
    /// - Throws: if the listener cannot bind.
    public func run() async throws {
        defer { inboundContinuation.finish() }
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: listenHost, port: listenPort) { channel in
                self.makePeerChannel(channel, accepted: true)
            }
        let port = server.channel.localAddress?.port
        state.withLockedValue { $0.boundPort = port }
        logger.info("peer transport listening on \(listenHost):\(port.map(String.init) ?? "?")")

        try await withThrowingDiscardingTaskGroup { group in
            for validator in dialTargets {
                group.addTask { await self.dialLoop(validator) }
            }
            // Validators governance adds later (see `admit`).
            group.addTask {
                await withDiscardingTaskGroup { dials in
                    for await validator in self.newDialTargets {
                        dials.addTask { await self.dialLoop(validator) }
                    }
                }
            }
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    guard admitInbound() else {
                        let remote = connection.channel.remoteAddress.map { "\($0)" } ?? "?"
                        let open = limits.maxInboundConnections
                        logger.warning("refused connection from \(remote): \(open) open")
                        // executeThenClose, not channel.close: NIO requires the async
                        // wrapper's writer to be finished before it is released.
                        try? await connection.executeThenClose { _, _ in }
                        continue
                    }
                    group.addTask {
                        defer { self.releaseInbound() }
                        _ = await self.runConnection(connection, role: .listener, expectedPeer: nil)
                    }
                }
            }
        }
    }

    /// The genesis validators this node dials (`shouldDial`; see the type's documentation
    /// for why only one side of each pair of validators dials).
    var dialTargets: [Validator] {
        configuration.validators.validators.filter { $0.networkKey != publicKey && shouldDial($0.networkKey) }
    }

    /// Frame decoder plus async wrapper; runs on the channel's event loop.
    ///
    /// - Parameter accepted: a connection the listener accepted. NIO hands those to the
    ///   accept loop through a buffer that it drops when the loop's task is cancelled (a
    ///   stop): an accepted channel then never reaches `executeThenClose`, and with the
    ///   scoped wrapper its unfinished writer traps the process ("Deinited NIOAsyncWriter
    ///   without calling finish()", swift-nio issues 2637 and 2813; seen here when a peer
    ///   connected while a transport stopped). So accepted channels use the wrapper that
    ///   closes itself when released, deprecated for hiding leaks, which is the behaviour a
    ///   dropped connection needs. Every channel that reaches the loop is still closed by
    ///   `executeThenClose`. Dialled channels come straight back to their caller.
    func makePeerChannel(_ channel: any Channel, accepted: Bool = false) -> EventLoopFuture<PeerChannel> {
        let limits = limits
        return channel.eventLoop.makeCompletedFuture {
            let decoder = FrameDecoder(
                maxFrameBytes: limits.maxFrameBytes,
                maxHandshakeFrameBytes: limits.maxHandshakeFrameBytes)
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
            let configuration = PeerChannel.Configuration(
                backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8))
            if accepted {
                return try PeerChannel(synchronouslyWrapping: channel, configuration: configuration)
            }
            return try PeerChannel(wrappingChannelSynchronously: channel, configuration: configuration)
        }
    }

    /// Dials `validator` at its genesis address, again and again with exponential backoff
    /// and jitter (system randomness: this is not consensus), until cancelled.
    func dialLoop(_ validator: Validator) async {
        guard let (host, port) = Self.parseAddress(validator.address) else {
            logger.error("not dialing \(validator.name): bad address \(validator.address)")
            return
        }
        var failures = 0
        var random = SystemRandomNumberGenerator()
        // Re-checked each round: a node governance makes a validator stops dialing the
        // validators below it, which now dial it (two dialers would replace each other's
        // connection forever). A loop whose key governance rotated away at this address
        // ends: the loop for the new key dials it now.
        while !Task.isCancelled, shouldDial(validator.networkKey), isDialTarget(validator) {
            do {
                let channel = try await ClientBootstrap(group: eventLoopGroup)
                    .connectTimeout(.milliseconds(limits.connectTimeoutMs))
                    .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                    .connect(host: host, port: port) { channel in self.makePeerChannel(channel) }
                let established = await runConnection(
                    channel, role: .dialer, expectedPeer: validator.networkKey)
                failures = established ? 0 : failures + 1
            } catch {
                failures += 1
                logger.debug("dial \(validator.name) at \(validator.address) failed: \(error)")
            }
            let delay = limits.reconnectDelayMs(failures: failures, using: &random)
            do { try await Task.sleep(for: .milliseconds(delay)) } catch { return }
        }
    }

    /// "host:port" (the last colon splits, so bracket-free IPv6 hosts also work).
    static func parseAddress(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        let host = String(address[..<colon])
        guard !host.isEmpty, let port = Int(address[address.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        return (host, port)
    }
}
