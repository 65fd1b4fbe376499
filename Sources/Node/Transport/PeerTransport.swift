public import Ledger

/// The node's port to its peers (../shared/STYLE.md section 1, "ports are protocols"):
/// `PeerNetwork` is the TCP adapter; a test double can implement the same five members.
///
/// Delivery is best effort: a message may be dropped (queue full, peer down too long) or,
/// after a reconnect, arrive twice. The consensus protocol retransmits and deduplicates.
public protocol PeerTransport: Sendable {
    /// Queues `payload` for one validator without blocking; false if anything was dropped.
    @discardableResult
    func send(_ payload: [UInt8], to peer: PublicKey) -> Bool
    /// Queues `payload` for every other validator without blocking.
    @discardableResult
    func broadcast(_ payload: [UInt8]) -> Bool
    /// Authenticated messages from peers. One consumer.
    var inbound: AsyncStream<PeerNetwork.InboundMessage> { get }
    /// Validators with a live authenticated connection, sorted by key.
    var connectedPeers: [PublicKey] { get }
    /// Listens, dials and reconnects until the task is cancelled. Call once.
    func run() async throws
    /// The largest payload `send` accepts; larger ones are dropped. Senders of big replies
    /// (block sync) cut them to fit.
    var maxPayloadBytes: Int { get }
    /// Admits these validators too (a validator-set change the node learned from executed
    /// state): their handshakes are accepted and messages queued for them; a new one whose
    /// key sorts above this node's is dialed at its recorded address. Keys are never
    /// withdrawn: a removed validator's votes fail verification at the heights after it.
    func admit(_ validators: [Validator])
    /// Admits exactly these follower keys (the list governance records now): new ones may
    /// connect and are sent what validators broadcast; a withdrawn one is disconnected and
    /// refused from then on.
    func admitFollowers(_ followers: [PublicKey])
}

extension PeerTransport {
    /// The default frame limit's payload, for doubles that do not model one.
    public var maxPayloadBytes: Int { TransportLimits().maxPayloadBytes }

    /// Doubles without a handshake admit everyone already.
    public func admit(_ validators: [Validator]) {}
    public func admitFollowers(_ followers: [PublicKey]) {}
}
