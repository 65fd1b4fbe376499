internal import Execution
public import Ledger
internal import Logging

/// Serving state sync: peers that join from a snapshot ask for the manifest, then for each
/// chunk (StateSyncClient). Replies go through the same per-peer budget as block sync.
extension NodeRuntime {
    /// Sends the served manifest, building a snapshot first when none is served or the chain
    /// has moved far past it (`SnapshotServer.Limits`); "none yet" is an empty manifest.
    func answerManifestRequest(from peer: PublicKey, over transport: any PeerTransport) async {
        let tip = blockStore.lastHeight
        if snapshots.claimBuild(tip: tip, nowMs: Clock.nowMs()) {
            do {
                let made = try await store.run { try StateSnapshots.make(from: $0) }
                snapshots.built(made, nowMs: Clock.nowMs())
                logger.info("state sync: serving a snapshot", metadata: [
                    "height": "\(made.manifest.height)", "chunks": "\(made.chunks.count)",
                ])
            } catch {
                snapshots.buildFailed(nowMs: Clock.nowMs())
                logger.warning("state sync: cannot make a snapshot", metadata: ["error": "\(error)"])
            }
        }
        let payload = PeerMessage.snapshotManifest(snapshots.manifestBytes ?? []).canonicalBytes
        guard payload.count <= transport.maxPayloadBytes else {
            logger.error("state sync: the manifest is larger than a peer frame", metadata: [
                "bytes": "\(payload.count)", "hint": "raise p2p.max_frame_bytes on every node",
            ])
            return
        }
        sendReply(payload, to: peer, over: transport)
    }

    /// Sends one chunk of the served snapshot; a chunk of another (or no) snapshot is not
    /// answered, and the asker turns to another peer.
    func answerChunkRequest(
        height: UInt64, index: UInt32, from peer: PublicKey, over transport: any PeerTransport
    ) {
        guard let bytes = snapshots.chunk(height: height, index: index) else { return }
        sendReply(
            PeerMessage.snapshotChunk(height: height, index: index, bytes: bytes).canonicalBytes,
            to: peer, over: transport)
    }
}
