public import Ledger

/// Cuts certified blocks into `syncResponse` payloads that each fit one transport frame.
///
/// The transport drops (and counts) a payload over its frame limit, so a sync batch of 64
/// large blocks sent as one message never arrived and the laggard asked again forever.
/// Packing by encoded bytes keeps every payload under the limit; a single block that is
/// larger than a whole frame cannot travel at all, and is reported instead of sent.
public enum SyncResponseBuilder {
    /// The result of packing: payloads in height order, and the first block that did not fit.
    public struct Packed: Sendable, Equatable {
        /// Canonical `PeerMessage.syncResponse` bytes, each at most `maxPayloadBytes`.
        public var payloads: [[UInt8]] = []
        /// Blocks carried by `payloads`, a prefix of the input.
        public var blockCount = 0
        /// Height and size of a block larger than one frame; packing stops there, since the
        /// receiver cannot link the blocks after it without it.
        public var oversized: Oversized?
    }

    public struct Oversized: Sendable, Equatable {
        public var height: UInt64
        public var bytes: Int
    }

    /// Bytes of a `syncResponse` holding no block: version, tag and the u32 block count.
    /// An array encodes as its count followed by its elements with no per-element prefix, so
    /// a response's size is this plus the sum of its blocks' encoded sizes.
    public static let emptyResponseBytes = PeerMessage.syncResponse([]).canonicalBytes.count

    /// Packs `blocks` (in height order) into payloads of at most `maxPayloadBytes` and at
    /// most `PeerMessage.maxSyncBatch` blocks each (the receiver's decoder limit).
    /// - Parameters:
    ///   - blocks: each with its encoded size, as `BlockStore.certifiedBlocks` reads them.
    ///   - maxPayloadBytes: the transport's largest payload (`TransportLimits.maxPayloadBytes`).
    ///   - maxPayloads: stop after this many payloads (a reply's share of the peer's budget).
    public static func pack(
        _ blocks: [(block: CertifiedBlock, bytes: Int)], maxPayloadBytes: Int,
        maxPayloads: Int = .max
    ) -> Packed {
        var packed = Packed()
        var current: [CertifiedBlock] = []
        var currentBytes = emptyResponseBytes
        func flush() {
            guard !current.isEmpty else { return }
            packed.payloads.append(PeerMessage.syncResponse(current).canonicalBytes)
            packed.blockCount += current.count
            current = []
            currentBytes = emptyResponseBytes
        }
        for (block, bytes) in blocks {
            guard emptyResponseBytes + bytes <= maxPayloadBytes else {
                flush()
                packed.oversized = Oversized(height: block.block.height, bytes: bytes)
                return packed
            }
            if currentBytes + bytes > maxPayloadBytes
                || current.count >= Int(PeerMessage.maxSyncBatch)
            {
                flush()
                guard packed.payloads.count < maxPayloads else { return packed }
            }
            current.append(block)
            currentBytes += bytes
        }
        flush()  // within maxPayloads: the loop returns as soon as that many are full
        return packed
    }
}
