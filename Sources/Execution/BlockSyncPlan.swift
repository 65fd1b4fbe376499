/// Which committed heights to send for a peer's block-sync request. Shared by the node and
/// the simulator, so the simulator's extreme-request adversary exercises the node's own
/// arithmetic.
public enum BlockSyncPlan {
    /// The heights to answer `fromHeight` / `count` with, or nil when there is nothing to
    /// send: never more than `maxBatch`, never past `tip`, and no arithmetic that can
    /// overflow on hostile values (issue 17, finding 2: `fromHeight + count - 1` trapped on
    /// `fromHeight = UInt64.max`).
    public static func heights(
        fromHeight: UInt64, count: UInt32, tip: UInt64, maxBatch: UInt32
    ) -> ClosedRange<UInt64>? {
        guard count > 0, maxBatch > 0, fromHeight > 0, fromHeight <= tip else { return nil }
        let wanted = UInt64(min(count, maxBatch))
        // fromHeight <= tip, so tip - fromHeight cannot underflow.
        let upper = fromHeight + min(wanted - 1, tip - fromHeight)
        return fromHeight...upper
    }

    /// The arithmetic of today's main before the fix, without its trap: wrapping where it
    /// trapped. Only the simulator's mutation test uses it, to show that the extreme-sync
    /// adversary finds the overflow (the returned bounds are then out of order or past the
    /// tip, where the node would have trapped).
    public static func uncheckedBounds(
        fromHeight: UInt64, count: UInt32, maxBatch: UInt32
    ) -> (lower: UInt64, upper: UInt64, overflowed: Bool) {
        let (sum, overflow) = fromHeight.addingReportingOverflow(UInt64(min(count, maxBatch)))
        return (fromHeight, sum &- 1, overflow)
    }
}
