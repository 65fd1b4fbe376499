public import Ledger

/// The validator sets a driver knows, by height: what it verifies peers' messages against
/// (a vote's index, a proposal's proposer and a certificate's signers all mean something
/// only in the set of their own height).
///
/// The driver records, after each commit of block `h`, the application's sets of `h + 1`
/// and `h + 2`; heights run in epochs of one set, and only the last `retainedEpochs` are
/// kept (a message older than that is for a peer block sync serves better).
public struct ValidatorSetHistory: Sendable, Equatable {
    public static let retainedEpochs = 16

    struct Epoch: Sendable, Equatable {
        var firstHeight: UInt64
        var set: ValidatorSet
    }

    private var epochs: [Epoch] = []
    /// The highest height whose set is known (0: none).
    public private(set) var knownThrough: UInt64 = 0

    public init() {}

    /// A history that knows `set` for `heights`.
    public init(_ set: ValidatorSet, heights: ClosedRange<UInt64>) {
        epochs = [Epoch(firstHeight: heights.lowerBound, set: set)]
        knownThrough = heights.upperBound
    }

    /// The lowest height still known.
    public var firstKnown: UInt64? { epochs.first?.firstHeight }

    /// Records the set of `height`.
    /// - Returns: false when `height` is known with a different set (two answers for one
    ///   height: a broken application), and then changes nothing.
    @discardableResult
    public mutating func record(_ set: ValidatorSet, forHeight height: UInt64) -> Bool {
        // Older than what is kept: nothing to learn or to check.
        if let first = firstKnown, height < first { return true }
        if let first = firstKnown, height >= first, height <= knownThrough {
            return self.set(forHeight: height) == set
        }
        if epochs.isEmpty || height != knownThrough + 1 {
            // A gap (or an older height than kept): start over from here.
            epochs = [Epoch(firstHeight: height, set: set)]
        } else if epochs[epochs.count - 1].set != set {
            epochs.append(Epoch(firstHeight: height, set: set))
            if epochs.count > Self.retainedEpochs { epochs.removeFirst() }
        }
        knownThrough = height
        return true
    }

    /// The set that certifies `height`, or nil when it is not known here.
    public func set(forHeight height: UInt64) -> ValidatorSet? {
        guard let first = firstKnown, height >= first, height <= knownThrough else { return nil }
        return epochs.last { $0.firstHeight <= height }?.set
    }

    /// Whether `key` is a validator's network key in any set known (no array is built: this
    /// runs for every peer's height announcement).
    public func containsPeer(_ key: PublicKey) -> Bool {
        epochs.contains { $0.set.hasNetworkKey(key) }
    }

    /// Every validator of every set known, the latest entry per peer address (whom to dial,
    /// expecting which network key: a rotated key replaces the old one at its address).
    public var validators: [Validator] {
        var byAddress: [String: Validator] = [:]
        for epoch in epochs {
            for validator in epoch.set.validators { byAddress[validator.address] = validator }
        }
        return byAddress.keys.sorted().compactMap { byAddress[$0] }
    }

    /// The network key of the validator whose consensus key is `key` in the latest set
    /// known that names it (a consensus message's signer, to reply to over the network).
    public func networkKey(ofConsensusKey key: PublicKey) -> PublicKey? {
        for epoch in epochs.reversed() {
            if let index = epoch.set.index(of: key) { return epoch.set[index].networkKey }
        }
        return nil
    }
}
