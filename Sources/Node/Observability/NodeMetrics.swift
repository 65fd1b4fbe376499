public import Metrics
public import Prometheus

/// The node's Prometheus metrics (served at /metrics). Each node owns its registry, so
/// several nodes in one test process never share counters.
public struct NodeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let height: Metrics.Gauge
    public let round: Metrics.Gauge
    public let roundChanges: Metrics.Counter
    public let peers: Metrics.Gauge
    public let mempoolTransactions: Metrics.Gauge
    public let mempoolBytes: Metrics.Gauge
    public let transactionsCommitted: Metrics.Counter
    public let transactionsRefused: Metrics.Counter
    public let blocksCommitted: Metrics.Counter
    public let commitLatency: Metrics.Timer
    public let consensusMessagesDropped: Metrics.Counter
    public let catchingUp: Metrics.Gauge
    /// Catch-up replies and evidence submissions the consensus driver did not start because
    /// its bounded set of background jobs was full.
    public let backgroundJobsDropped: Metrics.Counter
    /// Catch-up replies (sync responses, decision batches) or frames of them not sent
    /// because the recipient's budget or the node's in-flight bound was used up.
    public let syncRepliesDropped: Metrics.Counter
    /// Bytes of catch-up replies sent.
    public let syncBytesSent: Metrics.Counter
    /// Blocks that could not be sent in a catch-up reply: larger than one transport frame.
    public let syncBlocksOversized: Metrics.Counter

    public init() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        self.registry = registry
        height = Metrics.Gauge(label: "govchain_height", factory: factory)
        round = Metrics.Gauge(label: "govchain_consensus_round", factory: factory)
        roundChanges = Metrics.Counter(label: "govchain_consensus_round_changes_total", factory: factory)
        peers = Metrics.Gauge(label: "govchain_peers", factory: factory)
        mempoolTransactions = Metrics.Gauge(label: "govchain_mempool_transactions", factory: factory)
        mempoolBytes = Metrics.Gauge(label: "govchain_mempool_bytes", factory: factory)
        transactionsCommitted = Metrics.Counter(label: "govchain_transactions_committed_total", factory: factory)
        transactionsRefused = Metrics.Counter(label: "govchain_transactions_refused_total", factory: factory)
        blocksCommitted = Metrics.Counter(label: "govchain_blocks_committed_total", factory: factory)
        commitLatency = Metrics.Timer(label: "govchain_commit_latency_seconds", factory: factory)
        consensusMessagesDropped = Metrics.Counter(label: "govchain_consensus_messages_dropped_total", factory: factory)
        catchingUp = Metrics.Gauge(label: "govchain_catching_up", factory: factory)
        backgroundJobsDropped = Metrics.Counter(
            label: "govchain_driver_background_jobs_dropped_total", factory: factory)
        syncRepliesDropped = Metrics.Counter(
            label: "govchain_sync_replies_dropped_total", factory: factory)
        syncBytesSent = Metrics.Counter(label: "govchain_sync_bytes_sent_total", factory: factory)
        syncBlocksOversized = Metrics.Counter(
            label: "govchain_sync_blocks_oversized_total", factory: factory)
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}
