internal import NIOConcurrencyHelpers
public import Ledger

/// The snapshot a node serves to peers joining by state sync: made on the first request,
/// kept in memory (ONE snapshot at a time: this is the bound on what serving holds), and
/// made again on a request once the chain has moved `refreshBlocks` past it, at most once per
/// `minRebuildMs`, one build at a time (a request during a build gets the old snapshot, or
/// "none yet", and the asker retries).
public final class SnapshotServer: Sendable {
    public struct Limits: Sendable {
        public var refreshBlocks: UInt64 = 1_000
        public var minRebuildMs: UInt64 = 30_000
        public init() {}
    }

    struct Served: Sendable {
        var made: StateSnapshots.Made
        var manifestBytes: [UInt8]
    }

    struct State: Sendable {
        var served: Served?
        var building = false
        var builtAtMs: UInt64 = 0
    }

    let limits: Limits
    private let state = NIOLockedValueBox(State())

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Whether a request at `tip` should build a new snapshot now; if so, marks a build as
    /// running (the caller must call `built` or `buildFailed`).
    func claimBuild(tip: UInt64, nowMs: UInt64) -> Bool {
        state.withLockedValue { state in
            guard !state.building, tip >= 2 else { return false }
            if let served = state.served {
                let height = served.made.manifest.height
                guard tip > height, tip - height > limits.refreshBlocks else { return false }
            }
            // Throttled after a failure too: a store that cannot make a snapshot is not
            // read in full again on every request.
            guard state.builtAtMs == 0 || nowMs >= state.builtAtMs + limits.minRebuildMs else { return false }
            state.building = true
            return true
        }
    }

    func built(_ made: StateSnapshots.Made, nowMs: UInt64) {
        state.withLockedValue { state in
            state.served = Served(made: made, manifestBytes: made.manifest.canonicalBytes)
            state.building = false
            state.builtAtMs = nowMs
        }
    }

    func buildFailed(nowMs: UInt64) {
        state.withLockedValue { state in
            state.building = false
            state.builtAtMs = nowMs
        }
    }

    /// The served manifest's bytes, if any.
    var manifestBytes: [UInt8]? { state.withLockedValue { $0.served?.manifestBytes } }

    /// Chunk `index` of the served snapshot if it is the snapshot at `height`.
    func chunk(height: UInt64, index: UInt32) -> [UInt8]? {
        state.withLockedValue { state in
            guard let made = state.served?.made, made.manifest.height == height,
                  Int(index) < made.chunks.count
            else { return nil }
            return made.chunks[Int(index)]
        }
    }
}
