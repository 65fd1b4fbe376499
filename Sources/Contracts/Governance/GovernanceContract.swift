public import Ledger

/// Organisations, keys and roles. Changes need `adminThreshold` approvals from distinct
/// admin keys: a proposal records approvals and executes on the one that reaches it.
enum GovernanceContract {
    static let name = GovernanceCall.contractName

    static func invoke(_ call: GovernanceCall, in context: inout ContractContext)
        throws(ContractError)
    {
        switch call {
        case let .propose(proposalID, change):
            try Identifier.validate(proposalID, "proposal id")
            guard !context.exists(GovernanceKeys.proposal(proposalID)) else {
                throw ContractError(.alreadyExists, "proposal \(proposalID) exists")
            }
            // Checked now so a doomed change is refused at once, and again on execution.
            try validate(change, in: context)
            let proposal = Proposal(
                id: proposalID, change: change, approvals: [], executed: false,
                proposedAtHeight: context.blockHeight)
            context.emit(name, "proposed", [("proposal", proposalID), ("change", change.name)])
            try approve(proposal, in: &context)
        case let .approve(proposalID):
            guard let proposal = context.get(Proposal.self, at: GovernanceKeys.proposal(proposalID))
            else {
                throw ContractError(.notFound, "no proposal \(proposalID)")
            }
            try approve(proposal, in: &context)
        }
    }

    private static func approve(_ proposal: Proposal, in context: inout ContractContext)
        throws(ContractError)
    {
        var proposal = proposal
        guard !proposal.executed else {
            throw ContractError(.invalidTransition, "proposal \(proposal.id) was already executed")
        }
        guard !proposal.approvals.contains(context.caller.publicKey) else {
            throw ContractError(
                .alreadyApproved, "this admin key already approved proposal \(proposal.id)")
        }
        proposal.approvals = (proposal.approvals + [context.caller.publicKey]).sorted()
        let threshold = parameters(in: context).adminThreshold
        context.emit(
            name, "approved",
            [
                ("proposal", proposal.id), ("approvals", String(proposal.approvals.count)),
                ("threshold", String(threshold)),
            ])
        if proposal.approvals.count >= Int(threshold) {
            try apply(proposal.change, in: &context)
            proposal.executed = true
            context.emit(
                name, "executed", [("proposal", proposal.id), ("change", proposal.change.name)])
        }
        context.put(proposal, at: GovernanceKeys.proposal(proposal.id))
    }

    static func parameters(in context: ContractContext) -> ChainParameters {
        guard let parameters = context.get(ChainParameters.self, at: GovernanceKeys.parameters)
        else {
            preconditionFailure("state has no chain parameters: genesis state was not applied")
        }
        return parameters
    }

    /// Checks a change against current state without applying it.
    private static func validate(_ change: GovernanceChange, in context: ContractContext)
        throws(ContractError)
    {
        let probe = Overlay(base: OverlaySnapshot(overlay: context.overlay))
        var scratch = ContractContext(
            caller: context.caller, txID: context.txID, blockHeight: context.blockHeight,
            blockTimeMs: context.blockTimeMs, overlay: probe)
        try apply(change, in: &scratch)
    }

