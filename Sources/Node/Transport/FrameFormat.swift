public import NIOCore

/// Wire framing: every frame is a `UInt32` big-endian length followed by that many bytes
/// (a plaintext hello during the handshake, an AEAD ciphertext afterwards).
///
/// The length is checked against the limit as soon as its four bytes arrive, before
/// waiting for (or reserving room for) the body, so a hostile `0xFFFFFFFF` costs nothing.
public enum FrameFormat {
    public static let headerByteCount = 4

    /// Reads one frame from `buffer`: nil when more bytes are needed, the body otherwise.
    /// - Throws: `FrameError.frameTooLarge` as soon as a header claims more than `limit`.
    public static func readFrame(
        from buffer: inout ByteBuffer, limit: Int
    ) throws(FrameError) -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
            return nil
        }
        guard UInt64(length) <= UInt64(max(limit, 0)) else {
            throw .frameTooLarge(length: length, limit: limit)
        }
        guard buffer.readableBytes >= headerByteCount + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: headerByteCount)
        return buffer.readSlice(length: Int(length))
    }

    /// One frame: header and body.
    public static func encode(_ body: [UInt8]) -> ByteBuffer {
        precondition(body.count <= Int(UInt32.max), "frame body too long")
        var buffer = ByteBuffer()
        buffer.reserveCapacity(headerByteCount + body.count)
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return buffer
    }
}

/// The channel-side adapter of `FrameFormat`. The first two frames of a connection (hello
/// and auth) come from a not-yet-authenticated peer and get a much smaller limit, so an
/// anonymous client cannot make the node buffer a 16 MiB frame.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maxFrameBytes: Int
    let maxHandshakeFrameBytes: Int
    private var framesDecoded = 0

    init(maxFrameBytes: Int, maxHandshakeFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
        self.maxHandshakeFrameBytes = maxHandshakeFrameBytes
    }

    mutating func decode(
        context: ChannelHandlerContext, buffer: inout ByteBuffer
    ) throws -> DecodingState {
        let limit = framesDecoded < 2 ? maxHandshakeFrameBytes : maxFrameBytes
        guard let frame = try FrameFormat.readFrame(from: &buffer, limit: limit) else {
            return .needMoreData
        }
        framesDecoded += 1
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // A partial frame at EOF is simply discarded: the connection is ending anyway.
        try decode(context: context, buffer: &buffer)
    }
}
