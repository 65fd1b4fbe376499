public import Ledger

/// Organisations, keys and roles. Changes need `adminThreshold` approvals from distinct
/// admin keys: a proposal records approvals and executes on the one that reaches it.
///
/// The admin identity is the registered key holding the admin role: DOMAIN.md has one
/// organisation (the data bureau) hold all admin keys, so counting organisations would make
/// k-of-n impossible. Approvals are re-counted at every approval against the keys that are
/// admins now: a rotated key's old approval stops counting (the new key approves afresh,
/// once), and so do those of removed or demoted admins.
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
            let key = GovernanceKeys.proposal(proposalID)
            guard let proposal = try context.get(Proposal.self, at: key) else {
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
        // Stale approvals are dropped, not kept uncounted, so the list stays bounded by the
        // admins there are; the caller is a current admin (`Permissions` checked the role).
        let approvals = try currentAdmins(proposal.approvals, in: context)
        try RecordLimits.require(
            approvals.count + 1, atMost: RecordLimits.approvalsPerProposal,
            "approvals of proposal \(proposal.id)")
        proposal.approvals = (approvals + [context.caller.publicKey]).sorted()
        let threshold = try parameters(in: context).adminThreshold
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

    /// The keys among `keys` that are registered and hold the admin role now, in order.
    private static func currentAdmins(_ keys: [PublicKey], in context: ContractContext)
        throws(ContractError) -> [PublicKey]
    {
        var admins: [PublicKey] = []
        for key in keys {
            let record = try context.get(KeyRecord.self, at: GovernanceKeys.key(key))
            if record?.has(.admin) == true { admins.append(key) }
        }
        return admins
    }

    /// The chain parameters genesis wrote; without them state is not a chain's.
    static func parameters(in context: ContractContext) throws(ContractError) -> ChainParameters
    {
        try context.require(
            ChainParameters.self, at: GovernanceKeys.parameters, "genesis writes the parameters")
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
        case let .addValidator(validator):
            try addValidator(validator, in: &context)
        case let .removeValidator(publicKey):
            try removeValidator(publicKey, in: &context)
        case let .addFollower(follower):
            try addFollower(follower, in: &context)
        case let .removeFollower(publicKey):
            try removeFollower(publicKey, in: &context)
        case let .rotateValidatorKeys(validator, consensusKey, networkKey):
            try rotateValidatorKeys(validator, consensusKey: consensusKey, networkKey: networkKey, in: &context)
        case let .registerDutyItem(item):
            try DutyRegistry.register(item, in: &context)
        case let .removeDutyItem(itemCode):
            try DutyRegistry.remove(itemCode, in: &context)
        case let .registerLicenceType(type):
            try LicenceTypeRegistry.register(type, in: &context)
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
            try requireLicenceTypes(Set(licenceTypes).count, of: publicKey)
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
            try grantRole(role, licenceTypes: licenceTypes, to: publicKey, in: &context)
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

    private static func grantRole(
        _ role: Role, licenceTypes: [String], to publicKey: PublicKey,
        in context: inout ContractContext
    ) throws(ContractError) {
        try Identifier.validateAll(licenceTypes, "licence type")
        let record = try keyRecord(publicKey, in: context)
        let granted = KeyRecord(
            publicKey: publicKey, organisationID: record.organisationID,
            roles: record.roles + [role], licenceTypes: record.licenceTypes + licenceTypes)
        // The union, after removing repeats, is what the record will hold and its decoder read.
        try requireLicenceTypes(granted.licenceTypes.count, of: publicKey)
        context.put(granted, at: GovernanceKeys.key(publicKey))
    }

    private static func requireLicenceTypes(_ count: Int, of publicKey: PublicKey)
        throws(ContractError)
    {
        try RecordLimits.require(
            count, atMost: RecordLimits.licenceTypesPerKey,
            "licence types of key \(publicKey.hex.prefix(16))")
    }

    static func addKey(_ record: KeyRecord, in context: inout ContractContext) throws(ContractError)
    {
        let orgKey = GovernanceKeys.organisation(record.organisationID)
        guard var organisation = try context.get(OrganisationRecord.self, at: orgKey) else {
            throw ContractError(.notFound, "no organisation \(record.organisationID)")
        }
        guard !context.exists(GovernanceKeys.key(record.publicKey)) else {
            throw ContractError(
                .alreadyExists, "key \(record.publicKey.hex.prefix(16)) is already registered")
        }
        // A validator's consensus key signs statements only, its network key handshakes only.
        guard try !isValidatorKey(record.publicKey, in: context) else {
            throw ContractError(
                .alreadyExists,
                "key \(record.publicKey.hex.prefix(16)) is a validator's consensus or network key")
        }
        try RecordLimits.require(
            organisation.keys.count + 1, atMost: RecordLimits.keysPerOrganisation,
            "keys of organisation \(organisation.id)")
        organisation.keys = (organisation.keys + [record.publicKey]).sorted()
        context.put(organisation, at: orgKey)
        context.put(record, at: GovernanceKeys.key(record.publicKey))
    }

    private static func removeKey(_ record: KeyRecord, in context: inout ContractContext)
        throws(ContractError)
    {
        let orgKey = GovernanceKeys.organisation(record.organisationID)
        var organisation = try context.require(
            OrganisationRecord.self, at: orgKey,
            "key \(record.publicKey.hex.prefix(16)) names this organisation, which is missing")
        organisation.keys.removeAll { $0 == record.publicKey }
        context.put(organisation, at: orgKey)
        context.delete(GovernanceKeys.key(record.publicKey))
    }

    private static func keyRecord(_ publicKey: PublicKey, in context: ContractContext)
        throws(ContractError) -> KeyRecord
    {
        guard let record = try context.get(KeyRecord.self, at: GovernanceKeys.key(publicKey))
        else {
            throw ContractError(.notFound, "key \(publicKey.hex.prefix(16)) is not registered")
        }
        return record
    }

    /// A change that left fewer admin keys than the threshold would lock governance forever.
    private static func requireEnoughAdmins(in context: ContractContext) throws(ContractError) {
        let admins = try context.scan(KeyRecord.self, prefix: StateKey("key/")).filter {
            $0.has(.admin)
        }.count
        let threshold = try parameters(in: context).adminThreshold
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
