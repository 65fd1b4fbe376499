internal import NIOConcurrencyHelpers

/// Sheds client submissions a node cannot commit soon, before any work is spent on them.
///
/// Without it an overloaded node admitted up to the mempool's 50,000 transactions: it spent
/// its cores decoding, looking up, verifying and gossiping transactions that then timed out
/// in their wait, and committed less than at saturation (BENCHMARKS.md). The gate refuses
/// at the door instead (`429 busy` with `Retry-After`), on two bounds:
/// - pending transactions: the mempool may hold `pendingSeconds` of commits at the rate
///   measured over the last blocks (at least `minPending`, so a quiet chain with no rate
///   yet still takes a burst), so what is admitted commits within seconds;
/// - submissions being admitted at once (body read, decoded, looked up and verified on the
///   thread pool), so a flood cannot queue unbounded work behind the two pool threads.
public final class AdmissionGate: Sendable {
    public struct Limits: Sendable, Equatable {
        public var minPending: Int
        public var pendingSeconds: Double
        public var maxAdmitting: Int

        public init(minPending: Int = 1_000, pendingSeconds: Double = 3, maxAdmitting: Int = 256) {
            self.minPending = max(0, minPending)
            self.pendingSeconds = pendingSeconds
            self.maxAdmitting = max(1, maxAdmitting)
        }
    }

    /// A refused submission: why, and when to try again.
    public struct Refusal: Error, Sendable, Equatable {
        public let reason: String
        public let retryAfterSeconds: Int
    }

    struct State {
        /// Committed transactions per second, smoothed over windows of at least a second.
        var ratePerSecond: Double = 0
        var windowStartMs: UInt64?
        var windowCount = 0
        var admitting = 0
    }

    /// Windows shorter than this say little about the rate (a block every ~100 ms).
    static let windowMs: UInt64 = 1_000
    /// Weight of the newest window in the smoothed rate.
    static let newWeight = 0.3
    /// The longest Retry-After: a client told to wait longer would rather go elsewhere.
    static let maxRetryAfterSeconds = 10

    public let limits: Limits
    private let state = NIOLockedValueBox(State())

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// The committed rate the bound follows, per second.
    public var ratePerSecond: Double { state.withLockedValue { $0.ratePerSecond } }

    /// Pending transactions allowed now.
    public var pendingBound: Int { state.withLockedValue { bound(rate: $0.ratePerSecond) } }

    private func bound(rate: Double) -> Int {
        // Checked before conversion: Int(_:) traps on NaN, infinity or beyond Int.
        let seconds = limits.pendingSeconds > 0 ? limits.pendingSeconds : 0
        let measured = rate * seconds
        return max(limits.minPending, measured < 1e12 ? Int(measured) : 1_000_000_000_000)
    }

    /// Takes an admission slot for a submission while `pending` transactions wait in the
    /// mempool, or says why not. Every slot taken must be given back with `leave()`.
    public func enter(pending: Int) -> Refusal? {
        state.withLockedValue { state in
            guard state.admitting < limits.maxAdmitting else {
                return Refusal(
                    reason: "\(state.admitting) submissions are being admitted", retryAfterSeconds: 1)
            }
            let bound = bound(rate: state.ratePerSecond)
            let (waiting, overflow) = pending.addingReportingOverflow(state.admitting)
            guard !overflow, waiting < bound else {
                return Refusal(
                    reason: "\(pending) transactions are pending, more than this node commits in "
                        + "\(limits.pendingSeconds) s",
                    retryAfterSeconds: retryAfter(excess: overflow ? Int.max : waiting - bound,
                                                  rate: state.ratePerSecond))
            }
            state.admitting += 1
            return nil
        }
    }

    public func leave() {
        state.withLockedValue { $0.admitting = max(0, $0.admitting - 1) }
    }

    /// Seconds until `excess` transactions commit at `rate`, between 1 and the maximum.
    private func retryAfter(excess: Int, rate: Double) -> Int {
        guard rate >= 1 else { return 1 }
        let seconds = (Double(excess) / rate).rounded(.up)
        return Int(min(max(seconds, 1), Double(Self.maxRetryAfterSeconds)))
    }

    /// Feeds the rate: `count` transactions committed in a block at `nowMs`.
    public func noteCommitted(_ count: Int, nowMs: UInt64) {
        state.withLockedValue { state in
            guard let start = state.windowStartMs, nowMs >= start else {
                state.windowStartMs = nowMs
                state.windowCount = max(count, 0)
                return
            }
            let (sum, overflow) = state.windowCount.addingReportingOverflow(max(count, 0))
            state.windowCount = overflow ? Int.max : sum
            let elapsed = nowMs - start
            guard elapsed >= Self.windowMs else { return }
            let sample = Double(state.windowCount) * 1_000 / Double(elapsed)
            state.ratePerSecond = state.ratePerSecond == 0
                ? sample : Self.newWeight * sample + (1 - Self.newWeight) * state.ratePerSecond
            state.windowStartMs = nowMs
            state.windowCount = 0
        }
    }

    /// Submissions holding a slot now.
    public var admitting: Int { state.withLockedValue { $0.admitting } }
}
