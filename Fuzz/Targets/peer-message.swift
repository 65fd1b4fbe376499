// Target `peer-message`: one frame payload from a peer, decoded and routed as the node's
// `NodeRuntime.dispatch` does (Sources/Node/Runtime/NodeRuntime+Run.swift). Three pure
// files of the node are compiled into this binary, so that Node's NIO and Hummingbird
// stack stays out of the fuzzer: Sources/Node/Sync/PeerMessage.swift and
// SyncResponseBuilder.swift (they import only Ledger) and Sources/Execution/BlockSyncPlan.swift
// (it imports nothing).
//
// Checks: PeerMessage decoding never traps and re-encodes to the input; then, per case,
// what the node does with it: a consensus payload goes through `UnverifiedMessage`
// (canonical round trip) and `verify`; gossiped transactions decode canonically; a sync
// request is planned with `BlockSyncPlan` against several tips, and the heights must lie
// in [fromHeight, tip] and number no more than asked or allowed (issue 17 finding 2); a
// sync response's blocks are re-packed with `SyncResponseBuilder` into small frames, and
// every payload must fit its frame and decode back to the blocks in order (finding 6); each
// synced block is verified as a decision; a snapshot manifest or chunk (state sync) is
// canonical and a manifest's check refuses without trapping. Signature checks cost ~40 us each, and a sync or
// gossip batch holds dozens, so only inputs whose last byte is 0 mod 8 pay for them; the
// `consensus-message` and `transaction` targets fuzz those paths at full rate.
import Consensus
import Contracts
import FuzzSupport
import Ledger

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, fuzzPeerMessage)
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    FuzzEntry.initialize(seeds: peerSeeds)
}

func fuzzPeerMessage(_ bytes: [UInt8]) {
    let message: PeerMessage
    do {
        message = try PeerMessage(canonicalBytes: bytes)
    } catch {
        return
    }
    checkReencodesBytes(message, to: bytes)
    let verifies = bytes.last! & 7 == 0
    switch message {
    case let .consensus(inner):
        guard let unverified = try? UnverifiedMessage(bytes: inner) else { return }
        checkReencodes(unverified.message, to: inner, lengthLimit: ConsensusMessage.maxEncodedBytes)
        guard verifies else { return }
        _ = try? unverified.verify(chainID: FuzzChain.chainID, validators: FuzzChain.validatorSet)
    case let .transactions(list):
        for raw in list {
            guard let tx = checkCanonical(Transaction.self, raw), verifies else { continue }
            _ = tx.hasValidSignature
            _ = BlockExecutor.checkTx(tx, over: FuzzChain.genesisState)
        }
    case .status:
        break
    case let .syncRequest(fromHeight, count):
        checkSyncPlan(fromHeight: fromHeight, count: count, bytes)
    case let .syncResponse(blocks):
        checkPacking(blocks, frameUnits: Int(bytes.last!), bytes)
        for certified in blocks where verifies {
            let decision = Decision(block: certified.block, certificate: certified.certificate)
            _ = try? UnverifiedMessage(.decision(decision)).verify(
                chainID: FuzzChain.chainID, validators: FuzzChain.validatorSet)
        }
    case .snapshotManifestRequest, .snapshotChunkRequest:
        break
    case let .snapshotManifest(raw):
        // A state-sync manifest: canonical, and its check (certificates, links, the chunk
        // table's walk to a root) refuses without trapping.
        guard let manifest = checkCanonical(
            SnapshotManifest.self, raw, lengthLimit: SnapshotLimits.maxManifestBytes)
        else { return }
        _ = try? manifest.verify(
            chainID: FuzzChain.chainID, genesisHash: manifest.genesisHash,
            validators: { _ in verifies ? FuzzChain.validatorSet : nil })
        if manifest.chunks.count == 1 {
            _ = try? SnapshotChunk.verified([], index: 0, of: manifest)
        }
    case let .snapshotChunk(_, _, raw):
        checkCanonical(SnapshotChunk.self, raw, lengthLimit: SnapshotLimits.maxChunkBytes)
    }
}

