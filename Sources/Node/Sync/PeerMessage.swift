public import Ledger

/// A committed block with the certificate that proves it final.
public struct CertifiedBlock: Hashable, Sendable, CanonicalCodable {
    public var block: Block
    public var certificate: CommitCertificate

    public init(block: Block, certificate: CommitCertificate) {
        self.block = block
        self.certificate = certificate
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(block)
        encoder.encode(certificate)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        block = try decoder.decode(Block.self)
        certificate = try decoder.decode(CommitCertificate.self)
    }
}

/// Everything validators say to each other over an authenticated peer channel.
public enum PeerMessage: Sendable, CanonicalCodable {
    /// A consensus message in the Consensus module's own encoding.
    case consensus([UInt8])
    /// Transactions gossiped from one mempool to the others (canonical encodings).
    case transactions([[UInt8]])
    /// "I have committed up to `height`": lets a lagging node see that it is behind.
    case status(height: UInt64)
    /// Asks for committed blocks from `fromHeight`, at most `count`.
    case syncRequest(fromHeight: UInt64, count: UInt32)
    /// Committed blocks with certificates, in height order.
    case syncResponse([CertifiedBlock])
    /// State sync: asks for the manifest of the snapshot the peer serves.
    case snapshotManifestRequest
    /// A `SnapshotManifest`'s canonical bytes; empty when the peer has none to offer yet.
    case snapshotManifest([UInt8])
    /// State sync: asks for chunk `index` of the snapshot of the state after `height`.
    case snapshotChunkRequest(height: UInt64, index: UInt32)
    /// Chunk `index` of the snapshot at `height`, checked by the receiver against the
    /// manifest it verified (never trusted for coming from this peer).
    case snapshotChunk(height: UInt64, index: UInt32, bytes: [UInt8])

    public static let version: UInt8 = 1
    public static let maxGossipBatch = 1_000
    public static let maxSyncBatch: UInt32 = 64

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(PeerMessage.version)
        switch self {
        case let .consensus(bytes):
            encoder.encode(UInt8(1))
            encoder.encode(bytes: bytes)
        case let .transactions(list):
            encoder.encode(UInt8(2))
            encoder.encode(UInt32(list.count))
            for bytes in list { encoder.encode(bytes: bytes) }
        case let .status(height):
            encoder.encode(UInt8(3))
            encoder.encode(height)
        case let .syncRequest(fromHeight, count):
            encoder.encode(UInt8(4))
            encoder.encode(fromHeight)
            encoder.encode(count)
        case let .syncResponse(blocks):
            encoder.encode(UInt8(5))
            encoder.encode(blocks)
        case .snapshotManifestRequest:
            encoder.encode(UInt8(6))
        case let .snapshotManifest(bytes):
            encoder.encode(UInt8(7))
            encoder.encode(bytes: bytes)
        case let .snapshotChunkRequest(height, index):
            encoder.encode(UInt8(8))
            encoder.encode(height)
            encoder.encode(index)
        case let .snapshotChunk(height, index, bytes):
            encoder.encode(UInt8(9))
            encoder.encode(height)
            encoder.encode(index)
            encoder.encode(bytes: bytes)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "PeerMessage", supported: 1...1)
        switch try decoder.decode(UInt8.self) {
        case 1:
            self = .consensus(try decoder.decodeBytes())
        case 2:
            let count = try decoder.decode(UInt32.self)
            guard count <= PeerMessage.maxGossipBatch else {
                throw .lengthTooLarge(length: UInt64(count), limit: PeerMessage.maxGossipBatch)
            }
            var list: [[UInt8]] = []
            for _ in 0..<count { list.append(try decoder.decodeBytes(limit: Transaction.maxEncodedBytes)) }
            self = .transactions(list)
        case 3:
            self = .status(height: try decoder.decode(UInt64.self))
        case 4:
            self = .syncRequest(fromHeight: try decoder.decode(UInt64.self), count: try decoder.decode(UInt32.self))
        case 5:
            self = .syncResponse(try decoder.decodeArray(of: CertifiedBlock.self, limit: Int(PeerMessage.maxSyncBatch)))
        case 6:
            self = .snapshotManifestRequest
        case 7:
            self = .snapshotManifest(try decoder.decodeBytes(limit: SnapshotLimits.maxManifestBytes))
        case 8:
            self = .snapshotChunkRequest(
                height: try decoder.decode(UInt64.self), index: try decoder.decode(UInt32.self))
        case 9:
            self = .snapshotChunk(
                height: try decoder.decode(UInt64.self), index: try decoder.decode(UInt32.self),
                bytes: try decoder.decodeBytes(limit: SnapshotLimits.maxChunkBytes))
        case let tag:
            throw .invalidValue(type: "PeerMessage", reason: "unknown tag \(tag)")
        }
    }
}
