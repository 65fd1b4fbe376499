public import Ledger

/// Authorisations (授权): holder-signed or identity-provider-attested grants, revocation,
/// delegation to an agent, expiry by block time.
enum AuthorisationContract {
    static let name = AuthorisationCall.contractName

    static func invoke(_ call: AuthorisationCall, in context: inout ContractContext)
        throws(ContractError)
    {
        switch call {
        case let .bindHolderKey(holder, holderKey):
            try bindHolderKey(holder, holderKey, in: &context)
        case let .grant(terms, attestation):
            try grant(terms, attestation, in: &context)
        case let .revoke(grantID, attestation):
            try revoke(grantID, attestation, in: &context)
        case let .delegate(grantID, newGrantID, agent, validUntilMs):
            try delegate(grantID, newGrantID, agent, validUntilMs, in: &context)
        case let .unbindHolderKey(holder, holderKey):
            // The grants stay: they belong to the commitment. Only the lost key stops
            // counting as the holder's.
            guard context.exists(GrantKeys.holderKey(holder, holderKey)) else {
                throw ContractError(
                    .notFound, "key \(holderKey.hex.prefix(16)) is not bound to the holder")
            }
            context.delete(GrantKeys.holderKey(holder, holderKey))
            // The owner record stays: a key serves its first commitment for good. Bound
            // later to another one, the chain's history (the bound, unbound and bound events)
            // would join the two commitments for every reader.
            context.emit(
                name, "holderKeyUnbound", [("holder", holder.hex), ("key", holderKey.hex)])
        case let .mandate(mandate, attestation):
            try MandateRules.give(mandate, attestation, in: &context)
        case let .revokeMandate(mandateID, attestation):
            try MandateRules.revoke(mandateID, attestation, in: &context)
        }
    }

    /// Binds a holder's own key to their commitment, refusing a key that was ever bound to
    /// another commitment (even if unbound since): the two commitments (say, one person's
    /// `authorisation` and `bills` commitments) would be joined through it for every reader
    /// of the chain.
    private static func bindHolderKey(
        _ holder: Hash256, _ holderKey: PublicKey, in context: inout ContractContext
    ) throws(ContractError) {
        let ownerKey = GrantKeys.holderKeyOwner(holderKey)
        if let owner = try context.get(Hash256.self, at: ownerKey), owner != holder {
            throw ContractError(
                .holderKeyBoundElsewhere,
                "key \(holderKey.hex.prefix(16)) is or was bound to another holder; "
                    + "a holder uses one key per commitment, and a new key after a loss")
        }
        context.put(holder, at: ownerKey)
        context.putBytes([], at: GrantKeys.holderKey(holder, holderKey))
        context.emit(name, "holderKeyBound", [("holder", holder.hex), ("key", holderKey.hex)])
    }

    private static func grant(
        _ terms: GrantTerms, _ attestation: Attestation, in context: inout ContractContext
    )
        throws(ContractError)
    {
        try validate(terms, in: context)
        let chainID = try GovernanceContract.parameters(in: context).chainID
        let attestedBy = try checkConsent(
            attestation, holder: terms.holder, signedBytes: terms.signingBytes(chainID: chainID),
            in: context)
        var mandateID: String?
        if case let .agentSignature(id, _, _) = attestation {
            try MandateRules.requireAllows(id, terms, in: context)
            mandateID = id
        }
        // Consent is checked before a replay is recognised, so only whoever could make the
        // grant learns that it exists.
        if let earlier = try context.get(GrantRecord.self, at: GrantKeys.grant(terms.grantID)) {
            guard earlier.parentGrantID == nil, earlier.terms == terms,
                earlier.attestedBy == attestedBy, earlier.mandateID == mandateID
            else {
                throw ContractError(
                    .alreadyExists, "grant \(terms.grantID) exists with other terms")
            }
            emitReplayed(earlier, in: &context)
            return
        }
        let record = GrantRecord(
            terms: terms, attestedBy: attestedBy, parentGrantID: nil,
            grantedAtHeight: context.blockHeight, mandateID: mandateID)
        store(record, in: &context)
    }

    /// A retried grant or delegation: success, nothing written.
    private static func emitReplayed(_ earlier: GrantRecord, in context: inout ContractContext) {
        context.emit(
            name, "replayed",
            [
                ("grant", earlier.terms.grantID),
                ("status", earlier.revoked ? "revoked" : "recorded"),
                ("height", String(earlier.grantedAtHeight)),
            ])
    }

    /// Checks terms; a grant id already taken is left to the caller, which tells a retry
    /// (same terms: a no-op) from a conflict (301).
    private static func validate(_ terms: GrantTerms, in context: ContractContext)
        throws(ContractError)
    {
        try Identifier.validate(terms.grantID, "grant id")
        try Identifier.validate(terms.purpose, "purpose")
        try terms.consent.validate()
        try Identifier.validateAll(terms.scope.licenceIDs + terms.scope.licenceTypes, "scope entry")
        try Identifier.validateAll(terms.scope.dataCategories, "data category")
        guard !terms.scope.isEmpty else {
            throw ContractError(.invalidArgument, "a grant needs a non-empty scope")
        }
        guard terms.validFromMs < terms.validUntilMs else {
            throw ContractError(.invalidArgument, "valid-from must be before valid-until")
        }
        guard context.exists(GovernanceKeys.organisation(terms.granteeOrganisation)) else {
            throw ContractError(.notFound, "no organisation \(terms.granteeOrganisation)")
        }
    }