/// For any request and any tip, the planned heights start at `fromHeight`, stop at the
/// tip, and number at most what was asked and what one reply may carry.
private func checkSyncPlan(fromHeight: UInt64, count: UInt32, _ bytes: [UInt8]) {
    let limit = UInt64(min(count, PeerMessage.maxSyncBatch))
    for tip in [0, 1, fromHeight &- 1, fromHeight, fromHeight &+ 63, UInt64.max] {
        guard let heights = BlockSyncPlan.heights(
            fromHeight: fromHeight, count: count, tip: tip, maxBatch: PeerMessage.maxSyncBatch)
        else { continue }
        guard heights.lowerBound == fromHeight, heights.upperBound <= tip,
            heights.upperBound - heights.lowerBound < limit
        else {
            fuzzFailure(
                "sync plan \(heights) for from \(fromHeight), count \(count), tip \(tip)",
                bytes)
        }
    }
}

/// Packing into frames of `frameUnits` x 64 bytes (often smaller than one block): each
/// payload fits its frame and holds at most the decoder's batch limit, the payloads decode
/// back to a prefix of the blocks in order, and packing stops short only at a block that
/// cannot fit any frame.
private func checkPacking(_ blocks: [CertifiedBlock], frameUnits: Int, _ bytes: [UInt8]) {
    let limit = SyncResponseBuilder.emptyResponseBytes + frameUnits * 64
    let sized = blocks.map { (block: $0, bytes: $0.canonicalBytes.count) }
    let packed = SyncResponseBuilder.pack(sized, maxPayloadBytes: limit)
    var carried: [CertifiedBlock] = []
    for payload in packed.payloads {
        guard payload.count <= limit,
            let message = try? PeerMessage(canonicalBytes: payload),
            case let .syncResponse(part) = message, !part.isEmpty,
            part.count <= Int(PeerMessage.maxSyncBatch)
        else {
            fuzzFailure("a packed sync payload of \(payload.count) bytes (frame \(limit))", bytes)
        }
        carried += part
    }
    guard packed.blockCount == carried.count, carried == Array(blocks.prefix(carried.count))
    else {
        fuzzFailure("packed sync payloads do not carry the blocks in order", bytes)
    }
    if let oversized = packed.oversized {
        guard carried.count < blocks.count, blocks[carried.count].block.height == oversized.height,
            SyncResponseBuilder.emptyResponseBytes + oversized.bytes > limit
        else {
            fuzzFailure("packing stopped at a block that fits a frame", bytes)
        }
    } else if carried.count != blocks.count {
        fuzzFailure("packing dropped \(blocks.count - carried.count) blocks", bytes)
    }
}

private func peerSeeds() -> [[UInt8]] {
    let decisions = SignedMessages.samples.compactMap { message -> CertifiedBlock? in
        guard case let .decision(decision) = message else { return nil }
        return CertifiedBlock(block: decision.block, certificate: decision.certificate)
    }
    let messages: [PeerMessage] =
        SignedMessages.samples.map { .consensus($0.canonicalBytes) } + [
            .transactions(FuzzScenario.transactions.map(\.canonicalBytes)),
            .status(height: 12),
            .syncRequest(fromHeight: 1, count: PeerMessage.maxSyncBatch),
            .syncRequest(fromHeight: UInt64.max, count: UInt32.max),
            .syncResponse(decisions),
            .snapshotManifestRequest,
            .snapshotChunkRequest(height: 5, index: 0),
            .snapshotChunk(height: 5, index: 0, bytes: SnapshotChunk(entries: [
                SnapshotEntry(key: Array("bill/1".utf8), value: [1, 2, 3]),
            ]).canonicalBytes),
        ]
    return messages.map(\.canonicalBytes)
}
