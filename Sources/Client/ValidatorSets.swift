internal import Foundation
internal import GovChainAPI
public import Ledger
internal import Synchronization

/// The validator sets a client has verified, from its genesis on: which keys certify which
/// block, learned from nodes and trusted only as far as certified headers vouch for them.
///
/// A node lists every set with the first height it certifies (`GET /v1/validator-sets`).
/// The first must be the genesis set from height 1. Each later set `S` from height `a` is
/// accepted only when block `a - 1`, certified by a quorum of the set before `S`, carries
/// `S`'s hash in its `nextValidatorsHash`. A node that leaves a change out makes the blocks
/// after it fail to verify (fail closed); a node that invents one needs a quorum of an
/// earlier set to sign a false header: the usual light-client assumption (docs/api.md).
public struct VerifiedValidatorSets: Sendable, Equatable {
    /// In height order; the first is the genesis set from height 1.
    public private(set) var sets: [(fromHeight: UInt64, set: ValidatorSet)]
    /// The last height whose set these entries determine: the node's height when they were
    /// listed, plus one (block `n` names the set of `n + 1`).
    public private(set) var knownThrough: UInt64

    /// At most this many sets are read from a node (each change needs an approved
    /// governance proposal; a province makes a few a year).
    public static let maxSets = 4_096

    init(genesis: ValidatorSet) {
        sets = [(1, genesis)]
        knownThrough = 0
    }

    /// The set that certifies block `height`, if these entries determine it.
    public func set(forHeight height: UInt64) -> ValidatorSet? {
        guard height >= 1, height <= knownThrough else { return nil }
        return sets.last(where: { $0.fromHeight <= height })?.set
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.knownThrough == rhs.knownThrough && lhs.sets.elementsEqual(rhs.sets) { $0 == $1 }
    }

    /// These entries extended by a node's list, each new set checked against the certified
    /// header that names it.
    /// - Parameters:
    ///   - listed: the node's whole list, as of `height`.
    ///   - certifiedBlock: fetches block `h` and checks its certificate against `set`.
    func extended(
        by listed: [ValidatorSetView], asOf height: UInt64,
        certifiedBlock: (UInt64, ValidatorSet) async throws(ClientError) -> Block
    ) async throws(ClientError) -> VerifiedValidatorSets {
        guard listed.count <= Self.maxSets else { throw .verificationFailed("the node lists \(listed.count) validator sets") }
        var next = self
        for (position, view) in listed.enumerated() {
            let set = try Self.decode(view)
            if position < sets.count {
                // What was verified before must be listed again unchanged.
                guard sets[position].fromHeight == view.fromHeight, sets[position].set == set else {
                    throw .verificationFailed(
                        "validator set \(position) (from height \(view.fromHeight)) differs from the one verified before")
                }
                continue
            }
            guard let previous = next.sets.last, view.fromHeight > previous.fromHeight, view.fromHeight >= 2 else {
                throw .verificationFailed("validator sets are not listed in height order")
            }
            // Blocks up to `knownThrough` were verified against the sets known then: a set
            // listed only now that would have certified one of them contradicts them.
            guard view.fromHeight > knownThrough else {
                throw .verificationFailed(
                    "the node lists a validator set from height \(view.fromHeight), which earlier verified blocks contradict")
            }
            let namingHeight = view.fromHeight - 1
            // Its naming header is not committed yet: it certifies no committed block either.
            guard namingHeight <= height else { break }
            let naming = try await certifiedBlock(namingHeight, previous.set)
            guard naming.header.nextValidatorsHash == set.hash else {
                throw .verificationFailed(
                    "block \(namingHeight) names another validator set than the one listed from height \(view.fromHeight)")
            }
            next.sets.append((view.fromHeight, set))
        }
        let (through, overflow) = height.addingReportingOverflow(1)
        next.knownThrough = overflow ? height : max(knownThrough, through)
        return next
    }

    static func decode(_ view: ValidatorSetView) throws(ClientError) -> ValidatorSet {
        var validators: [Validator] = []
        for member in view.validators.prefix(ValidatorSet.maxValidators + 1) {
            guard let key = PublicKey(hex: member.publicKey), let networkKey = PublicKey(hex: member.networkKey) else {
                throw .verificationFailed("validator set from height \(view.fromHeight): a key is not hex")
            }
            validators.append(Validator(
                name: member.name, publicKey: key, address: member.address, networkKey: networkKey))
        }
        guard let set = ValidatorSet.checked(validators) else {
            throw .verificationFailed(
                "validator set from height \(view.fromHeight): not 1...\(ValidatorSet.maxValidators) distinct keys")
        }
        guard set.hash.hex == view.hash else {
            throw .verificationFailed("validator set from height \(view.fromHeight): its hash does not match its members")
        }
        return set
    }
}

/// A reader's verified sets, shared by its copies and grown as it reads later blocks.
final class ValidatorSetCache: Sendable {
    private let verified: Mutex<VerifiedValidatorSets>

    init(genesis: ValidatorSet) { verified = Mutex(VerifiedValidatorSets(genesis: genesis)) }

    var current: VerifiedValidatorSets { verified.withLock { $0 } }

    /// Keeps `candidate` unless another task meanwhile verified further.
    func offer(_ candidate: VerifiedValidatorSets) {
        verified.withLock { known in
            if candidate.knownThrough > known.knownThrough, candidate.sets.count >= known.sets.count { known = candidate }
        }
    }
}
