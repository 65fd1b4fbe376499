public import Ledger
public import Logging
internal import NIOConcurrencyHelpers
public import NIOCore

/// The authenticated, encrypted peer transport between validators (TCP, SwiftNIO).
///
/// Every connection runs `Handshake` (both sides prove the Ed25519 key genesis lists for
/// them) and then carries ChaCha20-Poly1305 frames. Bad input of any kind (random bytes,
/// unknown keys, oversized frames, bad signatures, tampered ciphertext) drops that one
/// connection with a log line and a counter; the node carries on.
///
/// One connection per pair: only the validator whose key sorts lower dials (the other
/// only listens), so two validators never race to dial each other. A listener still accepts
/// any validator, and a newer authenticated connection from a peer replaces the older one
/// (a restarted peer is back before we notice its old socket died). Messages are queued per
/// peer, not per connection, so a replaced connection loses at most what it had already
/// written to its socket.
///
/// `send` and `broadcast` never block or suspend: each peer has a bounded queue that drops
/// its oldest message when full. `inbound` buffers at most `inboundBufferLimit` messages
/// and drops the oldest when the consumer falls behind (`bufferingNewest`), for the same
/// reason: newer consensus messages supersede older ones, and the protocol retransmits.
///
/// Liveness of a connection: an idle writer sends an empty AEAD frame (a keepalive, never
/// delivered) every `keepaliveIntervalMs`; a connection silent for `idleTimeoutMs` is
/// closed, so the dialer notices a crashed peer and redials. Log lines name peers by
/// public key and address only; no key material is ever logged.
///
/// Known limits: the inbound buffer is shared, so one flooding peer can push other peers'
/// messages out of it (per-peer inbound fairness is not implemented); and anonymous
/// clients holding all `maxInboundConnections` slots for up to `handshakeTimeoutMs` can
/// delay honest inbound connections (no slots are reserved for validators).
public final class PeerNetwork: PeerTransport {
    /// A message from an authenticated peer.
    public struct InboundMessage: Sendable, Equatable {
        public let from: PublicKey
        public let payload: [UInt8]

        public init(from: PublicKey, payload: [UInt8]) {
            self.from = from
            self.payload = payload
        }
    }

    /// Monotonic counters, for metrics and tests.
    public struct Counters: Sendable, Equatable {
        public var connectionsEstablished = 0
        public var handshakeFailures = 0
        /// Frames refused after the handshake (decrypt failure); each closes its connection.
        public var invalidFrames = 0
        /// Frames whose length prefix exceeded the limit; each closes its connection.
        public var oversizedFrames = 0
        /// Outbound messages dropped: queue full, unknown peer, or payload too large.
        public var outboundDropped = 0
        /// Inbound messages dropped because the consumer of `inbound` fell behind.
        public var inboundDropped = 0
        /// Connections refused at accept because `maxInboundConnections` were open.
        public var connectionsRefused = 0
        /// Authenticated connections closed for receiving nothing within `idleTimeoutMs`.
        public var idleTimeouts = 0
    }

    struct Connection {
        let id: UInt64
        let channel: any Channel
    }

    struct State {
        var connections: [PublicKey: Connection] = [:]
        var counters = Counters()
        var nextConnectionID: UInt64 = 0
        var boundPort: Int?
        var inboundConnections = 0
    }

    let configuration: HandshakeConfiguration
    let listenHost: String
    let listenPort: Int
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    public let limits: TransportLimits
    /// One per admitted peer (grows with `admit`).
    let outboxBox: NIOLockedValueBox<[PublicKey: PeerOutbox]>
    /// The network key expected at each validator address (see `isDialTarget`).
    let dialKeys: NIOLockedValueBox<[String: PublicKey]>
    var outboxes: [PublicKey: PeerOutbox] { outboxBox.withLockedValue { $0 } }
    /// The other validators, sorted: the order `broadcast` queues in.
    var peerKeys: [PublicKey] { outboxes.keys.sorted() }
    /// Validators admitted after start whose key sorts above ours: `run` dials them.
    let newDialTargets: AsyncStream<Validator>
    let newDialTargetContinuation: AsyncStream<Validator>.Continuation
    let state = NIOLockedValueBox(State())
    let inboundContinuation: AsyncStream<InboundMessage>.Continuation

