/// Measurements of this machine's ceiling and open-loop load generation (issue: benchmarks).
///
/// Two halves:
/// - `Ceiling`: what bounds any chain on this machine, measured in the same run as the load
///   (Ed25519 verifications on all cores, SHA-256 throughput, synced RocksDB batches), and the
///   ceiling TPS of an n-validator cluster that shares these cores.
/// - `LoadGenerator`: CometBFT's and Caliper's open-loop method. Transactions are signed
///   before the clock starts, sent on schedule whatever the responses, each timed from
///   submission to the node's commit acknowledgement (`POST /v1/transactions?wait=true`).
public enum Benchmarks {
    /// The value at quantile `q` (0...1) of `sorted` (nearest rank), 0 when empty.
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// Rounds to `places` decimals, for readable JSON.
    static func rounded(_ value: Double, _ places: Int = 1) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}
