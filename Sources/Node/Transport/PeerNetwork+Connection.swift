internal import Ledger
internal import Logging
internal import NIOConcurrencyHelpers
internal import NIOCore

extension PeerNetwork {
    /// Handshake, then traffic, on one connection until either side closes it.
    /// - Returns: whether the handshake succeeded (the dialer resets its backoff then).
    func runConnection(
        _ connection: PeerChannel, role: Handshake.Role, expectedPeer: PublicKey?
    ) async -> Bool {
        let channel = connection.channel
        let remote = channel.remoteAddress.map { "\($0)" } ?? "unknown address"
        // The timer closes the socket, which ends the pending read below.
        let timeout = channel.eventLoop.scheduleTask(in: .milliseconds(limits.handshakeTimeoutMs)) {
            channel.close(promise: nil)
        }
        var peer: PublicKey?
        do {
            try await connection.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                var handshake = Handshake(
                    configuration: configuration, role: role, expectedPeer: expectedPeer)
                try await outbound.write(FrameFormat.encode(handshake.hello))
                let auth = try handshake.receiveHello(try await Self.nextFrame(&frames))
                try await outbound.write(FrameFormat.encode(auth))
                let session = try handshake.receiveAuth(try await Self.nextFrame(&frames))
                timeout.cancel()
                peer = session.peer
                try await carryTraffic(
                    session, channel: channel, frames: &frames, outbound: outbound)
            }
            timeout.cancel()
            if let peer { logger.info("peer \(peer) at \(remote) disconnected") }
        } catch {
            timeout.cancel()
            recordDrop(remote: remote, peer: peer, error: error)
        }
        return peer != nil
    }

    private static func nextFrame(
        _ frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    ) async throws -> [UInt8] {
        guard let frame = try await frames.next() else { throw HandshakeError.connectionClosed }
        return Array(frame.readableBytesView)
    }

    /// Registers the session, then reads (this task) and writes (a child task) until the
    /// connection ends or a newer connection to the same peer takes over.
    private func carryTraffic(
        _ session: SecureSession, channel: any Channel,
        frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        let peer = session.peer
        let id = register(peer: peer, channel: channel)
        defer { unregister(peer: peer, id: id) }
        // A follower governance withdrew since its handshake: `admitFollowers` withdraws the
        // key before closing registered connections, so checking after registering leaves
        // no gap. Every key still admitted has an outbox.
        guard configuration.admission.admits(peer), let outbox = outboxes[peer] else {
            logger.info("peer \(peer) is no longer admitted: closing")
            return
        }
        logger.info("peer \(peer) connected (connection \(id))")
        var opener = session.opener
        let lastReceived = NIOLockedValueBox(ContinuousClock.now)
        try await withThrowingTaskGroup(of: Void.self) { group in
            let sealer = session.sealer
            group.addTask {
                var sealer = sealer
                while let payload = await outbox.next(owner: id) {
                    do {
                        try await outbound.write(FrameFormat.encode(sealer.seal(payload)))
                    } catch {
                        // Kept for the next connection (it may then arrive twice if this
                        // write got out before failing: payloads must be idempotent).
                        if !outbox.requeue(payload) { self.count(\.outboundDropped) }
                        channel.close(promise: nil)  // no writer: end the reader too
                        throw error
                    }
                }
                // Replaced or cancelled: closing ends the reader below too.
                channel.close(promise: nil)
            }
            group.addTask {
                try await self.keepAlive(
                    peer: peer, id: id, channel: channel, lastReceived: lastReceived)
            }
            defer { group.cancelAll() }
            while let frame = try await frames.next() {
                lastReceived.withLockedValue { $0 = ContinuousClock.now }
                deliver(try opener.open(Array(frame.readableBytesView)), from: peer)
            }
        }
    }

    /// Every keepalive interval: nudges an idle writer to send an empty frame, and closes
    /// the connection if nothing at all has arrived within the idle timeout.
    private func keepAlive(
        peer: PublicKey, id: UInt64, channel: any Channel,
        lastReceived: NIOLockedValueBox<ContinuousClock.Instant>
    ) async throws {
        let interval = Duration.milliseconds(limits.keepaliveIntervalMs)
        let idleTimeout = Duration.milliseconds(limits.idleTimeoutMs)
        while true {
            try await Task.sleep(for: interval)
            outboxes[peer]?.pokeIfIdle(owner: id)
            let silence = ContinuousClock.now - lastReceived.withLockedValue { $0 }
            if silence > idleTimeout {
                count(\.idleTimeouts)
                logger.warning("dropped peer \(peer): nothing received for \(silence)")
                channel.close(promise: nil)
                return
            }
        }
    }

    private func recordDrop(remote: String, peer: PublicKey?, error: any Error) {
        let who = peer.map { "\($0) at \(remote)" } ?? remote
        if error is CancellationError || Task.isCancelled {
            logger.info("closed connection to \(who): transport shutting down")
            return
        }
        switch error {
        case let error as HandshakeError:
            count(\.handshakeFailures)
            logger.warning("dropped peer \(who): handshake failed: \(error)")
        case let error as FrameError:
            if case .frameTooLarge = error {
                count(\.oversizedFrames)
            } else {
                count(\.invalidFrames)
            }
            if peer == nil { count(\.handshakeFailures) }
            logger.warning("dropped peer \(who): \(error)")
        default:
            if peer == nil { count(\.handshakeFailures) }
            logger.warning("dropped peer \(who): \(error)")
        }
    }
}
