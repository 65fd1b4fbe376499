internal import Foundation
internal import NIOConcurrencyHelpers
public import Ledger
public import Logging

/// Joins the chain from a peer's snapshot instead of replaying every block (docs/node.md,
/// "State sync"): asks connected peers for their snapshot manifests, verifies each against
/// the validator set (two certificates, and the chunk table against the certified state
/// root), takes the highest, then fetches its chunks one at a time, rotating among the peers
/// that offered that same manifest. A chunk is checked alone against its subtree root
/// before it is written; a peer that sends a bad one is dropped from the rotation and the
/// chunk asked of another. The store is written through `SnapshotRestorer` (a scratch
/// directory renamed when whole), and the node then starts as usual and follows blocks
/// from h+1 by block sync.
///
/// Runs before the node's runtime, over its own transport: every message it keeps is
/// bounded (a mailbox of `maxPending` answers; anything that is not an answer is dropped).
public struct StateSyncClient: Sendable {
    public struct Limits: Sendable {
        /// How long to wait for one chunk from one peer before asking another.
        public var chunkTimeoutMs: UInt64 = 10_000
        /// How long to collect manifests after the first valid one arrives.
        public var manifestWindowMs: UInt64 = 1_500
        /// How often to ask for manifests while none has come.
        public var manifestRetryMs: UInt64 = 1_000
        /// Give up after this long without a usable manifest or with no peer left.
        public var giveUpMs: UInt64 = 300_000
        /// Answers held while the client is busy; the oldest is dropped beyond this.
        public var maxPending = 64
        public init() {}
    }

    let transport: any PeerTransport
    let genesis: Genesis
    let databasePath: String
    let logger: Logger
    let limits: Limits
    /// The validator set that certifies a height: genesis's today (issue 15, item 1 brings
    /// per-height sets; this is the one place state sync asks).
    let validators: @Sendable (UInt64) -> ValidatorSet?

    public init(
        transport: any PeerTransport, genesis: Genesis, databasePath: String, logger: Logger,
        limits: Limits = Limits()
    ) {
        self.transport = transport
        self.genesis = genesis
        self.databasePath = databasePath
        self.logger = logger
        self.limits = limits
        let set = genesis.validatorSet
        validators = { _ in set }
    }

    /// Runs the transport and the sync; returns the restored snapshot's manifest once the
    /// store is in place at `databasePath`.
    public func run() async throws -> SnapshotManifest {
        let mailbox = Mailbox(limit: limits.maxPending)
        return try await withThrowingTaskGroup(of: SnapshotManifest?.self) { group in
            group.addTask {
                try await transport.run()
                return nil
            }
            group.addTask {
                for await message in transport.inbound { mailbox.offer(message) }
                return nil
            }
            group.addTask { try await self.sync(mailbox) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let manifest = result { return manifest }
            }
            throw StateSyncError("the transport stopped before state sync finished")
        }
    }

    private func sync(_ mailbox: Mailbox) async throws -> SnapshotManifest {
        let deadline = Clock.nowMs() + limits.giveUpMs
        var excluded = Set<PublicKey>()
        while Clock.nowMs() < deadline {
            try Task.checkCancellation()
            guard let (manifest, peers) = try await collectManifest(mailbox, excluded: excluded, deadline: deadline)
            else { break }
            logger.info("state sync: fetching a snapshot", metadata: [
                "height": "\(manifest.height)", "chunks": "\(manifest.chunks.count)",
                "state_root": "\(manifest.stateRoot.hex)", "peers": "\(peers.count)",
            ])
            let restorer = try SnapshotRestorer(
                manifest: manifest, genesis: genesis, databasePath: databasePath, validators: validators)
            do {
                if try await fetchChunks(restorer, peers: peers, mailbox: mailbox, excluded: &excluded) {
                    try restorer.finish()
                    return manifest
                }
                restorer.abandon()
            } catch {
                restorer.abandon()
                throw error
            }
            logger.warning("state sync: every peer offering that snapshot failed; asking again")
        }
        throw StateSyncError("no usable snapshot from any peer within \(limits.giveUpMs / 1_000) s")
    }

