import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import Testing

@testable import Consensus
import Execution
@testable import Ledger
@testable import Node

// Setup: a real NodeRuntime (RocksDB store, metrics, sync code) over a recording transport
// that stands in for the TCP network: what a hostile peer "sends" is pushed into its inbound
// stream, what the node answers is recorded with its size. Blocks are written straight to
// the store (their contents are never executed: block sync only reads them).

/// A PeerTransport double: inbound is fed by the test, outbound is recorded, and payloads
/// over `maxPayloadBytes` are refused as PeerNetwork refuses them.
final class RecordingTransport: PeerTransport {
    let inbound: AsyncStream<PeerNetwork.InboundMessage>
    let feed: AsyncStream<PeerNetwork.InboundMessage>.Continuation
    let maxPayloadBytes: Int
    private let sent = NIOLockedValueBox<[(peer: PublicKey, payload: [UInt8])]>([])

    init(maxPayloadBytes: Int = TransportLimits().maxPayloadBytes) {
        self.maxPayloadBytes = maxPayloadBytes
        (inbound, feed) = AsyncStream.makeStream(of: PeerNetwork.InboundMessage.self)
    }

    func send(_ payload: [UInt8], to peer: PublicKey) -> Bool {
        sent.withLockedValue { $0.append((peer, payload)) }
        return payload.count <= maxPayloadBytes
    }

    func broadcast(_ payload: [UInt8]) -> Bool { true }
    var connectedPeers: [PublicKey] { [] }
    func run() async throws {}

    var payloads: [(peer: PublicKey, payload: [UInt8])] { sent.withLockedValue { $0 } }

    /// The heights of every block in recorded sync responses and decisions, in send order.
    var sentHeights: [UInt64] {
        payloads.flatMap { entry -> [UInt64] in
            switch try? PeerMessage(canonicalBytes: entry.payload, lengthLimit: 64 << 20) {
            case .syncResponse(let blocks): return blocks.map(\.block.height)
            case .consensus(let bytes):
                guard
                    case .decision(let decision)? = try? ConsensusMessage(
                        canonicalBytes: bytes, lengthLimit: 64 << 20)
                else { return [] }
                return [decision.block.height]
            default: return []
            }
        }
    }
}

/// A node with `blocks` committed blocks, each carrying `txsPerBlock` transactions of
/// about `txBytes` bytes, and a second validator (`peer`) to send decisions to.
struct SyncFixture {
    let runtime: NodeRuntime
    let peer: SigningKey
    let pool: NIOThreadPool
    let path: String

    init(
        blocks: Int, txsPerBlock: Int = 1, txBytes: Int = 100, transport: (any PeerTransport)? = nil
    ) throws {
        path = temporaryDirectory("sync")
        let key = SigningKey.deterministic(label: "sync-node")
        peer = SigningKey.deterministic(label: "sync-peer")
        var genesis = Solo.genesis(chainID: "sync", consensus: key)
        genesis.validators.append(
            Validator(name: "node1", publicKey: peer.publicKey, address: "127.0.0.1:26601", networkKey: SigningKey.deterministic(label: "network:" + (peer.publicKey).hex).publicKey))
        pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        runtime = try NodeRuntime(
            genesis: genesis, keys: try Solo.keys(consensus: key), databasePath: path + "/db", mempoolLimits: .init(),
            transport: transport, threadPool: pool, logger: Logger(label: "sync-test"))
        var previous = Hash256.zero
        for height in 1...UInt64(blocks) {
            let committed = Self.block(
                height: height, previous: previous, txs: txsPerBlock, txBytes: txBytes)
            try runtime.blockStore.commit(committed)
            previous = committed.block.hash
        }
    }

    static func block(height: UInt64, previous: Hash256, txs: Int, txBytes: Int) -> CommittedBlock {
        let signer = SigningKey.deterministic(label: "sync-filler")
        let transactions = (0..<txs).map { index in
            Transaction.signed(
                chainID: "sync", signer: signer,
                uniqueID: StorageKey.height(height) + StorageKey.height(UInt64(index)),
                validUntilHeight: height + 10, contract: "filler", method: "fill",
                arguments: [UInt8](repeating: UInt8(index & 0xFF), count: txBytes))
        }
        let header = BlockHeader(
            chainID: "sync", height: height, round: 0, previousHash: previous,
            txRoot: Block.transactionRoot(transactions), receiptsRoot: .zero, stateRoot: .zero,
            proposer: signer.publicKey, timeMs: height * 1_000, nextValidatorsHash: .zero)
        let block = Block(header: header, transactions: transactions)
        let receipts = transactions.map { Receipt(txID: $0.id, code: 0, message: "ok", events: []) }
        return CommittedBlock(
            block: block,
            certificate: CommitCertificate(
                height: height, round: 0, blockID: block.hash, signatures: []),
            receipts: receipts,
            results: ExecutionResults(receiptsRoot: Receipt.root(receipts), stateRoot: .zero))
    }

