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
        case .malformedHello(let reason): "malformed hello: \(reason)"
        case .unsupportedVersion(let version): "unsupported protocol version \(version)"
        case .chainMismatch(let expected, let received):
            "chain id mismatch: expected \(expected), received \(received)"
        case .genesisMismatch(let expected, let received):
            "genesis hash mismatch: expected \(expected), received \(received)"
        case .selfConnection: "peer presented our own key"
        case .unknownPeer(let key): "key \(key) is not in the validator set"
        case .unexpectedPeer(let expected, let received):
            "dialed \(expected) but the peer presented \(received)"
        case .invalidEphemeralKey: "invalid ephemeral X25519 key"
        case .authDecryptionFailed: "auth frame failed AEAD authentication"
        case .malformedAuth(let count): "auth frame of \(count) bytes, expected a 64-byte signature"
        case .badSignature(let key): "transcript signature does not verify under \(key)"
        case .connectionClosed: "connection closed (or handshake timed out) mid-handshake"
        case .outOfOrder(let step): "handshake step out of order: \(step)"
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
        case .frameTooLarge(let length, let limit):
            "frame length \(length) exceeds the limit \(limit)"
        case .decryptionFailed(let counter): "frame \(counter) failed AEAD authentication"
        case .truncatedCiphertext(let count): "ciphertext of \(count) bytes is shorter than a tag"
        }
    }
}
