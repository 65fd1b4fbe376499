internal import NIOConcurrencyHelpers
internal import Prometheus
public import Consensus
internal import Execution
public import Ledger
internal import Logging
internal import NIOPosix

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
    /// Sync requests are answered in child tasks, at most `SyncReplyBudget` of them at once,
    /// so reading old blocks never holds up consensus messages.
    func dispatch(from transport: any PeerTransport, to driver: ConsensusDriver) async {
        await withDiscardingTaskGroup { group in
            for await inbound in transport.inbound {
                let (peer, payload) = (inbound.from, inbound.payload)
                let message: PeerMessage
                do { message = try PeerMessage(canonicalBytes: payload) } catch {
                    metrics.consensusMessagesDropped.increment()
                    logger.debug("undecodable peer message", metadata: [
                        "peer": "\(peer.hex.prefix(12))", "error": "\(error)",
                    ])
                    continue
                }
                switch message {
                case let .consensus(bytes):
                    route(bytes, from: peer)
                case let .transactions(list):
                    await admitGossip(list)
                case let .status(height):
                    // Only validators' heights say how far the chain is: a follower's claim
                    // could otherwise send this node chasing blocks nobody has.
                    guard validatorSets.withLockedValue({ $0.containsPeer(peer) }) else { continue }
                    dynamic.withLockedValue { $0.peerHeights[peer] = height }
                case let .syncRequest(fromHeight, count):
                    // Admitted before the task exists: excess requests cost no task at all.
                    guard admitReply(to: peer, kind: "sync") else { continue }
                    group.addTask {
                        defer { self.syncReplies.end(peer: peer) }
                        await self.answerSync(
                            fromHeight: fromHeight, count: count, to: peer, over: transport)
                    }
                case let .syncResponse(blocks):
                    acceptSync(blocks, from: peer, driver: driver)
                case .snapshotManifestRequest:
                    guard admitReply(to: peer, kind: "snapshot-manifest") else { continue }
                    group.addTask {
                        defer { self.syncReplies.end(peer: peer) }
                        await self.answerManifestRequest(from: peer, over: transport)
                    }
                case let .snapshotChunkRequest(height, index):
                    guard admitReply(to: peer, kind: "snapshot-chunk") else { continue }
                    defer { syncReplies.end(peer: peer) }
                    answerChunkRequest(height: height, index: index, from: peer, over: transport)
                case .snapshotManifest, .snapshotChunk:
                    // Only a node joining by state sync asks for these (StateSyncClient),
                    // before this dispatcher runs: unasked, they are dropped.
                    metrics.consensusMessagesDropped.increment()
                }
            }
        }
    }

    /// Proposals and votes are verified here, against the set of their own height; a
    /// decision goes to the driver unverified, which checks it in height order (its set is
    /// determined by the blocks before it, which may not be executed yet).
    private func route(_ bytes: [UInt8], from peer: PublicKey) {
        let unverified: UnverifiedMessage
        do { unverified = try UnverifiedMessage(bytes: bytes) } catch {
            noteDropped(error, from: peer)
            return
        }
        if case let .decision(decision) = unverified.message {
            if !inbox.submitSynced(decision) { metrics.consensusMessagesDropped.increment() }
            return
        }
        do {
            let sets = validatorSets.withLockedValue { $0 }
            let verified = try unverified.verify(chainID: genesis.chainID, sets: sets)
            if !inbox.submit(verified) { metrics.consensusMessagesDropped.increment() }
        } catch {
            noteDropped(error, from: peer)
        }
    }

    private func noteDropped(_ error: VerificationError, from peer: PublicKey) {
        metrics.consensusMessagesDropped.increment()
        logger.debug("dropped consensus message", metadata: ["peer": "\(peer.hex.prefix(12))", "reason": "\(error)"])
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
            // Within one block the consensus decision gossip catches up by itself. Peer
            // heights are whatever peers claim (up to UInt64.max): compared, never added to.
            guard let best = state.peerHeights.values.max(),
                  best > height && best - height > 1 || now >= state.syncRequestedAtMs + 4_000
            else { return nil }
            state.syncRequestedAtMs = now
            state.syncRotation += 1
            return ahead[state.syncRotation % ahead.count]
        }
        guard let target, height < UInt64.max else { return }
        metrics.catchingUp.record(Int64(1))
        transport.send(PeerMessage.syncRequest(fromHeight: height + 1, count: PeerMessage.maxSyncBatch).canonicalBytes, to: target)
    }

    /// Answers a peer's sync request with ONE frame of committed blocks from `fromHeight`:
    /// as many of the `count` asked for (at most 64) as fit the transport's frame limit. The
    /// peer asks again for the rest once it has these, so a reply never exceeds a frame and
    /// is never dropped by the transport for its size. Both numbers come from the peer: the
    /// range is clamped to our tip before any arithmetic.
    func answerSync(fromHeight: UInt64, count: UInt32, to peer: PublicKey, over transport: any PeerTransport) async {
        // The plan the simulator's extreme-sync adversary runs too (issue 17, finding 2).
        guard let heights = BlockSyncPlan.heights(
            fromHeight: fromHeight, count: count, tip: blockStore.lastHeight,
            maxBatch: PeerMessage.maxSyncBatch)
        else { return }
        let maxPayloadBytes = transport.maxPayloadBytes
        let blocks = await readCertified(heights, maxBytes: maxPayloadBytes)
        let packed = SyncResponseBuilder.pack(
            blocks, maxPayloadBytes: maxPayloadBytes, maxPayloads: 1)
        noteOversized(packed.oversized, peer: peer)
        for payload in packed.payloads { sendReply(payload, to: peer, over: transport) }
    }

    /// Committed blocks with certificates and their encoded sizes in `heights`, stopping at
    /// the first missing one and once `maxBytes` are read (always at least one block, so a
    /// block larger than the bound is still seen, and refused by the packer).
    func readCertified(
        _ heights: ClosedRange<UInt64>, maxBytes: Int = .max
    ) async -> [(block: CertifiedBlock, bytes: Int)] {
        do {
            return try await store.run { store -> [(block: CertifiedBlock, bytes: Int)] in
                var blocks: [(block: CertifiedBlock, bytes: Int)] = []
                var total = 0
                for height in heights {
                    guard total < maxBytes, let found = try store.certifiedBlock(at: height) else {
                        break
                    }
                    blocks.append(found)
                    total += found.bytes
                }
                return blocks
            }
        } catch {
            // A graceful stop cancels replies in flight: that is no storage problem to report.
            if error is CancellationError || error is NIOThreadPoolError.ThreadPoolInactive || Task.isCancelled {
                return []
            }
            logger.warning("sync: cannot read blocks", metadata: [
                "heights": "\(heights)", "error": "\(error)",
            ])
            return []
        }
    }

    /// Hands synced blocks to the driver in height order, which verifies each certificate
    /// against the set of its height once the blocks before it are executed (the set is
    /// derived from them); a block that does not link to the one before ends the batch.
    func acceptSync(_ blocks: [CertifiedBlock], from peer: PublicKey, driver: ConsensusDriver) {
        var accepted = 0
        var previous: Block?
        for certified in blocks where certified.block.height > blockStore.lastHeight {
            let block = certified.block
            if let previous {
                guard block.height == previous.height + 1, block.header.previousHash == previous.hash
                else {
                    logger.warning("sync: unlinked block", metadata: [
                        "peer": "\(peer.hex.prefix(12))", "height": "\(block.height)",
                    ])
                    break
                }
            }
            previous = block
            let decision = Decision(block: block, certificate: certified.certificate)
            if !inbox.submitSynced(decision) { metrics.consensusMessagesDropped.increment() }
            accepted += 1
        }
        if accepted > 0 {
            // Ask again at once for the next batch if the peer is still ahead.
            dynamic.withLockedValue { $0.syncRequestedAtMs = 0 }
        } else {
            metrics.catchingUp.record(Int64(0))
        }
    }
}

