public import Ledger

/// Licence use (用证): allowed only with a live grant covering the licence, the caller's
/// organisation and the purpose at the block time, or on a statutory-duty basis naming the
/// service item. Every use is recorded.
enum LicenceUseContract {
    static let name = LicenceUseCall.contractName

    static func invoke(_ call: LicenceUseCall, in context: inout ContractContext)
        throws(ContractError)
    {
        switch call {
        case let .use(licenceID, purpose, itemCode, basis):
            try Identifier.validate(purpose, "purpose")
            try Identifier.validate(itemCode, "service-item code")
            let licenceKey = LicenceKeys.licence(licenceID)
            guard let licence = try context.get(LicenceRecord.self, at: licenceKey) else {
                throw ContractError(.notFound, "no licence \(licenceID)")
            }
            guard licence.isCurrent(atMs: context.blockTimeMs) else {
                throw ContractError(
                    .licenceNotCurrent,
                    "licence \(licenceID) is \(licence.effectiveStatus(atMs: context.blockTimeMs))")
            }
            var grantID: String?
            if case let .grant(id) = basis {
                try requireLiveGrant(id, licence: licence, purpose: purpose, in: context)
                grantID = id
            }
            let record = UseRecord(
                licenceID: licenceID, userOrganisation: context.organisationID,
                userKey: context.caller.publicKey,
                purpose: purpose, itemCode: itemCode, grantID: grantID, txID: context.txID,
                height: context.blockHeight, blockTimeMs: context.blockTimeMs)
            context.put(
                record,
                at: LicenceKeys.use(licenceID, height: context.blockHeight, txID: context.txID))
            context.emit(
                name, "used",
                [
                    ("licence", licenceID), ("user", context.organisationID), ("purpose", purpose),
                    ("itemCode", itemCode),
                    ("basis", grantID.map { "grant:\($0)" } ?? "statutory-duty"),
                    ("blockTimeMs", String(context.blockTimeMs)),
                ])
        }
    }

    private static func requireLiveGrant(
        _ grantID: String, licence: LicenceRecord, purpose: String, in context: ContractContext
    ) throws(ContractError) {
        guard let grant = try context.get(GrantRecord.self, at: GrantKeys.grant(grantID)) else {
            throw ContractError(.noLiveGrant, "no grant \(grantID)")
        }
        let terms = grant.terms
        guard terms.granteeOrganisation == context.organisationID else {
            throw ContractError(
                .noLiveGrant,
                "grant \(grantID) names \(terms.granteeOrganisation), not \(context.organisationID)"
            )
        }
        guard terms.holder == licence.holder else {
            throw ContractError(
                .noLiveGrant, "grant \(grantID) is from another holder than licence \(licence.id)'s"
            )
        }
        guard terms.scope.covers(licenceID: licence.id, licenceType: licence.licenceType) else {
            throw ContractError(
                .noLiveGrant, "grant \(grantID) does not cover licence \(licence.id)")
        }
        guard terms.purpose == purpose else {
            throw ContractError(
                .noLiveGrant, "grant \(grantID) is for purpose \(terms.purpose), not \(purpose)")
        }
        let live = try GrantLiveness.isLive(grant, atMs: context.blockTimeMs) {
            id throws(ContractError) in
            try context.get(GrantRecord.self, at: GrantKeys.grant(id))
        }
        guard live else {
            throw ContractError(
                .noLiveGrant,
                "grant \(grantID) is revoked or outside its validity at \(context.blockTimeMs)")
        }
    }
}