    /// Messages from authenticated peers, in arrival order per peer. One consumer.
    public let inbound: AsyncStream<InboundMessage>

    /// - Parameters:
    ///   - identity: this node's network key (a validator's is the `networkKey` its set
    ///     lists; never its consensus key).
    ///   - genesisHash: the hash of the genesis document; peers on another chain are refused.
    ///   - listenHost/listenPort: where to accept peers (port 0 picks one; see `localPort`).
    public init(
        identity: SigningKey, chainID: String, genesisHash: Hash256, validators: ValidatorSet,
        listenHost: String, listenPort: Int, eventLoopGroup: any EventLoopGroup,
        logger: Logger, limits: TransportLimits = TransportLimits()
    ) {
        self.configuration = HandshakeConfiguration(
            identity: identity, chainID: chainID, genesisHash: genesisHash, validators: validators)
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.limits = limits
        var outboxes: [PublicKey: PeerOutbox] = [:]
        var dialKeys: [String: PublicKey] = [:]
        for validator in validators.validators where validator.networkKey != identity.publicKey {
            outboxes[validator.networkKey] = PeerOutbox(limit: limits.outboundQueueLimit)
            dialKeys[validator.address] = validator.networkKey
        }
        self.outboxBox = NIOLockedValueBox(outboxes)
        self.dialKeys = NIOLockedValueBox(dialKeys)
        (newDialTargets, newDialTargetContinuation) = AsyncStream.makeStream(of: Validator.self)
        (inbound, inboundContinuation) = AsyncStream.makeStream(
            of: InboundMessage.self, bufferingPolicy: .bufferingNewest(limits.inboundBufferLimit))
    }

    public var publicKey: PublicKey { configuration.identity.publicKey }

    /// Peers with an authenticated connection right now, sorted by key.
    public var connectedPeers: [PublicKey] {
        state.withLockedValue { $0.connections.keys.sorted() }
    }

    public var counters: Counters { state.withLockedValue { $0.counters } }

    public var maxPayloadBytes: Int { limits.maxPayloadBytes }

    /// The port the listener is bound to, once `run()` has bound it.
    public var localPort: Int? { state.withLockedValue { $0.boundPort } }

    public func admit(_ validators: [Validator]) {
        let own = publicKey
        // Our own key too: whether we are a validator decides whom we dial (`shouldDial`).
        let added = Set(configuration.admission.add(validators.map(\.networkKey)))
        guard !added.isEmpty else { return }
        // A new key at an address another key held: governance rotated that validator's
        // network key, and the old one is shut out.
        let replaced = dialKeys.withLockedValue { keys -> [PublicKey] in
            var replaced: [PublicKey] = []
            for validator in validators where added.contains(validator.networkKey) {
                if let old = keys.updateValue(validator.networkKey, forKey: validator.address),
                   old != validator.networkKey {
                    replaced.append(old)
                }
            }
            return replaced
        }
        let stillListed = Set(validators.map(\.networkKey))
        let revoked = configuration.admission.revoke(replaced.filter { !stillListed.contains($0) })
        let limit = limits.outboundQueueLimit
        outboxBox.withLockedValue { boxes in
            for key in added where key != own && boxes[key] == nil { boxes[key] = PeerOutbox(limit: limit) }
            for key in revoked { boxes[key] = nil }
        }
        for key in revoked {
            logger.info("peer transport revokes rotated network key \(key): disconnecting it")
            state.withLockedValue { $0.connections[key] }?.channel.close(promise: nil)
        }
        for validator in validators where added.contains(validator.networkKey) && validator.networkKey != own {
            logger.info("peer transport admits validator \(validator.name) (network key \(validator.networkKey))")
            if shouldDial(validator.networkKey) { newDialTargetContinuation.yield(validator) }
        }
    }

    /// Whether `validator`'s network key is the one expected at its address now (the latest
    /// admitted there: a rotation replaces it).
    func isDialTarget(_ validator: Validator) -> Bool {
        dialKeys.withLockedValue { $0[validator.address] == validator.networkKey }
    }

