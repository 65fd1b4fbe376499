import Contracts
import Ledger
import Testing

/// SplitMix64: a tiny seeded generator, so a failing run replays from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds random calls from random organisations over small pools of ids, so calls
/// collide, race and replay often.
struct CallGenerator {
    /// `standard` spreads calls over every contract; `boundHunting` adds a stream of 1-fen
    /// reversals aimed at the oldest open bill, so bills reach `RecordLimits.redBillsPerBill`
    /// and the refusal at the bound is compared with the model too.
    enum Mix { case standard, boundHunting }

    var random: SplitMix64
    var mix: Mix = .standard
    var nextRed = 100_000
    /// Calls generated so far: id pools slide forward with it, so fresh ids keep coming
    /// while recent ones are reused (replays, races, conflicts).
    var step = 0

    mutating func pick<T>(_ values: [T]) -> T {
        values[Int.random(in: 0..<values.count, using: &random)]
    }
    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &random) < percent
    }

    /// An index from a window that advances one id every `rate` calls.
    mutating func windowed(_ rate: Int) -> Int {
        let base = step / rate
        return Int.random(in: max(0, base - 6)...(base + 1), using: &random)
    }

    mutating func licenceID() -> (String, String) {
        let serial = "L\(windowed(25))"
        return chance(70)
            ? (Licences.residence(serial), TestChain.residenceType)
            : (
                Licences.id(
                    type: TestChain.businessType, issuer: TestChain.marketCode, serial: serial),
                TestChain.businessType
            )
    }

    /// Use ids from a sliding window, so retries (same terms) and reuse with other terms
    /// both happen.
    mutating func useID() -> String { "u\(windowed(4))" }

    mutating func next(model: ReferenceModel, now: UInt64) -> (ContractCall, SigningKey) {
        let holder = People.holder(Int.random(in: 0..<4, using: &random))
        step += 1
        if mix == .boundHunting, chance(35), let call = smallReversal(model: model) {
            return (call, TestChain.hospital)
        }
        if chance(8) { return mandateCall(model: model, now: now) }
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<10:
            let (id, type) = licenceID()
            let call = Licences.issue(
                id, holder: holder, type: type,
                untilMs: now + UInt64.random(in: 0...600_000, using: &random))
            return (call, pick([TestChain.police, TestChain.market, TestChain.civil]))
        case 10..<13:
            let call = ContractCall.licence(.revoke(licenceID: licenceID().0, reason: "r"))
            return (call, pick([TestChain.police, TestChain.market]))
        case 13..<25:
            return grantCall(model: model, now: now, holder: holder)
        case 25..<28:
            let call = ContractCall.authorisation(
                .revoke(grantID: "g\(windowed(15))", .identityProvider))
            return (call, TestChain.identityProvider)
        case 28..<45:
            return useCall(model: model, now: now)
        case 45..<55:
            let total = UInt64.random(in: 1...20, using: &random) * 500
            let split = CategoryAmounts(
                pooledFund: total / 2, personalAccount: total / 4,
                selfPaid: total - total / 2 - total / 4)
            let call = Bills.issue(
                Bills.medical(1 + windowed(20)), totalFen: total,
                categories: chance(40) ? split : nil, payer: holder)
            return (call, pick([TestChain.hospital, TestChain.hospital, TestChain.insurers[0]]))
        case 55..<61:
            return (reversal(model: model), TestChain.hospital)
        case 61..<82:
            let count = chance(70) ? 1 : Int.random(in: 2...3, using: &random)
            let requests = (0..<count).map { _ in claimRequest(model: model) }
            let signer = pick(TestChain.insurers + [TestChain.hospital])
            return (.reimbursement(.claim(requests)), signer)
        default:
            return settleOrRelease(model: model)
        }
    }

    /// A grant by the identity provider (sometimes by a key without the role), mostly for a
    /// current licence and its holder.
    mutating func grantCall(model: ReferenceModel, now: UInt64, holder: Hash256)
        -> (ContractCall, SigningKey)
    {
        if chance(30) { return agentGrant(model: model, now: now) }
        // A client retrying a grant that timed out: exactly the recorded terms.
        if chance(20), !model.grants.isEmpty {
            let terms = model.grants[pick(model.grants.keys.sorted())]!.terms
            return (.authorisation(.grant(terms, .identityProvider)), TestChain.identityProvider)
        }
        var (id, type) = licenceID()
        var holder = holder
        let current = model.licences.keys.sorted().filter {
            !model.licences[$0]!.revoked && model.licences[$0]!.untilMs >= now
        }
        if chance(70), !current.isEmpty {
            id = pick(current)
            type = model.licences[id]!.type
            holder = model.licences[id]!.holder
        }
        let scope = chance(50) ? GrantScope(licenceIDs: [id]) : GrantScope(licenceTypes: [type])
        let terms = GrantTerms(
            grantID: "g\(windowed(15))", holder: holder,
            granteeOrganisation: pick(["civil", "tax", "police"]), scope: scope,
            purpose: pick(["P1", "P2"]),
            consent: Consent(mode: .remote, channel: "app"), validFromMs: now - 1,
            validUntilMs: now + UInt64.random(in: 0...300_000, using: &random))
        let signer = pick([TestChain.identityProvider, TestChain.identityProvider, TestChain.civil])
        return (.authorisation(.grant(terms, .identityProvider)), signer)
    }

    /// Mandates, their revocation, and holder keys lost and bound again (item 2).
    mutating func mandateCall(model: ReferenceModel, now: UInt64) -> (ContractCall, SigningKey) {
        let person = Int.random(in: 0..<4, using: &random)
        let key = ReferenceModel.personKeys[person].publicKey
        switch Int.random(in: 0..<10, using: &random) {
        case 0:
            return (
                .authorisation(.unbindHolderKey(holder: People.holder(person), holderKey: key)),
                TestChain.identityProvider
            )
        case 1:
            return (
                .authorisation(.bindHolderKey(holder: People.holder(person), holderKey: key)),
                TestChain.identityProvider
            )
        case 2, 3:
            let call = ContractCall.authorisation(
                .revokeMandate(mandateID: "m\(windowed(20))", .identityProvider))
            return (call, TestChain.identityProvider)
        default:
            let agent = chance(90) ? (person + 1 + Int.random(in: 0..<3, using: &random)) % 4 : person
            let type = pick([TestChain.residenceType, TestChain.businessType])
            let mandate = Mandate(
                mandateID: "m\(windowed(20))", principal: People.holder(person),
                agent: People.holder(agent), kind: .entrustedAgent,
                scope: GrantScope(licenceTypes: [type]), purposes: chance(50) ? [] : ["P1"],
                validFromMs: now - 1,
                validUntilMs: now + UInt64.random(in: 0...400_000, using: &random),
                consent: Consent(mode: pick([.faceToFace, .remote]), channel: "hall-1"))
            return (
                .authorisation(.mandate(mandate, .identityProvider)),
                pick([TestChain.identityProvider, TestChain.identityProvider, TestChain.civil])
            )
        }
    }

    /// A grant an agent signs under a mandate: mostly within it, sometimes beyond it, for
    /// another holder, or with another person's key.
    mutating func agentGrant(model: ReferenceModel, now: UInt64) -> (ContractCall, SigningKey) {
        let live = model.mandates.keys.sorted().filter {
            !model.mandates[$0]!.revoked && model.mandates[$0]!.mandate.validUntilMs > now
        }
        let mandateID = chance(85) && !live.isEmpty ? pick(live) : "m\(windowed(20))"
        let mandate = model.mandates[mandateID]?.mandate
        let holder = chance(85) ? mandate?.principal ?? People.holder(0) : People.holder(3)
        var scope = GrantScope(licenceTypes: mandate?.scope.licenceTypes ?? ["X"])
        if chance(40) {
            let own = model.licences.keys.sorted().filter { model.licences[$0]!.holder == holder }
            scope = GrantScope(licenceIDs: [own.isEmpty ? licenceID().0 : pick(own)])
        }
        let until = (mandate?.validUntilMs ?? now) - (chance(80) ? 1 : 0) + (chance(10) ? 9 : 0)
        let terms = GrantTerms(
            grantID: "g\(windowed(15))", holder: holder,
            granteeOrganisation: pick(["civil", "tax", "police"]), scope: scope,
            purpose: chance(80) ? mandate?.purposes.first ?? "P1" : "P2",
            consent: Consent(mode: .remote, channel: "app"),
            validFromMs: now - 1, validUntilMs: max(now, until))
        let agentIndex = People.index(of: mandate?.agent) ?? 0
        let key = ReferenceModel.personKeys[chance(85) ? agentIndex : (agentIndex + 1) % 4]
        let signature = key.sign(terms.signingBytes(chainID: TestChain.chainID))
        let attestation = Attestation.agentSignature(
            mandateID: mandateID, agentKey: key.publicKey, signature: signature)
        return (.authorisation(.grant(terms, attestation)), pick([TestChain.civil, TestChain.tax]))
    }

    /// A licence use: mostly guided by a live grant, else random grant or duty basis.
    mutating func useCall(model: ReferenceModel, now: UInt64) -> (ContractCall, SigningKey) {
        if chance(25) { return dutyUse(model: model, now: now) }
        if chance(70) {
            if let guided = guidedUse(model: model, now: now) { return guided }
            let call = ContractCall.licenceUse(
                .use(
                    useID: useID(), licenceID: licenceID().0, purpose: "P1",
                    itemCode: pick(["P1", "D1", "D1", "D2"]), basis: .statutoryDuty))
            return (call, pick([TestChain.tax, TestChain.tax, TestChain.police]))
        }
        let basis: UseBasis = chance(15) ? .statutoryDuty : .grant(grantID: "g\(windowed(15))")
        let purpose = pick(["P1", "P2"])
        let call = ContractCall.licenceUse(
            .use(
                useID: useID(), licenceID: licenceID().0, purpose: purpose,
                itemCode: pick([purpose, "D1", "D2"]), basis: basis))
        return (call, pick([TestChain.civil, TestChain.tax, TestChain.police, TestChain.hospital]))
    }

    /// A statutory-duty use of a current licence, naming one of the registered items (or
    /// not), by a department it may or may not be a duty of (item 1 of issue 13).
    mutating func dutyUse(model: ReferenceModel, now: UInt64) -> (ContractCall, SigningKey) {
        let current = model.licences.keys.sorted().filter {
            !model.licences[$0]!.revoked && model.licences[$0]!.untilMs >= now
        }
        let licenceID = current.isEmpty ? licenceID().0 : pick(current)
        let call = ContractCall.licenceUse(
            .use(
                useID: useID(), licenceID: licenceID, purpose: pick(["P1", "P2"]),
                itemCode: pick(["D1", "D1", "D2", "P1"]), basis: .statutoryDuty))
        return (call, pick([TestChain.tax, TestChain.civil, TestChain.police, TestChain.hospital]))
    }

    /// Settle or release: mostly a locked claim by its owner, else random ids.
    mutating func settleOrRelease(model: ReferenceModel) -> (ContractCall, SigningKey) {
        if chance(50), let (id, owner) = lockedClaim(model: model, overCommitted: true) {
            let call: ContractCall =
                chance(70)
                ? .reimbursement(.settle(claimIDs: [id])) : .reimbursement(.release(claimIDs: [id]))
            return (call, owner)
        }
        if chance(70), let (id, owner) = lockedClaim(model: model) {
            let call: ContractCall =
                chance(60)
                ? .reimbursement(.settle(claimIDs: [id])) : .reimbursement(.release(claimIDs: [id]))
            return (call, chance(85) ? owner : pick(TestChain.insurers))
        }
        let ids = (0..<Int.random(in: 1...2, using: &random)).map { _ in "c\(windowed(6))" }
        let call: ContractCall =
            chance(60)
            ? .reimbursement(.settle(claimIDs: ids)) : .reimbursement(.release(claimIDs: ids))
        return (call, pick(TestChain.insurers))
    }

    /// A use built from a recorded grant (its grantee, purpose and licence), so many succeed.
    mutating func guidedUse(model: ReferenceModel, now: UInt64) -> (ContractCall, SigningKey)? {
        let live = model.grants.keys.sorted().filter {
            !model.grants[$0]!.revoked && model.grants[$0]!.untilMs >= now
        }
        guard !live.isEmpty else { return nil }
        let grantID = pick(live)
        let grant = model.grants[grantID]!
        let licences = model.licences.keys.sorted().filter { id in
            let licence = model.licences[id]!
            return licence.holder == grant.holder && licence.untilMs >= now
                && (grant.scope.licenceIDs.contains(id)
                    || grant.scope.licenceTypes.contains(licence.type))
        }
        let licenceID = licences.isEmpty ? licenceID().0 : pick(licences)
        let signers = ["civil": TestChain.civil, "tax": TestChain.tax, "police": TestChain.police]
        let call = ContractCall.licenceUse(
            .use(
                useID: useID(), licenceID: licenceID, purpose: grant.purpose,
                itemCode: chance(70) ? grant.purpose : pick(["D1", "D2", "X9"]),
                basis: .grant(grantID: grantID)))
        return (
            call, chance(85) ? signers[grant.grantee]! : pick([TestChain.civil, TestChain.tax])
        )
    }

    /// A locked claim and its reimburser's key, if any; with `overCommitted`, one whose
    /// category a reversal has left above what it is worth.
    mutating func lockedClaim(model: ReferenceModel, overCommitted: Bool = false)
        -> (String, SigningKey)?
    {
        let locked = model.claims.keys.sorted().filter { id in
            let claim = model.claims[id]!
            guard claim.status == .locked else { return false }
            guard overCommitted else { return true }
            guard let category = claim.category, let bill = model.bills[claim.bill] else {
                return false
            }
            return bill.committed(category) > bill.claimable(category)
        }
        guard !locked.isEmpty else { return nil }
        let id = pick(locked)
        // Model keys are "<reimburser>/<claim id>"; the call names the bare claim id.
        return (
            String(id.split(separator: "/").last ?? ""),
            model.claims[id]!.organisation == "insurer0"
                ? TestChain.insurers[0] : TestChain.insurers[1]
        )
    }

    mutating func claimRequest(model: ReferenceModel) -> ClaimRequest {
        let open = model.bills.keys.sorted().filter {
            model.bills[$0]!.fullyReversedAtHeight == nil
        }
        let billID =
            chance(80) && !open.isEmpty ? pick(open) : Bills.medical(1 + windowed(20)).billID
        let bill = model.bills[billID]
        let category: BillCategory? =
            bill?.categories != nil && chance(50) ? pick(BillCategory.allCases) : nil
        return ClaimRequest(
            claimID: "c\(windowed(6))", billID: billID, category: category,
            amountFen: UInt64.random(in: 1...12, using: &random) * 250)
    }

    mutating func reversal(model: ReferenceModel) -> ContractCall {
        if chance(80), let guided = categoryCut(model: model) { return guided }
        let number = Bills.medical(1 + windowed(20))
        let bill = model.bills[number.billID]
        let remaining = bill.map { $0.total - $0.reversed } ?? 1_000
        let amount =
            chance(30) ? remaining : UInt64.random(in: 0...max(1, remaining), using: &random)
        return reversal(of: number.billID, bill: bill, amountFen: amount)
    }

    /// A reversal of one category of a bill with a locked claim in it, by more than the
    /// category has unclaimed, so its claims end above what it is worth (DOMAIN.md's
    /// per-category rule: the reversal alerts, settling there is refused until a release).
    mutating func categoryCut(model: ReferenceModel) -> ContractCall? {
        let candidates = model.claims.keys.sorted().filter { id in
            let claim = model.claims[id]!
            return claim.status == .locked && claim.category != nil
                && model.bills[claim.bill]?.fullyReversedAtHeight == nil
        }
        guard !candidates.isEmpty else { return nil }
        let claim = model.claims[pick(candidates)]!
        guard let category = claim.category, let bill = model.bills[claim.bill] else { return nil }
        let reversible = bill.categories![category] - bill.reversedCategories[category]
        var amount = min(reversible, bill.left(category) + max(1, claim.amount / 2))
        // Where the bill has unclaimed fen elsewhere, stay within them: then only the
        // category is over-committed (the pooled-fund case of issue 17), not the bill.
        if bill.left > bill.left(category) { amount = min(amount, bill.left) }
        guard amount > 0 else { return nil }
        nextRed += 1
        var parts = CategoryAmounts.zero
        parts[category] = amount
        return .bill(
            .reverse(
                BillReversal(
                    billID: claim.bill, redNumber: Bills.medical(nextRed), amountFen: amount,
                    categories: parts)))
    }

    /// A 1-fen reversal of the oldest bill that can still be reversed; once that bill is at
    /// the bound, now and then one more (to be refused), else the next bill.
    mutating func smallReversal(model: ReferenceModel) -> ContractCall? {
        let open = model.bills.keys.sorted().filter {
            model.bills[$0]!.fullyReversedAtHeight == nil
        }
        let below = open.filter { model.bills[$0]!.redCount < RecordLimits.redBillsPerBill }
        let atBound = open.first { model.bills[$0]!.redCount >= RecordLimits.redBillsPerBill }
        guard let billID = chance(15) ? atBound ?? below.first : below.first else { return nil }
        return reversal(of: billID, bill: model.bills[billID], amountFen: 1)
    }

    /// A reversal split over the categories in a random order, so any category (the pooled
    /// fund included) can be cut below what its claims hold.
    mutating func reversal(of billID: String, bill: ReferenceModel.Bill?, amountFen: UInt64)
        -> ContractCall
    {
        nextRed += 1
        var parts: CategoryAmounts?
        if let bill, let categories = bill.categories {
            var left = amountFen
            var split = CategoryAmounts.zero
            for category in BillCategory.allCases.shuffled(using: &random) {
                let take = min(left, categories[category] - bill.reversedCategories[category])
                split[category] = take
                left -= take
            }
            parts = split
        }
        return .bill(
            .reverse(
                BillReversal(
                    billID: billID, redNumber: Bills.medical(nextRed), amountFen: amountFen,
                    categories: parts)))
    }
}