    /// Verifies the holder's consent; returns who attested it. For an agent's signature it
    /// checks the key and signature against the mandate's agent and that the mandate is the
    /// holder's and live; what the mandate allows is the caller's to check.
    static func checkConsent(
        _ attestation: Attestation, holder: Hash256, signedBytes: [UInt8],
        in context: ContractContext
    ) throws(ContractError) -> String {
        switch attestation {
        case .identityProvider:
            return context.organisationID
        case let .holderSignature(holderKey, signature):
            guard context.exists(GrantKeys.holderKey(holder, holderKey)) else {
                throw ContractError(
                    .invalidHolderSignature,
                    "key \(holderKey.hex.prefix(16)) is not bound to the holder")
            }
            guard holderKey.isValidSignature(signature, for: signedBytes) else {
                throw ContractError(
                    .invalidHolderSignature, "the holder's signature does not verify")
            }
            return "holder-signature"
        case let .agentSignature(mandateID, agentKey, signature):
            let mandate = try MandateRules.liveMandate(mandateID, of: holder, in: context)
            guard context.exists(GrantKeys.holderKey(mandate.agent, agentKey)) else {
                throw ContractError(
                    .invalidHolderSignature,
                    "key \(agentKey.hex.prefix(16)) is not bound to the agent of \(mandateID)")
            }
            guard agentKey.isValidSignature(signature, for: signedBytes) else {
                throw ContractError(
                    .invalidHolderSignature, "the agent's signature does not verify")
            }
            return "agent:\(mandateID)"
        }
    }

    private static func revoke(
        _ grantID: String, _ attestation: Attestation, in context: inout ContractContext
    )
        throws(ContractError)
    {
        guard var record = try context.get(GrantRecord.self, at: GrantKeys.grant(grantID)) else {
            throw ContractError(.notFound, "no grant \(grantID)")
        }
        guard !record.revoked else {
            throw ContractError(.invalidTransition, "grant \(grantID) is already revoked")
        }
        let chainID = try GovernanceContract.parameters(in: context).chainID
        let signed = AuthorisationCall.revocationSigningBytes(chainID: chainID, grantID: grantID)
        _ = try checkConsent(
            attestation, holder: record.terms.holder, signedBytes: signed, in: context)
        record.revoked = true
        context.put(record, at: GrantKeys.grant(grantID))
        context.emit(name, "revoked", [("grant", grantID), ("holder", record.terms.holder.hex)])
    }

    private static func delegate(
        _ grantID: String, _ newGrantID: String, _ agent: String, _ validUntilMs: UInt64,
        in context: inout ContractContext
    ) throws(ContractError) {
        guard let parent = try context.get(GrantRecord.self, at: GrantKeys.grant(grantID)) else {
            throw ContractError(.notFound, "no grant \(grantID)")
        }
        guard parent.terms.granteeOrganisation == context.organisationID else {
            throw ContractError(
                .notResponsibleOrganisation,
                "grant \(grantID) was not granted to \(context.organisationID)")
        }
        guard parent.terms.delegable else {
            throw ContractError(.invalidTransition, "grant \(grantID) is not delegable")
        }
        try Identifier.validate(newGrantID, "grant id")
        if let earlier = try context.get(GrantRecord.self, at: GrantKeys.grant(newGrantID)) {
            // Retrying a delegation: same parent, agent and end (the start was the block
            // time of the first attempt, so it is not compared).
            guard earlier.parentGrantID == grantID, earlier.terms.granteeOrganisation == agent,
                earlier.terms.validUntilMs == min(parent.terms.validUntilMs, validUntilMs)
            else {
                throw ContractError(.alreadyExists, "grant \(newGrantID) exists with other terms")
            }
            emitReplayed(earlier, in: &context)
            return
        }
        let live = try GrantLiveness.isLive(parent, in: context)
        guard live else {
            throw ContractError(
                .noLiveGrant, "grant \(grantID) is not live at \(context.blockTimeMs)")
        }
        var terms = parent.terms
        terms.grantID = newGrantID
        terms.granteeOrganisation = agent
        // A delegation never outlives, or starts before, what it was made from.
        terms.validFromMs = max(terms.validFromMs, context.blockTimeMs)
        terms.validUntilMs = min(terms.validUntilMs, validUntilMs)
        terms.delegable = false
        try validate(terms, in: context)
        let record = GrantRecord(
            terms: terms, attestedBy: parent.attestedBy, parentGrantID: grantID,
            grantedAtHeight: context.blockHeight)
        store(record, in: &context)
    }

    private static func store(_ record: GrantRecord, in context: inout ContractContext) {
        let terms = record.terms
        context.put(record, at: GrantKeys.grant(terms.grantID))
        context.putBytes([], at: GrantKeys.byHolder(terms.holder, terms.grantID))
        context.emit(
            name, record.parentGrantID == nil ? "granted" : "delegated",
            [
                ("grant", terms.grantID), ("holder", terms.holder.hex),
                ("grantee", terms.granteeOrganisation),
                ("purpose", terms.purpose), ("validFromMs", String(terms.validFromMs)),
                ("validUntilMs", String(terms.validUntilMs)),
                ("parent", record.parentGrantID ?? ""),
            ])
    }
}