// MARK: - Catch-up reply budget

extension NodeRuntime {
    /// Sends committed blocks to a validator that consensus saw lagging (at most one sync
    /// batch, within the recipient's reply budget; the rest follows through block sync).
    /// Consensus asks for this on every old-height message, which anyone can replay, so
    /// the budget, not the asker, decides how much is sent.
    func sendDecisions(to peer: PublicKey, heights: ClosedRange<UInt64>) async {
        guard let transport, peer != keys.network,
            validatorSets.withLockedValue({ $0.containsPeer(peer) })
        else { return }
        guard admitReply(to: peer, kind: "decisions") else { return }
        defer { syncReplies.end(peer: peer) }
        let lower = heights.lowerBound
        let span = min(heights.upperBound - lower, UInt64(PeerMessage.maxSyncBatch) - 1)
        let maxPayloadBytes = transport.maxPayloadBytes
        let blocks = await readCertified(lower...(lower + span), maxBytes: maxPayloadBytes)
        for (certified, _) in blocks {
            let decision = ConsensusMessage.decision(
                Decision(block: certified.block, certificate: certified.certificate))
            let payload = PeerMessage.consensus(decision.canonicalBytes).canonicalBytes
            guard payload.count <= maxPayloadBytes else {
                let height = certified.block.height
                noteOversized(.init(height: height, bytes: payload.count), peer: peer)
                return
            }
            guard sendReply(payload, to: peer, over: transport) else { return }
        }
    }

    /// Starts a reply to `peer` if its budget and the node's in-flight bound allow; counts
    /// and logs (at debug: a flood must not flood the log too) what is refused.
    func admitReply(to peer: PublicKey, kind: String) -> Bool {
        guard let refusal = syncReplies.begin(peer: peer, nowMs: Clock.nowMs()) else { return true }
        metrics.syncRepliesDropped.increment()
        logger.debug("catch-up reply dropped", metadata: [
            "peer": "\(peer.hex.prefix(12))", "kind": "\(kind)", "reason": "\(refusal.rawValue)",
        ])
        return false
    }

    /// Sends one reply frame if the recipient's byte budget has room for it.
    @discardableResult
    func sendReply(
        _ payload: [UInt8], to peer: PublicKey, over transport: any PeerTransport
    ) -> Bool {
        guard syncReplies.spend(payload.count, peer: peer, nowMs: Clock.nowMs()) else {
            metrics.syncRepliesDropped.increment()
            return false
        }
        transport.send(payload, to: peer)
        metrics.syncBytesSent.increment(by: Int64(payload.count))
        return true
    }

    /// A block too large for one frame cannot be sent by any means this transport has: say
    /// so loudly, once per refusal, rather than let the peer's retries fail in silence.
    func noteOversized(_ oversized: SyncResponseBuilder.Oversized?, peer: PublicKey) {
        guard let oversized else { return }
        metrics.syncBlocksOversized.increment()
        logger.error("sync: block larger than the peer frame limit is not sent", metadata: [
            "peer": "\(peer.hex.prefix(12))", "height": "\(oversized.height)",
            "bytes": "\(oversized.bytes)", "hint": "raise p2p.max_frame_bytes on every node",
        ])
    }
}
