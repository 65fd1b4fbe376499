import Contracts
import Ledger

/// A plain reference model of the licence, grant, use, bill and claim rules, written
/// independently of the contracts: it predicts whether each call succeeds.
struct ReferenceModel {
    struct Signer { let organisation: String; let roles: Set<Role>; let licenceTypes: Set<String> }
    struct Licence {
        let holder: Hash256; let type: String; let issuer: String; var revoked: Bool
        let untilMs: UInt64
    }
    struct Grant {
        let holder: Hash256; let grantee: String; let scope: GrantScope; let purpose: String
        let fromMs: UInt64; let untilMs: UInt64; var revoked: Bool
        /// The terms as granted: a retry with exactly these is a no-op success.
        let terms: GrantTerms
        /// The mandate an agent made it under (item 2 of issue 13), if any.
        var mandateID: String? = nil
    }
    /// People's own keys, bound to their commitments in every run's setup.
    static let personKeys = (0..<4).map { SigningKey.deterministic(label: "person-\($0)") }
    /// What a use id recorded (item 5 of issue 13: ids are idempotent per organisation).
    struct Use: Equatable { let licence: String; let purpose: String; let item: String
        let basis: UseBasis }
    struct Bill {
        let total: UInt64; let categories: CategoryAmounts?
        var reversed: UInt64 = 0, reversedCategories = CategoryAmounts.zero
        var locked: UInt64 = 0, settled: UInt64 = 0
        var lockedCategories = CategoryAmounts.zero, settledCategories = CategoryAmounts.zero
        var fullyReversedAtHeight: UInt64?
        /// Red bills recorded against this bill (bounded by `RecordLimits.redBillsPerBill`).
        var redCount = 0
        /// Alerts the reversals of this bill should have raised.
        var alerts = 0
        var claimable: UInt64 { total - reversed }
        var left: UInt64 { locked + settled >= claimable ? 0 : claimable - locked - settled }
        func claimable(_ category: BillCategory) -> UInt64 {
            categories![category] - reversedCategories[category]
        }
        func committed(_ category: BillCategory) -> UInt64 {
            lockedCategories[category] + settledCategories[category]
        }
        func left(_ category: BillCategory) -> UInt64 {
            committed(category) >= claimable(category)
                ? 0 : claimable(category) - committed(category)
        }
        /// DOMAIN.md: settled claims, or claims above what is claimable (in all or in one
        /// category) after a reversal, make the reversal raise an alert.
        var needsAlert: Bool {
            let overCategory =
                categories != nil
                && BillCategory.allCases.contains { committed($0) > claimable($0) }
            return settled > 0 || locked + settled > claimable || overCategory
        }
    }
    struct Claim {
        let bill: String; let category: BillCategory?; let amount: UInt64; let organisation: String
        var status: ClaimStatus
    }

    let signers: [PublicKey: Signer]
    let creditCodes: [String: String]
    var licences: [String: Licence] = [:]
    var grants: [String: Grant] = [:]
    var bills: [String: Bill] = [:]
    var redBills: Set<String> = []
    /// Keyed by "<reimburser>/<claim id>": claim ids are scoped by reimburser.
    var claims: [String: Claim] = [:]
    /// Keyed by "<organisation>/<use id>".
    var uses: [String: Use] = [:]
    /// The duty registry (item 1 of issue 13), seeded by governance before a run.
    var dutyItems: [String: DutyItem] = [:]
    /// Mandates (item 2): person-to-person delegation, and whether revoked.
    var mandates: [String: (mandate: Mandate, revoked: Bool)] = [:]
    /// "<holder hex>/<key hex>" of every bound holder key.
    var boundKeys: Set<String> = []

    /// The service items every property run registers first: D1 lets tax and civil check
    /// residence licences for purpose P1; D2 lets the police check both types for P2.
    static let dutySetup = [
        DutyItem(
            itemCode: "D1", name: "D1", purpose: "P1", organisations: ["civil", "tax"],
            licenceTypes: [TestChain.residenceType]),
        DutyItem(
            itemCode: "D2", name: "D2", purpose: "P2", organisations: ["police"],
            licenceTypes: [TestChain.residenceType, TestChain.businessType]),
    ]

