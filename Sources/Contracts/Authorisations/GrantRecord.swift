public import Ledger

/// A grant as state holds it at `grant/<id>`.
public struct GrantRecord: Hashable, Sendable, CanonicalCodable {
    public var terms: GrantTerms
    /// "holder-signature", or the attesting identity provider's organisation id.
    public var attestedBy: String
    /// For a delegation: the grant it was made from (it dies with its parent).
    public var parentGrantID: String?
    public var revoked: Bool
    public var grantedAtHeight: UInt64
    /// For a grant an agent made: the mandate it was made under (it dies with the mandate).
    public var mandateID: String?

    /// Whether this grant alone (ignoring parents) is in force at `timeMs`.
    public func isInForce(atMs timeMs: UInt64) -> Bool {
        !revoked && terms.validFromMs <= timeMs && timeMs <= terms.validUntilMs
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(terms); encoder.encode(attestedBy); encoder.encode(parentGrantID)
        encoder.encode(revoked); encoder.encode(grantedAtHeight); encoder.encode(mandateID)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        terms = try decoder.decode(GrantTerms.self); attestedBy = try decoder.decodeName()
        parentGrantID = try decoder.decodeOptionalString(); revoked = try decoder.decode(Bool.self)
        grantedAtHeight = try decoder.decode(UInt64.self)
        mandateID = try decoder.decodeOptionalString()
    }

    init(
        terms: GrantTerms, attestedBy: String, parentGrantID: String?, grantedAtHeight: UInt64,
        mandateID: String? = nil
    ) {
        self.terms = terms
        self.attestedBy = attestedBy
        self.parentGrantID = parentGrantID
        self.revoked = false
        self.grantedAtHeight = grantedAtHeight
        self.mandateID = mandateID
    }
}

enum GrantKeys {
    static func grant(_ id: String) -> StateKey { StateKey("grant/\(id)") }
    static func byHolder(_ holder: Hash256) -> StateKey {
        StateKey("idx/grant-holder/\(holder.hex)/")
    }
    static func byHolder(_ holder: Hash256, _ id: String) -> StateKey {
        StateKey("idx/grant-holder/\(holder.hex)/\(id)")
    }
    static func holderKey(_ holder: Hash256, _ key: PublicKey) -> StateKey {
        StateKey("holderkey/\(holder.hex)/\(key.hex)")
    }
    /// The commitment a key is bound to (so one key never serves two commitments).
    static func holderKeyOwner(_ key: PublicKey) -> StateKey {
        StateKey("holderkeyowner/\(key.hex)")
    }
}

/// Grant liveness including the delegation chain, shared by the contracts and queries.
enum GrantLiveness {
    /// Delegation chains are short by construction; the bound only guards corrupt state.
    static let maxChain = 16

    /// Whether `grant` and every grant it was delegated from are in force at `timeMs`, and
    /// so is the mandate of each one an agent made.
    /// - Parameters:
    ///   - lookup: reads a grant by id; its error (an unreadable stored grant) is passed on,
    ///     so contracts refuse and queries answer an error instead of trapping.
    ///   - mandate: reads a mandate by id, likewise.
    static func isLive<Failure: Error>(
        _ grant: GrantRecord, atMs timeMs: UInt64,
        lookup: (String) throws(Failure) -> GrantRecord?,
        mandate: (String) throws(Failure) -> MandateRecord?
    ) throws(Failure) -> Bool {
        var current = grant
        for _ in 0..<maxChain {
            guard current.isInForce(atMs: timeMs) else { return false }
            if let mandateID = current.mandateID {
                guard let record = try mandate(mandateID), record.isInForce(atMs: timeMs)
                else { return false }
            }
            guard let parentID = current.parentGrantID else { return true }
            guard let parent = try lookup(parentID) else { return false }
            current = parent
        }
        return false
    }
}

extension GrantLiveness {
    /// `isLive` at the block's time, reading the parent grants and the mandate it depends on
    /// from the contract's state (the one lookup every contract that relies on a grant makes).
    static func isLive(_ grant: GrantRecord, in context: ContractContext) throws(ContractError)
        -> Bool
    {
        try isLive(
            grant, atMs: context.blockTimeMs,
            lookup: { id throws(ContractError) in
                try context.get(GrantRecord.self, at: GrantKeys.grant(id))
            },
            mandate: { id throws(ContractError) in
                try context.get(MandateRecord.self, at: MandateKeys.mandate(id))
            })
    }
}