    func close() async throws {
        try await pool.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Feeds `messages` from `from` to the node's dispatcher and waits until it has handled
    /// them all, including the replies it started.
    func dispatch(
        _ messages: [(from: PublicKey, message: PeerMessage)], over transport: RecordingTransport
    ) async {
        for (from, message) in messages {
            transport.feed.yield(
                PeerNetwork.InboundMessage(from: from, payload: message.canonicalBytes))
        }
        transport.feed.finish()
        await runtime.dispatch(from: transport, to: ConsensusDriver(runtime: runtime))
    }

    func metric(_ name: String) -> Int {
        let line = runtime.metrics.exposition().split(separator: "\n").first {
            $0.hasPrefix(name + " ")
        }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }
}

@Suite("Block sync under attack")
struct SyncAttackTests {
    @Test("attack: a syncRequest from UInt64.max does not crash the receiver")
    func syncRequestFromMaxHeight() async throws {
        let fixture = try SyncFixture(blocks: 3)
        let transport = RecordingTransport()
        let hostile = SigningKey.deterministic(label: "hostile").publicKey
        let honest = fixture.peer.publicKey
        await fixture.dispatch(
            [
                (hostile, .syncRequest(fromHeight: .max, count: PeerMessage.maxSyncBatch)),
                (
                    SigningKey.deterministic(label: "hostile-2").publicKey,
                    .syncRequest(fromHeight: .max - 1, count: .max)
                ),
                (
                    SigningKey.deterministic(label: "hostile-3").publicKey,
                    .syncRequest(fromHeight: 2, count: .max)
                ),
                (honest, .syncRequest(fromHeight: 1, count: PeerMessage.maxSyncBatch)),
            ], over: transport)
        // The node is alive and still answers: 2...3 for the huge count, 1...3 for the honest ask.
        #expect(transport.payloads.filter { $0.peer == honest }.count == 1)
        #expect(transport.sentHeights.sorted() == [1, 2, 2, 3, 3])
        try await fixture.close()
    }

    @Test(
        "attack: decisions for heights near UInt64.max or an unknown validator do not crash"
    )
    func decisionsWithExtremeRanges() async throws {
        let transport = RecordingTransport()
        let fixture = try SyncFixture(blocks: 2, transport: transport)
        let runtime = fixture.runtime
        let peer = runtime.validators[1].publicKey
        await runtime.sendDecisions(to: peer, heights: (UInt64.max - 3)...UInt64.max)
        let stranger = SigningKey.deterministic(label: "not-a-validator").publicKey
        await runtime.sendDecisions(to: stranger, heights: 1...2)
        await runtime.sendDecisions(to: runtime.networkKey, heights: 1...2)
        #expect(transport.payloads.isEmpty)
        try await fixture.close()
    }

    @Test(
        "attack: a sync batch over the frame limit arrives split into frames under it"
    )
    func largeBatchIsSplitByBytes() async throws {
        // 12 blocks of about 180 KiB against a 1 MiB frame: today's limit of 16 MiB with
        // 64 blocks of 300 KiB, scaled down.
        let fixture = try SyncFixture(blocks: 12, txsPerBlock: 3, txBytes: 60_000)
        let peer = fixture.peer.publicKey
        var received: [UInt64] = []
        // The laggard's loop: ask from the next height until it has every block.
        for _ in 0..<12 where received.count < 12 {
            let transport = RecordingTransport(maxPayloadBytes: 1 << 20)
            let next = UInt64(received.count + 1)
            await fixture.dispatch(
                [(peer, .syncRequest(fromHeight: next, count: PeerMessage.maxSyncBatch))],
                over: transport)
            #expect(transport.payloads.allSatisfy { $0.payload.count <= transport.maxPayloadBytes })
            let heights = transport.sentHeights
            #expect(heights.first == next, "each reply starts where the laggard asked")
            received += heights
            if heights.isEmpty { break }
        }
        #expect(received == Array(1...12))
        try await fixture.close()
    }

    @Test("attack: a block larger than one frame is refused with a log line and a metric, not sent")
    func blockOverFrameLimitIsRefused() async throws {
        let fixture = try SyncFixture(blocks: 1, txsPerBlock: 20, txBytes: 60_000)
        let transport = RecordingTransport(maxPayloadBytes: 1 << 20)
        await fixture.dispatch(
            [(fixture.peer.publicKey, .syncRequest(fromHeight: 1, count: 1))], over: transport)
        #expect(transport.payloads.isEmpty)
        #expect(fixture.metric("govchain_sync_blocks_oversized_total") == 1)
        try await fixture.close()
    }

    @Test("attack: a flood of sync requests from one peer gets at most its reply budget")
    func syncRequestFloodIsBounded() async throws {
        let fixture = try SyncFixture(blocks: 4)
        let transport = RecordingTransport()
        let peer = fixture.peer.publicKey
        let started = Clock.nowMs()
        let flood = (0..<300).map { _ in (peer, PeerMessage.syncRequest(fromHeight: 1, count: 64)) }
        await fixture.dispatch(flood, over: transport)
        let limits = fixture.runtime.syncReplies.limits
        let allowed = limits.maxRepliesPerWindow * Self.windows(since: started, limits)
        let replies = transport.payloads.count
        #expect(replies >= 1 && replies <= allowed, "\(replies) replies, budget \(allowed)")
        #expect(fixture.metric("govchain_sync_replies_dropped_total") == 300 - replies)
        #expect(fixture.runtime.syncReplies.inFlight == 0)
        try await fixture.close()
    }