    init(genesis: Genesis) {
        var signers: [PublicKey: Signer] = [:]
        var codes: [String: String] = [:]
        for organisation in genesis.organisations {
            codes[organisation.id] = organisation.creditCode
            for key in organisation.keys {
                signers[key.publicKey] = Signer(
                    organisation: organisation.id, roles: Set(key.roles),
                    licenceTypes: Set(key.licenceTypes))
            }
        }
        self.signers = signers
        self.creditCodes = codes
    }

    /// Applies a call if the rules allow it; returns whether it succeeded.
    mutating func apply(_ call: ContractCall, by key: PublicKey, timeMs: UInt64, height: UInt64)
        -> Bool
    {
        let signer = signers[key]!
        switch call {
        case let .licence(.issue(issue)):
            let issuerCode = issue.licenceID.split(separator: ".")[1]
            guard signer.roles.contains(.licenceIssuer),
                signer.licenceTypes.contains(issue.licenceType),
                creditCodes[signer.organisation] == String(issuerCode),
                licences[issue.licenceID] == nil
            else { return false }
            licences[issue.licenceID] = Licence(
                holder: issue.holder, type: issue.licenceType, issuer: signer.organisation,
                revoked: false,
                untilMs: issue.validUntilMs)
        case let .licence(.revoke(id, _)):
            guard let licence = licences[id], signer.roles.contains(.licenceIssuer),
                licence.issuer == signer.organisation, signer.licenceTypes.contains(licence.type),
                !licence.revoked
            else { return false }
            licences[id]!.revoked = true
        case let .authorisation(.grant(terms, .agentSignature(mandateID, agentKey, _))):
            return agentGrant(terms, mandateID: mandateID, agentKey: agentKey, timeMs: timeMs)
        case let .authorisation(.mandate(mandate, .identityProvider)):
            guard signer.roles.contains(.identityProvider), !mandate.scope.isEmpty,
                mandate.validFromMs < mandate.validUntilMs, mandate.principal != mandate.agent
            else { return false }
            if let earlier = mandates[mandate.mandateID] { return earlier.mandate == mandate }
            mandates[mandate.mandateID] = (mandate, false)
        case let .authorisation(.revokeMandate(id, .identityProvider)):
            guard signer.roles.contains(.identityProvider), let earlier = mandates[id],
                !earlier.revoked
            else { return false }
            mandates[id]!.revoked = true
        case let .authorisation(.bindHolderKey(holder, key)):
            guard signer.roles.contains(.identityProvider) else { return false }
            boundKeys.insert("\(holder.hex)/\(key.hex)")
        case let .authorisation(.unbindHolderKey(holder, key)):
            guard signer.roles.contains(.identityProvider),
                boundKeys.remove("\(holder.hex)/\(key.hex)") != nil
            else { return false }
        case let .authorisation(.grant(terms, _)):
            guard signer.roles.contains(.identityProvider) else { return false }
            if let earlier = grants[terms.grantID] {
                return earlier.terms == terms && earlier.mandateID == nil
            }
            grants[terms.grantID] = Grant(
                holder: terms.holder, grantee: terms.granteeOrganisation, scope: terms.scope,
                purpose: terms.purpose,
                fromMs: terms.validFromMs, untilMs: terms.validUntilMs, revoked: false,
                terms: terms)
        case let .authorisation(.revoke(id, _)):
            guard signer.roles.contains(.identityProvider), let grant = grants[id], !grant.revoked
            else { return false }
            grants[id]!.revoked = true
        case let .licenceUse(.use(useID, licenceID, purpose, item, basis)):
            guard signer.roles.contains(.licenceUser) else { return false }
            let use = Use(licence: licenceID, purpose: purpose, item: item, basis: basis)
            let key = "\(signer.organisation)/\(useID)"
            if let earlier = uses[key] { return earlier == use }
            guard
                mayUse(
                    licenceID, purpose: purpose, item: item, basis: basis, signer: signer,
                    timeMs: timeMs)
            else { return false }
            uses[key] = use
        case let .bill(.issue(issue)):
            guard signer.roles.contains(.billIssuer), bills[issue.number.billID] == nil,
                !redBills.contains(issue.number.billID)
            else { return false }
            bills[issue.number.billID] = Bill(total: issue.totalFen, categories: issue.categories)
        case let .bill(.reverse(reversal)):
            return reverse(reversal, signer: signer, height: height)
        case let .reimbursement(call):
            guard signer.roles.contains(.reimburser) else { return false }
            var scratch = self
            guard scratch.reimburse(call, organisation: signer.organisation) else { return false }
            self = scratch
        default:
            preconditionFailure("the model does not know \(call)")
        }
        return true
    }

