internal import NIOConcurrencyHelpers
internal import CoreMetrics
public import Consensus
public import Ledger
internal import Logging

extension NodeRuntime {
    static let statusIntervalMs: UInt64 = 500
    static let gossipIntervalMs: UInt64 = 5
    static let syncRetryMs: UInt64 = 2_000
    static let heartbeatIntervalMs: UInt64 = 10_000

    /// Runs the node until the task is cancelled: transport, consensus driver, the peer
    /// message dispatcher (with block sync), transaction gossip and status announcements.
    public func run() async throws {
        let driver = ConsensusDriver(runtime: self)
        let replica = try makeReplica()
        logger.info("node starting", metadata: [
            "chain": "\(genesis.chainID)", "height": "\(blockStore.lastHeight)",
            "validator": "\(validatorIndex.map(String.init) ?? "no")",
        ])
        // However run ends (graceful shutdown cancels it), event streams end with it, so the
        // HTTP server's own graceful shutdown never waits on a subscriber.
        defer { events.finishAll() }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.every(Self.heartbeatIntervalMs) { self.events.heartbeat() } }
            if let transport {
                group.addTask { try await transport.run() }
                group.addTask { await self.dispatch(from: transport, to: driver) }
                group.addTask { try await self.every(Self.gossipIntervalMs) { self.flushGossip(transport) } }
                group.addTask {
                    try await self.every(Self.statusIntervalMs) {
                        transport.broadcast(PeerMessage.status(height: self.blockStore.lastHeight).canonicalBytes)
                        self.requestSyncIfBehind(transport)
                        self.metrics.peers.record(Int64(transport.connectedPeers.count))
                    }
                }
            }
            group.addTask {
                defer { self.inbox.close() }
                try await driver.run(replica: replica)
            }
        }
    }

    private func every(_ intervalMs: UInt64, _ body: @Sendable () -> Void) async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(Int64(intervalMs)))
            body()
        }
    }

    // MARK: - Peer messages

    /// Decodes and routes everything peers send. Consensus messages are verified here, at
    /// the edge, before the driver sees them; anything malformed is dropped and counted.
    func dispatch(from transport: any PeerTransport, to driver: ConsensusDriver) async {
        for await inbound in transport.inbound {
            let (peer, payload) = (inbound.from, inbound.payload)
            let message: PeerMessage
            do { message = try PeerMessage(canonicalBytes: payload) } catch {
                metrics.consensusMessagesDropped.increment()
                logger.debug("undecodable peer message", metadata: ["peer": "\(peer.hex.prefix(12))", "error": "\(error)"])
                continue
            }
            switch message {
            case let .consensus(bytes):
                if let verified = verify(bytes, from: peer), !inbox.submit(verified) {
                    metrics.consensusMessagesDropped.increment()
                }
            case let .transactions(list):
                await admitGossip(list)
            case let .status(height):
                dynamic.withLockedValue { $0.peerHeights[peer] = height }
            case let .syncRequest(fromHeight, count):
                await answerSync(fromHeight: fromHeight, count: count, to: peer, over: transport)
            case let .syncResponse(blocks):
                acceptSync(blocks, from: peer, driver: driver)
            }
        }
    }

    private func verify(_ bytes: [UInt8], from peer: PublicKey) -> VerifiedMessage? {
        do {
            return try UnverifiedMessage(bytes: bytes).verify(chainID: genesis.chainID, validators: validators)
        } catch {
            metrics.consensusMessagesDropped.increment()
            logger.debug("dropped consensus message", metadata: ["peer": "\(peer.hex.prefix(12))", "reason": "\(error)"])
            return nil
        }
    }

    // MARK: - Block sync

    /// Asks a peer that is ahead for the next blocks; rotates among the peers that are
    /// ahead, so one slow or lying peer cannot stall the catch-up.
    func requestSyncIfBehind(_ transport: any PeerTransport) {
        let height = blockStore.lastHeight
        let now = Clock.nowMs()
        let target = dynamic.withLockedValue { state -> PublicKey? in
            let ahead = state.peerHeights.filter { $0.value > height }.keys.sorted()
            guard !ahead.isEmpty, now >= state.syncRequestedAtMs + Self.syncRetryMs || state.syncRequestedAtMs == 0 else {
                return nil
            }
            // Within one block the consensus decision gossip catches up by itself.
            guard let best = state.peerHeights.values.max(), best > height + 1 || now >= state.syncRequestedAtMs + 4_000 else {
                return nil
            }
            state.syncRequestedAtMs = now
            state.syncRotation += 1
            return ahead[state.syncRotation % ahead.count]
        }
        guard let target else { return }
        metrics.catchingUp.record(1)
        transport.send(PeerMessage.syncRequest(fromHeight: height + 1, count: PeerMessage.maxSyncBatch).canonicalBytes, to: target)
    }

    func answerSync(fromHeight: UInt64, count: UInt32, to peer: PublicKey, over transport: any PeerTransport) async {
        guard count > 0, fromHeight > 0 else { return }
        let upper = fromHeight + UInt64(min(count, PeerMessage.maxSyncBatch)) - 1
        let blocks = await readCertified(fromHeight...upper)
        guard !blocks.isEmpty else { return }
        transport.send(PeerMessage.syncResponse(blocks).canonicalBytes, to: peer)
    }

    /// Committed blocks with certificates in `heights`, stopping at the first missing one.
    func readCertified(_ heights: ClosedRange<UInt64>) async -> [CertifiedBlock] {
        (try? await store.run { store -> [CertifiedBlock] in
            var blocks: [CertifiedBlock] = []
            for height in heights {
                guard let block = try store.block(at: height), let certificate = try store.certificate(at: height) else { break }
                blocks.append(CertifiedBlock(block: block, certificate: certificate))
            }
            return blocks
        }) ?? []
    }

    /// Verifies every synced certificate against the validator set before the driver sees
    /// the block; a bad one ends the batch (the rest cannot be linked without it).
    func acceptSync(_ blocks: [CertifiedBlock], from peer: PublicKey, driver: ConsensusDriver) {
        var accepted = 0
        for certified in blocks where certified.block.height > blockStore.lastHeight {
            let decision = ConsensusMessage.decision(Decision(block: certified.block, certificate: certified.certificate))
            do {
                let verified = try UnverifiedMessage(decision).verify(chainID: genesis.chainID, validators: validators)
                if !inbox.submitSynced(verified) { metrics.consensusMessagesDropped.increment() }
                accepted += 1
            } catch {
                logger.warning("sync: rejected block", metadata: [
                    "peer": "\(peer.hex.prefix(12))", "height": "\(certified.block.height)", "reason": "\(error)",
                ])
                break
            }
        }
        if accepted > 0 {
            // Ask again at once for the next batch if the peer is still ahead.
            dynamic.withLockedValue { $0.syncRequestedAtMs = 0 }
        } else {
            metrics.catchingUp.record(0)
        }
    }
}

extension NodeRuntime {
    /// Sends committed blocks to a validator that consensus saw lagging (at most one sync
    /// batch; the rest follows through block sync).
    func sendDecisions(to index: Int, heights: ClosedRange<UInt64>) async {
        guard let transport, index < validators.count else { return }
        let upper = min(heights.upperBound, heights.lowerBound + UInt64(PeerMessage.maxSyncBatch) - 1)
        let peer = validators[index].publicKey
        let blocks = await readCertified(heights.lowerBound...upper)
        for certified in blocks {
            let decision = ConsensusMessage.decision(Decision(block: certified.block, certificate: certified.certificate))
            transport.send(PeerMessage.consensus(decision.canonicalBytes).canonicalBytes, to: peer)
        }
    }
}
