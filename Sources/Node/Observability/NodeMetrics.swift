public import Prometheus

/// The node's Prometheus metrics (served at /metrics). Each node owns its registry, so
/// several nodes in one test process never share counters.
///
/// Every metric is made through the registry itself, not the swift-metrics facade, because
/// only the registry takes HELP text; `promtool check metrics` flags a metric without it.
/// Each HELP line ends with the metric's unit in brackets, and names end in the unit's
/// suffix where Prometheus has one (`_seconds`, `_bytes`, `_total`), so a dashboard never
/// guesses. docs/api.md lists them.
public struct NodeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let height: Gauge
    public let round: Gauge
    public let roundChanges: Counter
    public let peers: Gauge
    public let mempoolTransactions: Gauge
    public let mempoolBytes: Gauge
    public let transactionsCommitted: Counter
    public let transactionsRefused: Counter
    public let blocksCommitted: Counter
    public let commitLatency: DurationHistogram
    public let consensusMessagesDropped: Counter
    public let catchingUp: Gauge
    /// Catch-up replies and evidence submissions the consensus driver did not start because
    /// its bounded set of background jobs was full.
    public let backgroundJobsDropped: Counter
    /// Catch-up replies (sync responses, decision batches) or frames of them not sent
    /// because the recipient's budget or the node's in-flight bound was used up.
    public let syncRepliesDropped: Counter
    /// Bytes of catch-up replies sent.
    public let syncBytesSent: Counter
    /// Blocks that could not be sent in a catch-up reply: larger than one transport frame.
    public let syncBlocksOversized: Counter

    /// Commit latency buckets: a healthy devnet commits within tens of milliseconds of the
    /// block's time; the top buckets catch a node that is catching up.
    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2_500), .seconds(5), .seconds(10), .seconds(30),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func gauge(_ name: String, _ help: String) -> Gauge {
            registry.makeGauge(name: name, help: help)
        }
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(name: name, help: help)
        }
        height = gauge("govchain_height", "Height of the last block this node committed [blocks].")
        round = gauge(
            "govchain_consensus_round", "Consensus round of the height being agreed [rounds].")
        roundChanges = counter(
            "govchain_consensus_round_changes_total",
            "Rounds entered after round 0, i.e. failed rounds [rounds].")
        peers = gauge("govchain_peers", "Peers with an authenticated connection [peers].")
        mempoolTransactions = gauge(
            "govchain_mempool_transactions", "Transactions waiting in the mempool [transactions].")
        mempoolBytes = gauge(
            "govchain_mempool_bytes", "Encoded size of the mempool's transactions [bytes].")
        transactionsCommitted = counter(
            "govchain_transactions_committed_total",
            "Transactions in blocks this node committed [transactions].")
        transactionsRefused = counter(
            "govchain_transactions_refused_total",
            "Transactions this node's API refused at admission [transactions].")
        blocksCommitted = counter(
            "govchain_blocks_committed_total", "Blocks this node committed [blocks].")
        commitLatency = registry.makeDurationHistogram(
            name: "govchain_commit_latency_seconds", buckets: Self.latencyBuckets,
            help: "Time from a block's header time to its local commit [seconds].")
        consensusMessagesDropped = counter(
            "govchain_consensus_messages_dropped_total",
            "Consensus messages dropped: invalid, or the driver's bounded inbox full [messages].")
        catchingUp = gauge(
            "govchain_catching_up",
            "1 while the node syncs blocks from a peer ahead, else 0 [bool].")
        backgroundJobsDropped = counter(
            "govchain_driver_background_jobs_dropped_total",
            "Catch-up replies or evidence submissions not started: job bound full [jobs].")
        syncRepliesDropped = counter(
            "govchain_sync_replies_dropped_total",
            "Catch-up replies or frames not sent: peer budget or in-flight bound used [replies].")
        syncBytesSent = counter(
            "govchain_sync_bytes_sent_total", "Bytes of catch-up replies sent to peers [bytes].")
        syncBlocksOversized = counter(
            "govchain_sync_blocks_oversized_total",
            "Blocks too large for one peer frame, not sent in a catch-up reply [blocks].")
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}
