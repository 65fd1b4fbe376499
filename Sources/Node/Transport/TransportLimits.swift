/// Every bound the transport keeps (../shared/STYLE.md section 5, "put a limit on everything").
public struct TransportLimits: Sendable {
    /// Largest frame body (ciphertext, including its 16-byte tag) accepted or sent.
    public var maxFrameBytes: Int
    /// Largest frame before a peer is authenticated (hello and auth are about 150 bytes).
    public var maxHandshakeFrameBytes: Int
    /// Messages queued per peer; when full the oldest is dropped and counted.
    public var outboundQueueLimit: Int
    /// Messages buffered in `PeerNetwork.inbound`; when full the oldest is dropped and counted.
    public var inboundBufferLimit: Int
    /// A peer that has not completed the handshake by then is dropped.
    public var handshakeTimeoutMs: Int64
    public var connectTimeoutMs: Int64
    /// Reconnect delay: base * 2^failures, capped at max, then jittered into [cap/2, cap].
    public var reconnectBaseMs: Int64
    public var reconnectMaxMs: Int64
    /// An idle connection sends an empty frame this often, so the peer's idle timer and
    /// TCP both notice a dead connection even when consensus is quiet.
    public var keepaliveIntervalMs: Int64
    /// A connection that has received nothing (not even a keepalive) for this long is
    /// closed: a half-open socket to a crashed peer would otherwise stay "connected".
    public var idleTimeoutMs: Int64
    /// Inbound connections open at once (authenticated or not); more are refused at accept.
    public var maxInboundConnections: Int

    public init(
        maxFrameBytes: Int = 16 << 20, maxHandshakeFrameBytes: Int = 1024,
        outboundQueueLimit: Int = 1024, inboundBufferLimit: Int = 4096,
        handshakeTimeoutMs: Int64 = 5_000, connectTimeoutMs: Int64 = 3_000,
        reconnectBaseMs: Int64 = 100, reconnectMaxMs: Int64 = 10_000,
        keepaliveIntervalMs: Int64 = 5_000, idleTimeoutMs: Int64 = 20_000,
        maxInboundConnections: Int = 128
    ) {
        precondition(maxFrameBytes > 16 && maxFrameBytes <= Int(UInt32.max), "frame limit")
        precondition(maxHandshakeFrameBytes >= 256, "handshake frames need about 150 bytes")
        precondition(outboundQueueLimit > 0 && inboundBufferLimit > 0, "queues hold something")
        precondition(reconnectBaseMs > 0 && reconnectMaxMs >= reconnectBaseMs, "backoff")
        self.maxFrameBytes = maxFrameBytes
        self.maxHandshakeFrameBytes = maxHandshakeFrameBytes
        self.outboundQueueLimit = outboundQueueLimit
        self.inboundBufferLimit = inboundBufferLimit
        self.handshakeTimeoutMs = handshakeTimeoutMs
        self.connectTimeoutMs = connectTimeoutMs
        self.reconnectBaseMs = reconnectBaseMs
        self.reconnectMaxMs = reconnectMaxMs
        precondition(keepaliveIntervalMs > 0 && idleTimeoutMs > keepaliveIntervalMs, "keepalive")
        precondition(maxInboundConnections > 0, "accept at least one connection")
        self.keepaliveIntervalMs = keepaliveIntervalMs
        self.idleTimeoutMs = idleTimeoutMs
        self.maxInboundConnections = maxInboundConnections
    }

    /// The largest payload `send`/`broadcast` accept: a frame minus the AEAD tag.
    public var maxPayloadBytes: Int { maxFrameBytes - 16 }

    /// The delay before reconnect attempt `failures` (0 after a connection that worked).
    func reconnectDelayMs(failures: Int, using generator: inout some RandomNumberGenerator) -> Int64
    {
        let shift = Int64(min(failures, 30))
        let grown = reconnectBaseMs.multipliedReportingOverflow(by: 1 << shift)
        let cap = grown.overflow ? reconnectMaxMs : min(grown.partialValue, reconnectMaxMs)
        return cap / 2 + Int64.random(in: 0...(cap - cap / 2), using: &generator)
    }
}
