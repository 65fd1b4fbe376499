public import Ledger

/// Why a peer's handshake was refused. Every case is an operating error: the connection is
/// dropped and the reason logged; nothing here ever crashes the node.
public enum HandshakeError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedHello(reason: String)
    case unsupportedVersion(UInt8)
    case chainMismatch(expected: String, received: String)
    case genesisMismatch(expected: Hash256, received: Hash256)
    case selfConnection
    case unknownPeer(PublicKey)
    case unexpectedPeer(expected: PublicKey, received: PublicKey)
    case invalidEphemeralKey
    case authDecryptionFailed
    case malformedAuth(byteCount: Int)
    case badSignature(PublicKey)
    case connectionClosed
    case outOfOrder(String)

    public var description: String {
        switch self {
        case let .malformedHello(reason): "malformed hello: \(reason)"
        case let .unsupportedVersion(version): "unsupported protocol version \(version)"
        case let .chainMismatch(expected, received):
            "chain id mismatch: expected \(expected), received \(received)"
        case let .genesisMismatch(expected, received):
            "genesis hash mismatch: expected \(expected), received \(received)"
        case .selfConnection: "peer presented our own key"
        case let .unknownPeer(key): "key \(key) is not in the validator set"
        case let .unexpectedPeer(expected, received):
            "dialed \(expected) but the peer presented \(received)"
        case .invalidEphemeralKey: "invalid ephemeral X25519 key"
        case .authDecryptionFailed: "auth frame failed AEAD authentication"
        case let .malformedAuth(count): "auth frame of \(count) bytes, expected a 64-byte signature"
        case let .badSignature(key): "transcript signature does not verify under \(key)"
        case .connectionClosed: "connection closed (or handshake timed out) mid-handshake"
        case let .outOfOrder(step): "handshake step out of order: \(step)"
        }
    }
}

/// Why a frame was refused after (or while) reading it off the wire.
public enum FrameError: Error, Equatable, Sendable, CustomStringConvertible {
    case frameTooLarge(length: UInt32, limit: Int)
    case decryptionFailed(counter: UInt64)
    case truncatedCiphertext(byteCount: Int)

    public var description: String {
        switch self {
        case let .frameTooLarge(length, limit): "frame length \(length) exceeds the limit \(limit)"
        case let .decryptionFailed(counter): "frame \(counter) failed AEAD authentication"
        case let .truncatedCiphertext(count): "ciphertext of \(count) bytes is shorter than a tag"
        }
    }
}