    /// An agent's grant: a live mandate of the holder, the agent's bound key, terms within
    /// the mandate; then a retry of the same terms under the same mandate is a no-op.
    mutating func agentGrant(
        _ terms: GrantTerms, mandateID: String, agentKey: PublicKey, timeMs: UInt64
    ) -> Bool {
        guard let (mandate, revoked) = mandates[mandateID], !revoked,
            mandate.principal == terms.holder, mandate.validFromMs <= timeMs,
            timeMs <= mandate.validUntilMs,
            boundKeys.contains("\(mandate.agent.hex)/\(agentKey.hex)"),
            terms.validFromMs < terms.validUntilMs, !terms.scope.isEmpty
        else { return false }
        let idsCovered = terms.scope.licenceIDs.allSatisfy { id in
            mandate.scope.licenceIDs.contains(id)
                || mandate.scope.licenceTypes.contains(String(id.split(separator: ".")[0]))
        }
        guard idsCovered,
            Set(terms.scope.licenceTypes).isSubset(of: mandate.scope.licenceTypes),
            Set(terms.scope.dataCategories).isSubset(of: mandate.scope.dataCategories),
            mandate.purposes.isEmpty || mandate.purposes.contains(terms.purpose),
            terms.validUntilMs <= mandate.validUntilMs
        else { return false }
        if let earlier = grants[terms.grantID] {
            return earlier.terms == terms && earlier.mandateID == mandateID
        }
        grants[terms.grantID] = Grant(
            holder: terms.holder, grantee: terms.granteeOrganisation, scope: terms.scope,
            purpose: terms.purpose, fromMs: terms.validFromMs, untilMs: terms.validUntilMs,
            revoked: false, terms: terms, mandateID: mandateID)
        return true
    }

    /// Whether a grant's mandate (if an agent made it) is in force.
    func mandateLive(_ grant: Grant, timeMs: UInt64) -> Bool {
        guard let id = grant.mandateID else { return true }
        guard let (mandate, revoked) = mandates[id] else { return false }
        return !revoked && mandate.validFromMs <= timeMs && timeMs <= mandate.validUntilMs
    }

    func mayUse(
        _ licenceID: String, purpose: String, item: String, basis: UseBasis, signer: Signer,
        timeMs: UInt64
    ) -> Bool {
        guard signer.roles.contains(.licenceUser), let licence = licences[licenceID],
            !licence.revoked,
            timeMs <= licence.untilMs
        else { return false }
        guard case let .grant(grantID) = basis else {
            // Statutory duty: a registered item listing the organisation and licence type.
            guard let duty = dutyItems[item] else { return false }
            return duty.organisations.contains(signer.organisation)
                && duty.licenceTypes.contains(licence.type)
        }
        guard let grant = grants[grantID] else { return false }
        // The grant's purpose must cover the item: the purpose itself or an item of it.
        guard item == grant.purpose || dutyItems[item]?.purpose == grant.purpose else {
            return false
        }
        return mandateLive(grant, timeMs: timeMs)
            && grant.grantee == signer.organisation && grant.holder == licence.holder
            && (grant.scope.licenceIDs.contains(licenceID)
                || grant.scope.licenceTypes.contains(licence.type))
            && grant.purpose == purpose && !grant.revoked && grant.fromMs <= timeMs
            && timeMs <= grant.untilMs
    }

