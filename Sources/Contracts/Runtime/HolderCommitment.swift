public import Ledger

/// The keyed commitment that stands for a person on chain (脱敏): the chain's HMAC (HMAC-SHA-256,
/// or HMAC-SM3 on an `sm2-sm3` chain) of their ID number under the chain's pepper, which only
/// the identity provider holds. Without the pepper nobody can test a guessed ID number
/// against the chain.
///
/// A person has one commitment per context (`CommitmentContext`), so a reader of the whole
/// chain cannot join their bills to their licences and grants: only the identity provider,
/// which holds the pepper, can.
public enum HolderCommitment {
    /// `v2`: the context joined the HMAC input (`v1` had one commitment per person).
    static let domain = "govchain/holder/v2\u{0}"

    /// Computes a holder's or payer's commitment (done by the identity provider, the only
    /// holder of the pepper; departments are given the commitment).
    /// - Parameters:
    ///   - pepper: the per-chain secret key of the identity provider.
    ///   - idNumber: the ID number (or other personal identifier); surrounding spaces and
    ///     letter case are normalised so "11010...x" and "11010...X" give one commitment.
    ///   - context: where the commitment is used: `authorisation` (licences, grants,
    ///     mandates, uses, reminders, holder keys) or `bills` (payers, the bill wallet).
    /// - Returns: the 32-byte commitment the contracts store.
    public static func make(pepper: [UInt8], idNumber: String, context: CommitmentContext)
        -> Hash256
    {
        let normalised = idNumber.trimmingSpaces.uppercased()
        return ChainHash.authenticationCode(
            key: pepper, message: Array((domain + context.rawValue + "\u{0}" + normalised).utf8))
    }
}

/// The context of a commitment: one person has an unlinkable commitment in each.
///
/// Licences and grants share `authorisation` on purpose: a licence use checks that the grant's
/// holder is the licence's holder, and a grant's scope names licence ids, which joins them
/// anyway. Bills get their own context, so a person's medical bills cannot be joined to their
/// licences and grants without the identity provider.
public enum CommitmentContext: String, CaseIterable, Sendable, Hashable {
    /// Licences, grants, mandates, licence and data uses, reminders, holder key bindings.
    case authorisation
    /// The payer of a bill, and so the bill wallet.
    case bills
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
