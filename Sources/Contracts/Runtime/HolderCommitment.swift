public import Ledger

/// The keyed commitment that stands for a person on chain (脱敏): HMAC (HMAC-SHA-256, or HMAC-SM3 on an
/// `sm2-sm3` chain) of their ID
/// number under the chain's pepper, which only the identity provider holds. Without the
/// pepper nobody can test a guessed ID number against the chain.
public enum HolderCommitment {
    static let domain = "govchain/holder/v1\u{0}"

    /// Computes a holder's or payer's commitment (done client-side, by the identity provider).
    /// - Parameters:
    ///   - pepper: the per-chain secret key of the identity provider.
    ///   - idNumber: the ID number (or other personal identifier); surrounding spaces and
    ///     letter case are normalised so "11010...x" and "11010...X" give one commitment.
    /// - Returns: the 32-byte commitment the contracts store.
    public static func make(pepper: [UInt8], idNumber: String) -> Hash256 {
        let normalised = idNumber.trimmingSpaces.uppercased()
        return ChainHash.authenticationCode(
            key: pepper, message: Array((domain + normalised).utf8))
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