    mutating func reverse(_ reversal: BillReversal, signer: Signer, height: UInt64) -> Bool {
        let redID = reversal.redNumber.billID
        guard signer.roles.contains(.billIssuer), var bill = bills[reversal.billID],
            bill.fullyReversedAtHeight == nil, reversal.amountFen > 0,
            reversal.amountFen <= bill.claimable,
            bills[redID] == nil, !redBills.contains(redID),
            bill.redCount < RecordLimits.redBillsPerBill,
            (reversal.categories == nil) == (bill.categories == nil),
            reversal.categories.map({ $0.total == reversal.amountFen }) ?? true
        else { return false }
        if let parts = reversal.categories {
            for category in BillCategory.allCases {
                guard
                    parts[category] <= bill.categories![category]
                        - bill.reversedCategories[category]
                else { return false }
                bill.reversedCategories[category] += parts[category]
            }
        }
        bill.reversed += reversal.amountFen
        bill.redCount += 1
        if bill.needsAlert { bill.alerts += 1 }
        if bill.reversed == bill.total { bill.fullyReversedAtHeight = height }
        bills[reversal.billID] = bill
        redBills.insert(redID)
        return true
    }

    /// One reimbursement batch; the caller discards the scratch model on failure.
    mutating func reimburse(_ call: ReimbursementCall, organisation: String) -> Bool {
        switch call {
        case let .claim(requests):
            return requests.allSatisfy { claim($0, organisation: organisation) }
        case let .settle(ids):
            return ids.allSatisfy { settle($0, organisation: organisation) }
        case let .release(ids):
            return ids.allSatisfy { release($0, organisation: organisation) }
        }
    }

    mutating func claim(_ request: ClaimRequest, organisation: String) -> Bool {
        if let existing = claims["\(organisation)/\(request.claimID)"] {
            return existing.bill == request.billID && existing.category == request.category
                && existing.amount == request.amountFen && existing.organisation == organisation
        }
        guard var bill = bills[request.billID], bill.fullyReversedAtHeight == nil,
            request.amountFen > 0,
            request.amountFen <= bill.left
        else { return false }
        if let category = request.category {
            guard bill.categories != nil, request.amountFen <= bill.left(category) else {
                return false
            }
            bill.lockedCategories[category] += request.amountFen
        }
        bill.locked += request.amountFen
        bills[request.billID] = bill
        claims["\(organisation)/\(request.claimID)"] = Claim(
            bill: request.billID, category: request.category, amount: request.amountFen,
            organisation: organisation,
            status: .locked)
        return true
    }

    mutating func settle(_ claimID: String, organisation: String) -> Bool {
        let id = "\(organisation)/\(claimID)"
        guard var claim = claims[id], claim.organisation == organisation, claim.status != .released
        else { return false }
        if claim.status == .settled { return true }
        guard var bill = bills[claim.bill], bill.fullyReversedAtHeight == nil,
            bill.locked + bill.settled <= bill.claimable
        else { return false }
        // Per category too: a reversal may leave one category's claims above what it is worth.
        if let category = claim.category,
            bill.committed(category) > bill.claimable(category)
        {
            return false
        }
        bill.locked -= claim.amount
        bill.settled += claim.amount
        if let category = claim.category {
            bill.lockedCategories[category] -= claim.amount
            bill.settledCategories[category] += claim.amount
        }
        claim.status = .settled
        bills[claim.bill] = bill
        claims[id] = claim
        return true
    }

    mutating func release(_ claimID: String, organisation: String) -> Bool {
        let id = "\(organisation)/\(claimID)"
        guard var claim = claims[id], claim.organisation == organisation, claim.status != .settled
        else { return false }
        if claim.status == .released { return true }
        bills[claim.bill]!.locked -= claim.amount
        if let category = claim.category {
            bills[claim.bill]!.lockedCategories[category] -= claim.amount
        }
        claim.status = .released
        claims[id] = claim
        return true
    }
}
