public import Ledger

/// E-licences: issue, renew as a new version, suspend, resume, revoke. Only a licence
/// issuer of the issuing organisation, registered for the licence's type, may act on it.
enum LicenceContract {
    static let name = LicenceCall.contractName

    static func invoke(_ call: LicenceCall, in context: inout ContractContext) throws(ContractError)
    {
        switch call {
        case let .issue(issue):
            try self.issue(issue, in: &context)
        case let .issueBatch(issues):
            // All or nothing: a refusal discards the transaction's whole write set, and the
            // reason names the row.
            guard !issues.isEmpty else {
                throw ContractError(.invalidArgument, "an empty licence batch")
            }
            for (index, issue) in issues.enumerated() {
                do {
                    try self.issue(issue, in: &context)
                } catch {
                    throw ContractError(
                        error.code, "row \(index) (\(issue.licenceID)): \(error.reason)")
                }
            }
        case let .renew(renewal):
            try renew(renewal, in: &context)
        case let .suspend(licenceID, reason):
            try transition(licenceID, from: [.issued], to: .suspended, reason: reason, in: &context)
        case let .resume(licenceID):
            try transition(licenceID, from: [.suspended], to: .issued, reason: "", in: &context)
        case let .revoke(licenceID, reason):
            try transition(
                licenceID, from: [.issued, .suspended], to: .revoked, reason: reason, in: &context)
        }
    }

    private static func issue(_ issue: LicenceIssue, in context: inout ContractContext)
        throws(ContractError)
    {
        let identifier = try LicenceIdentifier(parsing: issue.licenceID)
        guard identifier.typeCode == issue.licenceType else {
            throw ContractError(
                .invalidIdentifier,
                "licence id has type \(identifier.typeCode), call says \(issue.licenceType)")
        }
        try requireIssuerCode(identifier, in: context)
        try validateValidity(issue.validFromMs, issue.validUntilMs)
        let type = try LicenceTypeRegistry.require(
            issue.licenceType, validFromMs: issue.validFromMs, validUntilMs: issue.validUntilMs,
            in: context)
        guard !context.exists(LicenceKeys.licence(issue.licenceID)) else {
            throw ContractError(.alreadyExists, "licence \(issue.licenceID) exists")
        }
        let record = LicenceRecord(
            issue: issue, issuer: context.organisationID, version: identifier.version)
        context.put(record, at: LicenceKeys.licence(record.id))
        context.putBytes([], at: LicenceKeys.byHolder(record.holder, record.id))
        context.emit(
            name, "issued",
            [
                ("licence", record.id), ("type", record.licenceType),
                ("issuer", record.issuerOrganisation),
                ("holder", record.holder.hex), ("version", String(record.version)),
            ])
        ExpiryReminders.schedule(record, type: type, in: &context)
    }

    private static func renew(_ renewal: LicenceRenewal, in context: inout ContractContext)
        throws(ContractError)
    {
        var old = try responsibleRecord(renewal.licenceID, in: context)
        let oldIdentifier = try LicenceIdentifier(parsing: old.id)
        let newIdentifier = try LicenceIdentifier(parsing: renewal.newLicenceID)
        guard newIdentifier.typeCode == oldIdentifier.typeCode,
            newIdentifier.issuerCreditCode == oldIdentifier.issuerCreditCode,
            newIdentifier.serial == oldIdentifier.serial,
            newIdentifier.version > oldIdentifier.version
        else {
            throw ContractError(
                .invalidIdentifier, "\(renewal.newLicenceID) is not a later version of \(old.id)")
        }
        // A suspension must be lifted (resume) before a fresh `issued` version may replace
        // the suspended one: renewing would launder the suspension.
        guard old.status == .issued else {
            let hint = old.status == .suspended ? "; lift the suspension (resume) first" : ""
            throw ContractError(
                .invalidTransition,
                "licence \(old.id) is \(old.status.name) and cannot be renewed\(hint)")
        }
        try validateValidity(renewal.validFromMs, renewal.validUntilMs)
        let type = try LicenceTypeRegistry.require(
            old.licenceType, validFromMs: renewal.validFromMs,
            validUntilMs: renewal.validUntilMs, in: context)
        guard !context.exists(LicenceKeys.licence(renewal.newLicenceID)) else {
            throw ContractError(.alreadyExists, "licence \(renewal.newLicenceID) exists")
        }
        var renewed = old
        renewed.id = renewal.newLicenceID
        renewed.fileDigest = renewal.fileDigest
        renewed.validFromMs = renewal.validFromMs
        renewed.validUntilMs = renewal.validUntilMs
        renewed.version = newIdentifier.version
        renewed.status = .issued
        renewed.statusReason = ""
        renewed.previousID = old.id
        renewed.nextID = nil
        old.status = .superseded
        old.nextID = renewed.id
        context.put(old, at: LicenceKeys.licence(old.id))
        context.put(renewed, at: LicenceKeys.licence(renewed.id))
        context.putBytes([], at: LicenceKeys.byHolder(renewed.holder, renewed.id))
        context.emit(
            name, "renewed",
            [
                ("licence", old.id), ("newLicence", renewed.id),
                ("version", String(renewed.version)),
            ])
        ExpiryReminders.schedule(renewed, type: type, in: &context)
    }

    private static func transition(
        _ licenceID: String, from allowed: [LicenceStatus], to status: LicenceStatus,
        reason: String,
        in context: inout ContractContext
    ) throws(ContractError) {
        var record = try responsibleRecord(licenceID, in: context)
        guard allowed.contains(record.status) else {
            throw ContractError(
                .invalidTransition,
                "licence \(licenceID) is \(record.status.name), cannot become \(status.name)")
        }
        record.status = status
        record.statusReason = reason
        context.put(record, at: LicenceKeys.licence(licenceID))
        context.emit(
            name, status == .issued ? "resumed" : status.name,
            [("licence", licenceID), ("reason", reason)])
    }

    /// The record, provided the caller's organisation issued it and the key may issue its type.
    private static func responsibleRecord(_ licenceID: String, in context: ContractContext)
        throws(ContractError)
        -> LicenceRecord
    {
        guard let record = try context.get(LicenceRecord.self, at: LicenceKeys.licence(licenceID))
        else {
            throw ContractError(.notFound, "no licence \(licenceID)")
        }
        guard record.issuerOrganisation == context.organisationID else {
            throw ContractError(
                .notResponsibleOrganisation,
                "licence \(licenceID) was issued by \(record.issuerOrganisation), not "
                + "\(context.organisationID)"
            )
        }
        try Permissions.requireLicenceType(record.licenceType, context.caller)
        return record
    }

    /// The identifier embeds the issuer's credit code: it must be the caller's organisation's.
    private static func requireIssuerCode(
        _ identifier: LicenceIdentifier, in context: ContractContext
    )
        throws(ContractError)
    {
        let organisation = try context.get(
            OrganisationRecord.self, at: GovernanceKeys.organisation(context.organisationID))
        guard organisation?.creditCode == identifier.issuerCreditCode else {
            throw ContractError(
                .notResponsibleOrganisation,
                "licence id names issuer \(identifier.issuerCreditCode), caller is "
                + "\(context.organisationID)"
            )
        }
    }

    private static func validateValidity(_ fromMs: UInt64, _ untilMs: UInt64) throws(ContractError)
    {
        guard fromMs < untilMs else {
            throw ContractError(
                .invalidArgument, "valid-from \(fromMs) must be before valid-until \(untilMs)")
        }
    }
}
