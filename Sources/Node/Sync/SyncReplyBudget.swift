public import Ledger
internal import NIOConcurrencyHelpers

/// What one node spends answering other nodes' catch-up needs: sync responses and the
/// decisions consensus sends to a validator it saw lagging.
///
/// Both replies are cheap to ask for and dear to give (a replayed old vote or a 20-byte
/// sync request costs the sender nothing and makes every honest node read and send up to
/// 64 blocks), so each RECIPIENT gets a budget of replies and bytes per time window, and
/// the node runs a bounded number of replies at once. What is over budget is dropped and
/// counted: the laggard asks again (sync retries every 2 s, consensus re-sends old-height
/// messages), so a drop delays an honest catch-up and never loses it.
public final class SyncReplyBudget: Sendable {
    public struct Limits: Sendable, Equatable {
        public var windowMs: UInt64
        /// Replies (sync responses and decision batches) started per recipient per window.
        public var maxRepliesPerWindow: Int
        /// Bytes sent per recipient per window; a frame is sent only if it fits, or if it
        /// is the window's first (so a frame limit above this budget still makes progress).
        public var maxBytesPerWindow: Int
        /// Replies being read or sent at once, over all recipients.
        public var maxInFlight: Int
        /// Replies being read or sent at once to one recipient.
        public var maxInFlightPerPeer: Int

        public init(
            windowMs: UInt64 = 1_000, maxRepliesPerWindow: Int = 8,
            maxBytesPerWindow: Int = 32 << 20,
            maxInFlight: Int = 4, maxInFlightPerPeer: Int = 1
        ) {
            self.windowMs = max(windowMs, 1)
            self.maxRepliesPerWindow = max(maxRepliesPerWindow, 1)
            self.maxBytesPerWindow = max(maxBytesPerWindow, 1)
            self.maxInFlight = max(maxInFlight, 1)
            self.maxInFlightPerPeer = max(maxInFlightPerPeer, 1)
        }
    }

    /// Why a reply was not started (a frame over the byte budget is `spend` returning false).
    public enum Refusal: String, Sendable, Equatable {
        case nodeBusy = "node_busy"
        case peerBusy = "peer_busy"
        case tooManyReplies = "too_many_replies"
    }

    struct PeerWindow {
        var startMs: UInt64
        var replies = 0
        var bytes = 0
        var inFlight = 0
    }

    struct State {
        var peers: [PublicKey: PeerWindow] = [:]
        var inFlight = 0
    }

    public let limits: Limits
    /// Recipients tracked at once: replies go to genesis validators only, so this is never
    /// reached by honest use; it bounds the table if that ever changes.
    let maxTrackedPeers: Int
    private let state = NIOLockedValueBox(State())

    public init(limits: Limits, maxTrackedPeers: Int = 1_024) {
        self.limits = limits
        self.maxTrackedPeers = max(maxTrackedPeers, 1)
    }

    /// Starts a reply to `peer` if the node and the peer have room; every successful `begin`
    /// must be paired with one `end(peer:)`.
    public func begin(peer: PublicKey, nowMs: UInt64) -> Refusal? {
        state.withLockedValue { state -> Refusal? in
            guard state.inFlight < limits.maxInFlight else { return .nodeBusy }
            if state.peers[peer] == nil, state.peers.count >= maxTrackedPeers {
                // Forget idle recipients whose window is over; refuse if none is.
                state.peers = state.peers.filter {
                    $0.value.inFlight > 0 || !isOver($0.value, nowMs)
                }
                guard state.peers.count < maxTrackedPeers else { return .nodeBusy }
            }
            var window = state.peers[peer] ?? PeerWindow(startMs: nowMs)
            if isOver(window, nowMs) {
                window = PeerWindow(startMs: nowMs, inFlight: window.inFlight)
            }
            guard window.inFlight < limits.maxInFlightPerPeer else { return .peerBusy }
            guard window.replies < limits.maxRepliesPerWindow else { return .tooManyReplies }
            window.replies += 1
            window.inFlight += 1
            state.inFlight += 1
            state.peers[peer] = window
            return nil
        }
    }

    /// Charges `bytes` to `peer`'s window before a frame is sent; false (nothing charged)
    /// when the frame does not fit what is left.
    public func spend(_ bytes: Int, peer: PublicKey, nowMs: UInt64) -> Bool {
        state.withLockedValue { state -> Bool in
            guard state.peers[peer] != nil || state.peers.count < maxTrackedPeers else {
                return false
            }
            var window = state.peers[peer] ?? PeerWindow(startMs: nowMs)
            if isOver(window, nowMs) {
                window = PeerWindow(startMs: nowMs, replies: 1, inFlight: window.inFlight)
            }
            guard window.bytes == 0 || bytes <= limits.maxBytesPerWindow - window.bytes else {
                state.peers[peer] = window
                return false
            }
            window.bytes += bytes
            state.peers[peer] = window
            return true
        }
    }

    /// Ends a reply that `begin` started.
    public func end(peer: PublicKey) {
        state.withLockedValue { state in
            precondition(state.inFlight > 0, "end without begin")
            state.inFlight -= 1
            if var window = state.peers[peer], window.inFlight > 0 {
                window.inFlight -= 1
                state.peers[peer] = window
            }
        }
    }

    /// Replies running now (for tests and metrics).
    public var inFlight: Int { state.withLockedValue { $0.inFlight } }

    private func isOver(_ window: PeerWindow, _ nowMs: UInt64) -> Bool {
        // A clock that stepped back starts a new window rather than stretching the old one.
        nowMs < window.startMs || nowMs - window.startMs >= limits.windowMs
    }
}
