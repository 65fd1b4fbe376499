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
        case let .use(useID, licenceID, purpose, itemCode, basis):
            try Identifier.validate(useID, "use id")
            try Identifier.validate(purpose, "purpose")
            try Identifier.validate(itemCode, "service-item code")
            let idKey = LicenceKeys.useID(context.organisationID, useID)
            if let earlier = try recordedUse(at: idKey, in: context) {
                try replay(
                    earlier, licenceID: licenceID, purpose: purpose, itemCode: itemCode,
                    basis: basis, in: &context)
                return
            }
            try use(
                useID, licenceID: licenceID, purpose: purpose, itemCode: itemCode, basis: basis,
                in: &context)
        case let .useData(use):
            try DataUseContract.use(use, in: &context)
        }
    }

    private static func use(
        _ useID: String, licenceID: String, purpose: String, itemCode: String, basis: UseBasis,
        in context: inout ContractContext
    ) throws(ContractError) {
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
        switch basis {
        case let .grant(id):
            try requireLiveGrant(id, licence: licence, purpose: purpose, in: context)
            try DutyRegistry.requireCovered(itemCode, byGrant: id, purpose: purpose, in: context)
            grantID = id
        case .statutoryDuty:
            try DutyRegistry.requireDuty(
                itemCode, licenceType: licence.licenceType, dataCategory: nil, in: context)
        }
        let record = UseRecord(
            useID: useID, licenceID: licenceID, userOrganisation: context.organisationID,
            userKey: context.caller.publicKey,
            purpose: purpose, itemCode: itemCode, grantID: grantID, txID: context.txID,
            height: context.blockHeight, blockTimeMs: context.blockTimeMs)
        let useKey = LicenceKeys.use(licenceID, height: context.blockHeight, txID: context.txID)
        context.put(record, at: useKey)
        // The id points at the record, so a retry finds what the first attempt recorded.
        context.putBytes(useKey.bytes, at: LicenceKeys.useID(context.organisationID, useID))
        // Indexes for the holder's, the grant's and the organisation's trail (issue 18):
        // derived from the record alone, so every node writes the same keys.
        for indexKey in LicenceKeys.useIndexes(of: record, holder: licence.holder) {
            context.putBytes(useKey.bytes, at: indexKey)
        }
        context.emit(
            name, "used",
            [
                ("use", useID), ("licence", licenceID), ("user", context.organisationID),
                ("purpose", purpose), ("itemCode", itemCode),
                ("basis", grantID.map { "grant:\($0)" } ?? "statutory-duty"),
                ("blockTimeMs", String(context.blockTimeMs)),
            ])
    }

    /// The use an organisation's use id already recorded, if any.
    private static func recordedUse(at idKey: StateKey, in context: ContractContext)
        throws(ContractError) -> UseRecord?
    {
        guard let target = context.overlay.value(for: idKey) else { return nil }
        return try context.require(
            UseRecord.self, at: StateKey(bytes: target), "use id \(idKey) points at this record")
    }

    /// A retry of a recorded use is a success that records nothing; the same id with other
    /// terms is refused, so a client bug cannot pass one use off as another.
    private static func replay(
        _ earlier: UseRecord, licenceID: String, purpose: String, itemCode: String,
        basis: UseBasis, in context: inout ContractContext
    ) throws(ContractError) {
        var grantID: String?
        if case let .grant(id) = basis { grantID = id }
        guard earlier.licenceID == licenceID, earlier.purpose == purpose,
            earlier.itemCode == itemCode, earlier.grantID == grantID
        else {
            throw ContractError(
                .alreadyExists,
                "use \(earlier.useID) of \(context.organisationID) was recorded for licence "
                + "\(earlier.licenceID), purpose \(earlier.purpose), item \(earlier.itemCode)")
        }
        context.emit(
            name, "replayed",
            [("use", earlier.useID), ("licence", licenceID), ("height", String(earlier.height))])
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
        let live = try GrantLiveness.isLive(grant, in: context)
        guard live else {
            throw ContractError(
                .noLiveGrant,
                "grant \(grantID) is revoked or outside its validity at \(context.blockTimeMs)")
        }
    }
}
