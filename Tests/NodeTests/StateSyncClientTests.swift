import Consensus
import Execution
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
@testable import Ledger
@testable import Node

// Setup: the state-sync client over an in-process transport double with two peers serving
// the same snapshot of a real executed, certified chain (CertifiedChain). One peer corrupts
// every chunk it sends; the other is honest. Nothing here runs TCP or a node process.

/// Two peers answering snapshot requests from `made`; `liar` flips a byte in every chunk.
final class SnapshotPeers: PeerTransport, @unchecked Sendable {
    let inbound: AsyncStream<PeerNetwork.InboundMessage>
    let feed: AsyncStream<PeerNetwork.InboundMessage>.Continuation
    let made: StateSnapshots.Made
    let liar: PublicKey
    let honest: PublicKey
    private let requests = NIOLockedValueBox<[PublicKey: Int]>([:])

    init(made: StateSnapshots.Made, liar: PublicKey, honest: PublicKey) {
        self.made = made
        self.liar = liar
        self.honest = honest
        (inbound, feed) = AsyncStream.makeStream(of: PeerNetwork.InboundMessage.self)
    }

    func chunkRequests(_ peer: PublicKey) -> Int { requests.withLockedValue { $0[peer] ?? 0 } }

    func send(_ payload: [UInt8], to peer: PublicKey) -> Bool {
        guard case let .snapshotChunkRequest(height, index)? = try? PeerMessage(canonicalBytes: payload),
              height == made.manifest.height, Int(index) < made.chunks.count
        else { return true }
        requests.withLockedValue { $0[peer, default: 0] += 1 }
        var bytes = made.chunks[Int(index)]
        if peer == liar { bytes[bytes.count / 2] ^= 0x01 }
        feed.yield(.init(
            from: peer,
            payload: PeerMessage.snapshotChunk(height: height, index: index, bytes: bytes).canonicalBytes))
        return true
    }

    func broadcast(_ payload: [UInt8]) -> Bool {
        guard case .snapshotManifestRequest? = try? PeerMessage(canonicalBytes: payload) else { return true }
        let answer = PeerMessage.snapshotManifest(made.manifest.canonicalBytes).canonicalBytes
        // Noise first: consensus traffic and an unasked chunk are dropped by the client.
        feed.yield(.init(from: honest, payload: PeerMessage.status(height: 99).canonicalBytes))
        feed.yield(.init(
            from: liar,
            payload: PeerMessage.snapshotChunk(height: made.manifest.height, index: 0, bytes: [1, 2, 3]).canonicalBytes))
        for peer in [liar, honest] { feed.yield(.init(from: peer, payload: answer)) }
        return true
    }

    var connectedPeers: [PublicKey] { [liar, honest].sorted() }

    func run() async throws {
        while true { try await Task.sleep(for: .seconds(60)) }
    }
}

@Suite("State sync client")
struct StateSyncClientTests {
    @Test("a peer sending a bad chunk is dropped and the chunk fetched from another; the store matches")
    func badChunkPeerIsDropped() async throws {
        let directory = temporaryDirectory("state-sync-client")
        let chain = try CertifiedChain(path: directory + "/source")
        try chain.extend(blocks: 8, bills: 10)
        let made = try StateSnapshots.make(from: chain.store, targetChunkBytes: 2_048)
        #expect(made.chunks.count > 3)
        let liar = SigningKey.deterministic(label: "liar").publicKey
        let honest = SigningKey.deterministic(label: "honest").publicKey
        let peers = SnapshotPeers(made: made, liar: liar, honest: honest)
        let database = directory + "/synced"
        var limits = StateSyncClient.Limits()
        limits.manifestWindowMs = 100
        limits.giveUpMs = 60_000
        let client = StateSyncClient(
            transport: peers, genesis: chain.genesis, databasePath: database,
            logger: Logger(label: "state-sync-test"), limits: limits)
        let manifest = try await withTimeout(seconds: 60) { try await client.run() }
        #expect(manifest.height == made.manifest.height)
        // The liar was asked once (its chunk failed the check) and never again.
        #expect(peers.chunkRequests(liar) == 1)
        #expect(peers.chunkRequests(honest) == made.chunks.count)
        let synced = try BlockStore(path: database)
        defer { synced.database.close() }
        #expect(synced.lastHeight == made.manifest.height)
        #expect(try synced.stateEntries(asOf: synced.lastHeight) == chain.store.stateEntries(asOf: synced.lastHeight))
        #expect(!FileManager.default.fileExists(atPath: database + ".restoring"))
    }
}
