internal import Foundation
public import Hummingbird
internal import NIOConcurrencyHelpers

/// Per-caller request rate: a token bucket per signing key (or per IP address for unsigned
/// requests) refilled at `ratePerSecond` up to `burst`. A caller over it gets `429 busy` with
/// `Retry-After`, and no other caller notices. The table of buckets is bounded: idle full
/// buckets are dropped first; when every slot is busy, new callers are refused too.
final class CallerRateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updatedMs: UInt64
    }

    let ratePerSecond: Double
    let burst: Double
    let capacity: Int
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

    init(ratePerSecond: Int, burst: Int, capacity: Int = 100_000) {
        self.ratePerSecond = Double(max(ratePerSecond, 1))
        self.burst = Double(max(burst, 1))
        self.capacity = capacity
    }

    /// nil when the request may go on, else the seconds to wait.
    func take(_ identity: String, nowMs: UInt64) -> Int? {
        buckets.withLockedValue { buckets in
            if buckets[identity] == nil, buckets.count >= capacity {
                // Drop the callers whose buckets have refilled: they lose nothing.
                buckets = buckets.filter { refilled($0.value, nowMs: nowMs) < burst }
                guard buckets.count < capacity else { return 1 }
            }
            var bucket = buckets[identity] ?? Bucket(tokens: burst, updatedMs: nowMs)
            bucket.tokens = refilled(bucket, nowMs: nowMs)
            bucket.updatedMs = nowMs
            guard bucket.tokens >= 1 else {
                buckets[identity] = bucket
                return max(1, Int(((1 - bucket.tokens) / ratePerSecond).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[identity] = bucket
            return nil
        }
    }

    private func refilled(_ bucket: Bucket, nowMs: UInt64) -> Double {
        let elapsed = Double(nowMs >= bucket.updatedMs ? nowMs - bucket.updatedMs : 0) / 1_000
        return min(burst, bucket.tokens + elapsed * ratePerSecond)
    }
}

/// Open event streams per caller, bounded (the hub bounds them per node as well).
final class StreamCounter: Sendable {
    let perCaller: Int
    private let open = NIOLockedValueBox<[String: Int]>([:])

    init(perCaller: Int) { self.perCaller = max(perCaller, 1) }

    func acquire(_ identity: String) -> Bool {
        open.withLockedValue { open in
            let count = open[identity, default: 0]
            guard count < perCaller else { return false }
            open[identity] = count + 1
            return true
        }
    }

    func release(_ identity: String) {
        open.withLockedValue { open in
            let count = open[identity, default: 1] - 1
            open[identity] = count > 0 ? count : nil
        }
    }
}

/// Applies the per-caller rate to every request (after the signature check, so a signed
/// caller is counted by key, not by the address it shares with others).
struct CallerRateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let limiter: CallerRateLimiter

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let nowMs = UInt64(max(0, Date().timeIntervalSince1970 * 1_000))
        if let wait = limiter.take(context.limitIdentity, nowMs: nowMs) {
            var busy = APIError(.tooManyRequests, "busy", "request rate over \(Int(limiter.ratePerSecond))/s for this caller")
            busy.headers[.retryAfter] = String(wait)
            throw busy
        }
        return try await next(request, context)
    }
}