    public func admitFollowers(_ followers: [PublicKey]) {
        let own = publicKey
        let (added, removed) = configuration.admission.replaceFollowers(Set(followers.filter { $0 != own }))
        guard !added.isEmpty || !removed.isEmpty else { return }
        let limit = limits.outboundQueueLimit
        outboxBox.withLockedValue { boxes in
            for key in added where boxes[key] == nil { boxes[key] = PeerOutbox(limit: limit) }
            for key in removed { boxes[key] = nil }
        }
        for key in added { logger.info("peer transport admits follower \(key)") }
        for key in removed {
            logger.info("peer transport withdraws follower \(key): disconnecting it")
            state.withLockedValue { $0.connections[key] }?.channel.close(promise: nil)
        }
    }

    /// Whether this node dials `peer` (a validator) rather than waits for it: a validator
    /// dials only the validators whose key sorts above its own, so each pair has one
    /// dialer; a node that is no validator (a follower, or one governance has not added
    /// yet) dials every validator, since none dials it.
    func shouldDial(_ peer: PublicKey) -> Bool {
        !configuration.admission.isValidator(publicKey) || peer > publicKey
    }

    /// Queues `payload` for `peer`. Never blocks.
    /// - Returns: false if something was dropped: this payload (unknown peer, empty, too
    ///   large) or, the queue being full, the oldest queued message.
    @discardableResult
    public func send(_ payload: [UInt8], to peer: PublicKey) -> Bool {
        guard !payload.isEmpty else {
            // An empty frame is the keepalive; it is never delivered.
            logger.warning("dropped outbound message: empty payloads are not sent")
            count(\.outboundDropped)
            return false
        }
        guard let outbox = outboxes[peer] else {
            logger.warning("dropped outbound message: \(peer) is not a peer validator")
            count(\.outboundDropped)
            return false
        }
        guard payload.count <= limits.maxPayloadBytes else {
            logger.warning(
                "dropped outbound message of \(payload.count) bytes: over the frame limit")
            count(\.outboundDropped)
            return false
        }
        guard outbox.enqueue(payload) else {
            count(\.outboundDropped)
            return false
        }
        return true
    }

    /// Queues `payload` for every other validator. Never blocks.
    /// - Returns: false if any message was dropped (see `send`).
    @discardableResult
    public func broadcast(_ payload: [UInt8]) -> Bool {
        var delivered = true
        for peer in peerKeys where !send(payload, to: peer) { delivered = false }
        return delivered
    }

    func count(_ counter: WritableKeyPath<Counters, Int>) {
        state.withLockedValue { $0.counters[keyPath: counter] += 1 }
    }

    func deliver(_ payload: [UInt8], from peer: PublicKey) {
        guard !payload.isEmpty else { return }  // a keepalive
        if case .dropped = inboundContinuation.yield(InboundMessage(from: peer, payload: payload)) {
            count(\.inboundDropped)
        }
    }

    /// Records an authenticated connection, replacing (and closing) an older one to the
    /// same peer, and hands it the peer's outbox.
    func register(peer: PublicKey, channel: any Channel) -> UInt64 {
        let (id, replaced) = state.withLockedValue { state -> (UInt64, Connection?) in
            state.nextConnectionID += 1
            let id = state.nextConnectionID
            let replaced = state.connections[peer]
            state.connections[peer] = Connection(id: id, channel: channel)
            state.counters.connectionsEstablished += 1
            return (id, replaced)
        }
        outboxes[peer]?.attach(owner: id)
        if let replaced {
            logger.info("peer \(peer): a newer connection replaces connection \(replaced.id)")
            replaced.channel.close(promise: nil)
        }
        return id
    }

    /// Takes an inbound connection slot; false when all `maxInboundConnections` are in use.
    func admitInbound() -> Bool {
        state.withLockedValue { state in
            guard state.inboundConnections < limits.maxInboundConnections else {
                state.counters.connectionsRefused += 1
                return false
            }
            state.inboundConnections += 1
            return true
        }
    }

    func releaseInbound() {
        state.withLockedValue { state in
            precondition(state.inboundConnections > 0, "inbound connection count underflow")
            state.inboundConnections -= 1
        }
    }

    func unregister(peer: PublicKey, id: UInt64) {
        // Outbox first: once the peer shows as disconnected, a new message must stay queued
        // rather than go to this dying connection's writer.
        outboxes[peer]?.detach(owner: id)
        state.withLockedValue { state in
            if state.connections[peer]?.id == id { state.connections[peer] = nil }
        }
    }
}