    static func apply(_ change: GovernanceChange, in context: inout ContractContext)
        throws(ContractError)
    {
        switch change {
        case .addValidator, .removeValidator:
            try applyValidatorChange(change, in: &context)
        case let .registerOrganisation(id, organisationName, creditCode):
            try Identifier.validate(id, "organisation id")
            guard CheckCharacters.isValidCreditCode(creditCode) else {
                throw ContractError(
                    .invalidIdentifier, "credit code \(creditCode) fails the GB 32100 check")
            }
            guard !context.exists(GovernanceKeys.organisation(id)) else {
                throw ContractError(.alreadyExists, "organisation \(id) exists")
            }
            let record = OrganisationRecord(
                id: id, name: organisationName, creditCode: creditCode, keys: [])
            context.put(record, at: GovernanceKeys.organisation(id))
        case let .addKey(organisationID, publicKey, roles, licenceTypes):
            try Identifier.validateAll(licenceTypes, "licence type")
            try addKey(
                KeyRecord(
                    publicKey: publicKey, organisationID: organisationID, roles: roles,
                    licenceTypes: licenceTypes),
                in: &context)
        case let .removeKey(publicKey):
            let record = try keyRecord(publicKey, in: context)
            try removeKey(record, in: &context)
            try requireEnoughAdmins(in: context)
        case let .rotateKey(old, new):
            var record = try keyRecord(old, in: context)
            try removeKey(record, in: &context)
            record.publicKey = new
            try addKey(record, in: &context)
        case let .grantRole(publicKey, role, licenceTypes):
            try Identifier.validateAll(licenceTypes, "licence type")
            let record = try keyRecord(publicKey, in: context)
            context.put(
                KeyRecord(
                    publicKey: publicKey, organisationID: record.organisationID,
                    roles: record.roles + [role],
                    licenceTypes: record.licenceTypes + licenceTypes),
                at: GovernanceKeys.key(publicKey))
        case let .revokeRole(publicKey, role):
            var record = try keyRecord(publicKey, in: context)
            guard record.has(role) else {
                throw ContractError(
                    .invalidTransition,
                    "key \(publicKey.hex.prefix(16)) has no \(role.rawValue) role")
            }
            record.roles.removeAll { $0 == role }
            if role == .licenceIssuer { record.licenceTypes = [] }
            context.put(record, at: GovernanceKeys.key(publicKey))
            try requireEnoughAdmins(in: context)
        }
    }

    static func addKey(_ record: KeyRecord, in context: inout ContractContext) throws(ContractError)
    {
        let orgKey = GovernanceKeys.organisation(record.organisationID)
        guard var organisation = context.get(OrganisationRecord.self, at: orgKey) else {
            throw ContractError(.notFound, "no organisation \(record.organisationID)")
        }
        guard !context.exists(GovernanceKeys.key(record.publicKey)) else {
            throw ContractError(
                .alreadyExists, "key \(record.publicKey.hex.prefix(16)) is already registered")
        }
        organisation.keys = (organisation.keys + [record.publicKey]).sorted()
        context.put(organisation, at: orgKey)
        context.put(record, at: GovernanceKeys.key(record.publicKey))
    }

    private static func removeKey(_ record: KeyRecord, in context: inout ContractContext)
        throws(ContractError)
    {
        let orgKey = GovernanceKeys.organisation(record.organisationID)
        guard var organisation = context.get(OrganisationRecord.self, at: orgKey) else {
            preconditionFailure(
                "key \(record.publicKey) names missing organisation \(record.organisationID)")
        }
        organisation.keys.removeAll { $0 == record.publicKey }
        context.put(organisation, at: orgKey)
        context.delete(GovernanceKeys.key(record.publicKey))
    }

    private static func keyRecord(_ publicKey: PublicKey, in context: ContractContext)
        throws(ContractError) -> KeyRecord
    {
        guard let record = context.get(KeyRecord.self, at: GovernanceKeys.key(publicKey)) else {
            throw ContractError(.notFound, "key \(publicKey.hex.prefix(16)) is not registered")
        }
        return record
    }

    /// A change that left fewer admin keys than the threshold would lock governance forever.
    private static func requireEnoughAdmins(in context: ContractContext) throws(ContractError) {
        let admins = context.scan(KeyRecord.self, prefix: StateKey("key/")).filter {
            $0.has(.admin)
        }.count
        let threshold = parameters(in: context).adminThreshold
        guard admins >= Int(threshold) else {
            throw ContractError(
                .invalidTransition,
                "change would leave \(admins) admin keys, below the threshold \(threshold)")
        }
    }
}

/// A read-only view of an overlay's current state, so a change can be tried on a scratch
/// overlay and thrown away.
struct OverlaySnapshot: StateStore {
    let overlay: Overlay

    func value(for key: StateKey) -> [UInt8]? { overlay.value(for: key) }
    func entries(withPrefix prefix: StateKey) -> [StateEntry] {
        overlay.entries(withPrefix: prefix)
    }
}
