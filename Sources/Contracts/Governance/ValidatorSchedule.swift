public import Ledger

/// Which validators certify which block, derived from executed state alone.
///
/// Governance records the set in `gov/parameters`; every version of that record stays in
/// state as its history (`history/gov/parameters 0x00 <height> <tx index>`), so the state
/// after any block answers for every height up to two past it. A change committed in
/// block `h` certifies blocks from `h + activationDelay` (= `h + 2`) on: the proposer of
/// block `h + 1` has executed `h` (roots lag one block) and names that set in the header's
/// `nextValidatorsHash`, so the set of every height is certified one block before it acts
/// (docs/consensus.md, "Validator-set changes").
public enum ValidatorSchedule {
    /// Blocks between the block that commits a change and the first block it certifies.
    public static let activationDelay: UInt64 = 2

    /// The validators that certify block `height`, read from `state`, the committed state
    /// after block `tip`.
    /// - Returns: nil when `height` is 0 or more than `tip + 2` (not yet determined), or
    ///   when the record is missing or does not decode (corrupt state: the caller refuses).
    public static func validators(
        certifying height: UInt64, tip: UInt64, in state: any StateStore
    ) -> [Validator]? {
        var history: [HistoryRecord] = []
        for entry in state.entries(withPrefix: HistoryKeys.prefix(of: GovernanceKeys.parameters)) {
            guard let record = try? HistoryRecord(canonicalBytes: entry.value) else { return nil }
            history.append(record)
        }
        return validators(certifying: height, tip: tip, history: history)
    }

    /// The same, from the versions of `gov/parameters` in chain order (a contract reads them
    /// with `ContractContext.history(of:)`, this block's own changes included).
    static func validators(
        certifying height: UInt64, tip: UInt64, history: [HistoryRecord]
    ) -> [Validator]? {
        // Compared before any arithmetic: heights come from peers.
        guard height >= 1, height <= tip || height - tip <= activationDelay else { return nil }
        let cutoff = height >= activationDelay ? height - activationDelay : 0
        // In chain order (big-endian height, then tx index): the last at or before the
        // cutoff is the record as it stood after block `cutoff`.
        var chosen: [UInt8]?
        for record in history {
            guard record.height <= cutoff else { break }
            chosen = record.value
        }
        guard let chosen, let parameters = try? ChainParameters(canonicalBytes: chosen) else {
            return nil
        }
        return parameters.validators
    }
}

/// One entry of the chain's list of validator sets: `validators` certify every block from
/// `fromHeight` until the next entry's `fromHeight`.
public struct ValidatorSetChange: Sendable, Equatable {
    public let fromHeight: UInt64
    public let validators: [Validator]

    public init(fromHeight: UInt64, validators: [Validator]) {
        self.fromHeight = fromHeight
        self.validators = validators
    }
}

extension ValidatorSchedule {
    /// Every set the chain has had or has scheduled, in height order: the genesis set from
    /// height 1, then one entry per block whose governance changes left a different set
    /// (from that block + `activationDelay`). Clients check each entry against the
    /// certified header before it, which names it (`GET /v1/validator-sets`).
    /// - Returns: nil when a history record does not decode (corrupt state).
    public static func changes(in state: any StateStore) -> [ValidatorSetChange]? {
        var history: [HistoryRecord] = []
        for entry in state.entries(withPrefix: HistoryKeys.prefix(of: GovernanceKeys.parameters)) {
            guard let record = try? HistoryRecord(canonicalBytes: entry.value) else { return nil }
            history.append(record)
        }
        return changes(history: history)
    }

    static func changes(history: [HistoryRecord]) -> [ValidatorSetChange]? {
        // The record as each block left it (the last version written in that block).
        var byBlock: [(height: UInt64, value: [UInt8])] = []
        for record in history {
            guard let value = record.value else { return nil }
            if let last = byBlock.last, last.height == record.height {
                byBlock[byBlock.count - 1].value = value
            } else {
                byBlock.append((record.height, value))
            }
        }
        var changes: [ValidatorSetChange] = []
        for (height, value) in byBlock {
            guard let parameters = try? ChainParameters(canonicalBytes: value) else { return nil }
            guard parameters.validators != changes.last?.validators else { continue }
            // Genesis state (height 0) certifies from block 1; block h's change from h + 2.
            let (from, overflow) = height.addingReportingOverflow(activationDelay)
            guard !overflow else { return nil }
            changes.append(ValidatorSetChange(fromHeight: height == 0 ? 1 : from, validators: parameters.validators))
        }
        return changes
    }
}
