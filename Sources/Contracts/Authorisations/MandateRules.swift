public import Ledger

/// Person-to-person delegation (委托): a holder mandates an agent person to grant on their
/// behalf within a scope and time; revoking the mandate ends every grant made under it
/// (`GrantLiveness` checks the mandate of each agent-made grant).
enum MandateRules {
    static let name = AuthorisationCall.contractName

    static func give(
        _ mandate: Mandate, _ attestation: Attestation, in context: inout ContractContext
    ) throws(ContractError) {
        try Identifier.validate(mandate.mandateID, "mandate id")
        try mandate.consent.validate()
        try Identifier.validateAll(mandate.purposes, "purpose")
        try Identifier.validateAll(
            mandate.scope.licenceIDs + mandate.scope.licenceTypes, "scope entry")
        try Identifier.validateAll(mandate.scope.dataCategories, "data category")
        guard !mandate.scope.isEmpty else {
            throw ContractError(.invalidArgument, "a mandate needs a non-empty scope")
        }
        guard mandate.validFromMs < mandate.validUntilMs else {
            throw ContractError(.invalidArgument, "valid-from must be before valid-until")
        }
        guard mandate.principal != mandate.agent else {
            throw ContractError(.invalidArgument, "a holder cannot mandate themselves")
        }
        if case .agentSignature = attestation {
            throw ContractError(
                .invalidHolderSignature, "a mandate is given by the principal, not by an agent")
        }
        let chainID = try GovernanceContract.parameters(in: context).chainID
        let attestedBy = try AuthorisationContract.checkConsent(
            attestation, holder: mandate.principal,
            signedBytes: mandate.signingBytes(chainID: chainID), in: context)
        let key = MandateKeys.mandate(mandate.mandateID)
        if let earlier = try context.get(MandateRecord.self, at: key) {
            // A retried call (same terms): nothing written (issue 13 item 5).
            guard earlier.mandate == mandate, earlier.attestedBy == attestedBy else {
                throw ContractError(
                    .alreadyExists, "mandate \(mandate.mandateID) exists with other terms")
            }
            context.emit(name, "replayed", [("mandate", mandate.mandateID)])
            return
        }
        let record = MandateRecord(
            mandate: mandate, attestedBy: attestedBy, grantedAtHeight: context.blockHeight)
        context.put(record, at: key)
        context.putBytes([], at: MandateKeys.byPrincipal(mandate.principal, mandate.mandateID))
        context.emit(
            name, "mandated",
            [
                ("mandate", mandate.mandateID), ("principal", mandate.principal.hex),
                ("agent", mandate.agent.hex), ("kind", mandate.kind.name),
                ("consent", mandate.consent.mode.name), ("channel", mandate.consent.channel),
                ("validUntilMs", String(mandate.validUntilMs)),
            ])
    }

    static func revoke(
        _ mandateID: String, _ attestation: Attestation, in context: inout ContractContext
    ) throws(ContractError) {
        try Identifier.validate(mandateID, "mandate id")
        let key = MandateKeys.mandate(mandateID)
        guard var record = try context.get(MandateRecord.self, at: key) else {
            throw ContractError(.notFound, "no mandate \(mandateID)")
        }
        guard !record.revoked else {
            throw ContractError(.invalidTransition, "mandate \(mandateID) is already revoked")
        }
        if case .agentSignature = attestation {
            throw ContractError(
                .invalidHolderSignature, "only the principal revokes a mandate")
        }
        let chainID = try GovernanceContract.parameters(in: context).chainID
        let signed = AuthorisationCall.mandateRevocationSigningBytes(
            chainID: chainID, mandateID: mandateID)
        _ = try AuthorisationContract.checkConsent(
            attestation, holder: record.mandate.principal, signedBytes: signed, in: context)
        record.revoked = true
        context.put(record, at: key)
        context.emit(
            name, "mandateRevoked",
            [("mandate", mandateID), ("principal", record.mandate.principal.hex)])
    }

    /// The mandate, provided it is the holder's and in force at block time.
    static func liveMandate(_ mandateID: String, of holder: Hash256, in context: ContractContext)
        throws(ContractError) -> Mandate
    {
        try Identifier.validate(mandateID, "mandate id")
        guard let record = try context.get(MandateRecord.self, at: MandateKeys.mandate(mandateID))
        else {
            throw ContractError(.noLiveMandate, "no mandate \(mandateID)")
        }
        guard record.mandate.principal == holder else {
            throw ContractError(.noLiveMandate, "mandate \(mandateID) is another holder's")
        }
        guard record.isInForce(atMs: context.blockTimeMs) else {
            throw ContractError(
                .noLiveMandate,
                "mandate \(mandateID) is revoked or outside its validity at \(context.blockTimeMs)")
        }
        return record.mandate
    }

    /// An agent's grant must stay within the mandate: scope, purpose and end.
    static func requireAllows(_ mandateID: String, _ terms: GrantTerms, in context: ContractContext)
        throws(ContractError)
    {
        let mandate = try liveMandate(mandateID, of: terms.holder, in: context)
        guard mandate.allows(terms) else {
            throw ContractError(
                .noLiveMandate,
                "grant \(terms.grantID) goes beyond mandate \(mandateID) (scope, purpose or end)")
        }
    }
}