    /// Asks every connected peer for its manifest and returns the highest valid one with
    /// the peers that offered exactly it; nil at the deadline.
    private func collectManifest(
        _ mailbox: Mailbox, excluded: Set<PublicKey>, deadline: UInt64
    ) async throws -> (SnapshotManifest, [PublicKey])? {
        // One offer per peer (its latest): a peer can cut one certified state into many
        // valid tables, so offers are bounded by the peers, not by what they send.
        var offers: [PublicKey: (id: Hash256, manifest: SnapshotManifest)] = [:]
        var firstValidMs: UInt64?
        var askedMs: UInt64 = 0
        while Clock.nowMs() < deadline {
            let now = Clock.nowMs()
            if let first = firstValidMs, now >= first + limits.manifestWindowMs { break }
            if now >= askedMs + limits.manifestRetryMs {
                transport.broadcast(PeerMessage.snapshotManifestRequest.canonicalBytes)
                askedMs = now
            }
            for message in mailbox.take() where !excluded.contains(message.from) {
                guard case let .snapshotManifest(bytes) = message.decoded, !bytes.isEmpty else { continue }
                let manifest: SnapshotManifest
                do {
                    manifest = try SnapshotManifest(
                        canonicalBytes: bytes, lengthLimit: SnapshotLimits.maxManifestBytes)
                    _ = try manifest.verify(
                        chainID: genesis.chainID, genesisHash: genesis.hash, validators: validators)
                } catch {
                    logger.warning("state sync: refused a manifest", metadata: [
                        "peer": "\(message.from.hex.prefix(12))", "reason": "\(error)",
                    ])
                    continue
                }
                offers[message.from] = (ChainHash.hash(bytes), manifest)
                if firstValidMs == nil { firstValidMs = Clock.nowMs() }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        var byManifest: [Hash256: (manifest: SnapshotManifest, peers: [PublicKey])] = [:]
        for (peer, offer) in offers { byManifest[offer.id, default: (offer.manifest, [])].peers.append(peer) }
        let ranked = byManifest.values.sorted {
            ($0.manifest.height, $0.peers.count) > ($1.manifest.height, $1.peers.count)
        }
        guard let best = ranked.first else { return nil }
        return (best.manifest, best.peers.sorted())
    }

    /// Fetches every chunk into `restorer`; false when no offering peer is left.
    private func fetchChunks(
        _ restorer: SnapshotRestorer, peers: [PublicKey], mailbox: Mailbox, excluded: inout Set<PublicKey>
    ) async throws -> Bool {
        let height = restorer.manifest.height
        var rotation = 0
        while !restorer.isComplete {
            let live = peers.filter { !excluded.contains($0) }
            guard !live.isEmpty else { return false }
            let peer = live[rotation % live.count]
            rotation &+= 1
            let index = restorer.nextIndex
            mailbox.expect(peer: peer, height: height, index: UInt32(index))
            transport.send(
                PeerMessage.snapshotChunkRequest(height: height, index: UInt32(index)).canonicalBytes, to: peer)
            guard let bytes = try await awaitChunk(mailbox, from: peer, height: height, index: index) else {
                logger.info("state sync: no chunk in time; asking another peer", metadata: [
                    "peer": "\(peer.hex.prefix(12))", "chunk": "\(index)",
                ])
                continue
            }
            do { try restorer.add(bytes) } catch let error as SnapshotError {
                excluded.insert(peer)
                logger.warning("state sync: bad chunk; peer dropped", metadata: [
                    "peer": "\(peer.hex.prefix(12))", "chunk": "\(index)", "reason": "\(error)",
                ])
                continue
            }
            if index % 100 == 0 || restorer.isComplete {
                logger.info("state sync: chunks", metadata: [
                    "done": "\(restorer.nextIndex)", "of": "\(restorer.manifest.chunks.count)",
                ])
            }
        }
        return true
    }

    private func awaitChunk(
        _ mailbox: Mailbox, from peer: PublicKey, height: UInt64, index: Int
    ) async throws -> [UInt8]? {
        let deadline = Clock.nowMs() + limits.chunkTimeoutMs
        while Clock.nowMs() < deadline {
            for message in mailbox.take() where message.from == peer {
                if case let .snapshotChunk(h, i, bytes) = message.decoded, h == height, Int(i) == index {
                    return bytes
                }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Answers from peers, decoded: at most `limit` messages and `maxBytes` bytes held (the
    /// oldest dropped first). Everything else a peer sends (consensus traffic, status) is
    /// dropped on arrival, and so is a chunk nobody asked for.
    final class Mailbox: Sendable {
        struct Message: Sendable {
            let from: PublicKey
            let decoded: PeerMessage
            let bytes: Int
        }

        struct State {
            var queue: [Message] = []
            var bytes = 0
            /// The chunk being waited for: the only one let in.
            var expected: (peer: PublicKey, height: UInt64, index: UInt32)?
        }

        let limit: Int
        static let maxBytes = 2 * SnapshotLimits.maxChunkBytes + (16 << 20)
        private let state = NIOLockedValueBox(State())

        init(limit: Int) { self.limit = max(limit, 1) }

        func expect(peer: PublicKey, height: UInt64, index: UInt32) {
            state.withLockedValue { $0.expected = (peer, height, index) }
        }

        func offer(_ inbound: PeerNetwork.InboundMessage) {
            guard let message = try? PeerMessage(canonicalBytes: inbound.payload) else { return }
            let size = inbound.payload.count
            state.withLockedValue { state in
                switch message {
                case .snapshotManifest:
                    break
                case let .snapshotChunk(height, index, _):
                    guard let expected = state.expected, expected.peer == inbound.from,
                          expected.height == height, expected.index == index
                    else { return }
                default:
                    return
                }
                while !state.queue.isEmpty, state.queue.count >= limit || state.bytes + size > Self.maxBytes {
                    state.bytes -= state.queue.removeFirst().bytes
                }
                guard size <= Self.maxBytes else { return }
                state.queue.append(Message(from: inbound.from, decoded: message, bytes: size))
                state.bytes += size
            }
        }

        func take() -> [Message] {
            state.withLockedValue { state in
                defer {
                    state.queue.removeAll(keepingCapacity: true)
                    state.bytes = 0
                }
                return state.queue
            }
        }
    }
}

public struct StateSyncError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