    @Test(
        "attack: replayed old votes make a node send decisions within the recipient's budget only")
    func replayedOldVotesAreBounded() async throws {
        // Each replayed old vote makes consensus ask for a decision reply (sendDecisions),
        // at a different height each time, so its per-(peer, height) limit never bites.
        let transport = RecordingTransport()
        let fixture = try SyncFixture(blocks: 32, transport: transport)
        let runtime = fixture.runtime
        let started = Clock.nowMs()
        await withDiscardingTaskGroup { group in
            for height in 0..<200 {
                let lower = UInt64(height % 16 + 1)
                group.addTask {
                    await runtime.sendDecisions(
                        to: runtime.validators[1].publicKey, heights: lower...(lower + 15))
                }
            }
        }
        let limits = runtime.syncReplies.limits
        let windows = Self.windows(since: started, limits)
        let frames = transport.payloads.count
        #expect(frames <= limits.maxRepliesPerWindow * windows * 16, "\(frames) decision frames")
        let bytes = transport.payloads.reduce(0) { $0 + $1.payload.count }
        #expect(bytes <= limits.maxBytesPerWindow * windows)
        #expect(runtime.syncReplies.inFlight == 0)
        try await fixture.close()
    }

    /// Budget windows that began since `started` (a slow machine may see more than one).
    static func windows(since started: UInt64, _ limits: SyncReplyBudget.Limits) -> Int {
        Int((Clock.nowMs() - started) / limits.windowMs) + 1
    }
}

@Suite("Sync reply budget and response builder")
struct SyncReplyBudgetTests {
    @Test("budget: replies, bytes and in-flight replies are bounded per recipient and window")
    func budgetBounds() {
        let budget = SyncReplyBudget(
            limits: .init(
                windowMs: 1_000, maxRepliesPerWindow: 2, maxBytesPerWindow: 100, maxInFlight: 2,
                maxInFlightPerPeer: 1))
        let (a, b, c) = (
            SigningKey.deterministic(label: "a").publicKey,
            SigningKey.deterministic(label: "b").publicKey,
            SigningKey.deterministic(label: "c").publicKey
        )
        #expect(budget.begin(peer: a, nowMs: 10) == nil)
        #expect(budget.begin(peer: a, nowMs: 10) == .peerBusy)
        #expect(budget.begin(peer: b, nowMs: 10) == nil)
        #expect(budget.begin(peer: c, nowMs: 10) == .nodeBusy)
        #expect(budget.spend(60, peer: a, nowMs: 20))
        #expect(!budget.spend(60, peer: a, nowMs: 20), "over the byte budget")
        budget.end(peer: a)
        #expect(budget.begin(peer: a, nowMs: 30) == nil)
        budget.end(peer: a)
        #expect(budget.begin(peer: a, nowMs: 40) == .tooManyReplies)
        // A new window: replies and bytes start again.
        #expect(budget.begin(peer: a, nowMs: 1_010) == nil)
        #expect(budget.spend(100, peer: a, nowMs: 1_010))
        budget.end(peer: a)
        budget.end(peer: b)
        #expect(budget.inFlight == 0)
    }

    @Test("builder: large blocks are packed into payloads under the frame limit, in order")
    func builderPacksByBytes() throws {
        let blocks = (1...10).map { height -> (block: CertifiedBlock, bytes: Int) in
            let committed = SyncFixture.block(
                height: UInt64(height), previous: .zero, txs: 2, txBytes: 50_000)
            let certified = CertifiedBlock(
                block: committed.block, certificate: committed.certificate)
            return (certified, certified.canonicalBytes.count)
        }
        let packed = SyncResponseBuilder.pack(blocks, maxPayloadBytes: 256 << 10)
        #expect(packed.oversized == nil)
        #expect(packed.blockCount == 10)
        var heights: [UInt64] = []
        for payload in packed.payloads {
            #expect(payload.count <= 256 << 10)
            guard case .syncResponse(let list) = try PeerMessage(canonicalBytes: payload) else {
                Issue.record("not a sync response")
                continue
            }
            heights += list.map(\.block.height)
        }
        #expect(heights == Array(1...10))
        #expect(packed.payloads.count > 1)
        let first = SyncResponseBuilder.pack(blocks, maxPayloadBytes: 256 << 10, maxPayloads: 1)
        #expect(first.payloads.count == 1 && first.blockCount == 2)
        let refused = SyncResponseBuilder.pack(blocks, maxPayloadBytes: 50_000)
        #expect(refused.payloads.isEmpty && refused.oversized?.height == 1)
    }
}
