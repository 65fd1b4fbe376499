public import Ledger

/// The node's port to its peers (STYLE.md: ports are protocols). The TCP implementation is
/// `PeerNetwork`; tests may use an in-memory twin. Sends never block and never grow memory
/// without bound: a full per-peer queue drops (and counts) instead.
public protocol PeerTransport: Sendable {
    /// Queues for one validator; false when its queue is full (the payload is dropped).
    @discardableResult func send(_ payload: [UInt8], to peer: PublicKey) -> Bool
    /// Queues for every validator; false when any queue dropped it.
    @discardableResult func broadcast(_ payload: [UInt8]) -> Bool
    /// Validators with an authenticated channel right now, sorted.
    var connectedPeers: [PublicKey] { get }
    /// Everything peers send, tagged with the authenticated sender.
    var inbound: AsyncStream<PeerNetwork.InboundMessage> { get }
    /// Listens, dials and reconnects until the task is cancelled.
    func run() async throws
}

extension PeerNetwork: PeerTransport {}
