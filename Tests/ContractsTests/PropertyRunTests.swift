import Contracts
import Foundation
import Ledger
import Testing

// Setup: `CallGenerator` draws thousands of calls from random organisations; after every
// block each receipt is compared with `ReferenceModel` and the I8 invariants are checked
// on the stored state. Then the same transactions run again on a fresh chain.
@Suite("Property: random call sequences")
struct PropertyRunTests {
    /// `GOVCHAIN_SEED=<n>` replays one seed.
    /// Seed 3 stopped meeting the per-category settle rule when issue 13 added duty uses
    /// and retries to the stream; 4 meets it (as do 1 and 2).
    static let defaultSeeds: [UInt64] = [1, 2, 4]
    static let seeds: [UInt64] =
        ProcessInfo.processInfo.environment["GOVCHAIN_SEED"].flatMap(UInt64.init).map { [$0] }
        ?? defaultSeeds
    static let callsPerSeed = 2_000

    @Test(
        "receipts match the reference model and invariants hold after every block", arguments: seeds
    )
    func randomSequence(seed: UInt64) throws {
        let successes = try run(seed: seed, mix: .standard)
        // A model that agrees only on refusals proves little: every kind of call must succeed.
        for method in [
            "licence.issue", "authorisation.grant", "licence-use.use", "bill.issue", "bill.reverse",
            "reimbursement.claim", "reimbursement.settle", "reimbursement.release",
            "duty use", "replayed", "agent grant", "authorisation.mandate",
        ] {
            #expect(successes[method, default: 0] > 5, "seed \(seed): too few successful \(method)")
        }
        // The per-category settle rule must be met, not just be there to meet. The default
        // seeds all meet it; a replayed seed (GOVCHAIN_SEED) need not (about 1 in 6 do not).
        if Self.seeds == Self.defaultSeeds {
            #expect(
                successes["refused 402 settle", default: 0] > 0,
                "seed \(seed): no settle met an over-committed category")
        }
    }

    @Test(
        "bounds: bills driven to their red-bill limit agree with the model, no reader traps",
        arguments: seeds.prefix(1))
    func boundHuntingSequence(seed: UInt64) throws {
        // 1,200 calls carry about 420 one-fen reversals: enough for the oldest bill to reach
        // the bound and be refused past it, at half the cost of a full run.
        let successes = try run(seed: seed, mix: .boundHunting, count: 1_200)
        #expect(
            successes["bill.reverse", default: 0] > RecordLimits.redBillsPerBill,
            "seed \(seed): too few reversals to reach the bound")
        #expect(
            (successes["refused 308", default: 0]) > 0,
            "seed \(seed): no reversal reached the red-bill bound")
    }

    /// Runs `count` generated calls, comparing every receipt with the model; returns
    /// successes per method, refusals at a bound ("refused 308") and settles refused for an
    /// over-committed category ("refused 402 settle").
    func run(
        seed: UInt64, mix: CallGenerator.Mix, count: Int = PropertyRunTests.callsPerSeed
    ) throws -> [String: Int] {
        var chain = TestChain()
        var model = ReferenceModel(genesis: TestChain.genesis)
        var generator = CallGenerator(random: SplitMix64(seed: seed), mix: mix)
        var blocks: [([Transaction], UInt64)] = []
        var executed = 0
        var successes: [String: Int] = [:]
        // The duty registry, through governance like any deployment's, before the calls.
        for (index, item) in ReferenceModel.dutySetup.enumerated() {
            let calls = TestChain.governance(.registerDutyItem(item), id: "duty-\(index)")
            let transactions = calls.map { chain.transaction($0.0, by: $0.1) }
            let result = chain.block(transactions: transactions)
            let registered = result.receipts.allSatisfy { $0.isSuccess }
            #expect(registered, "duty item \(item.itemCode)")
            blocks.append((transactions, 1_000))
            model.dutyItems[item.itemCode] = item
        }
        // Every person's own key, bound by the identity provider (agents sign with them).
        for (person, key) in ReferenceModel.personKeys.enumerated() {
            let call = ContractCall.authorisation(
                .bindHolderKey(holder: People.holder(person), holderKey: key.publicKey))
            let transaction = chain.transaction(call, by: TestChain.identityProvider)
            chain.block(transactions: [transaction])
            blocks.append(([transaction], 1_000))
            _ = model.apply(
                call, by: TestChain.identityProvider.publicKey, timeMs: chain.timeMs,
                height: chain.height)
        }
        while executed < count {
            let advanceMs = UInt64.random(in: 500...5_000, using: &generator.random)
            let blockTimeMs = chain.timeMs + advanceMs
            let size = Int.random(in: 1...6, using: &generator.random)
            let calls = (0..<size).map { _ in generator.next(model: model, now: blockTimeMs) }
            let transactions = calls.map { chain.transaction($0.0, by: $0.1) }
            let result = chain.block(transactions: transactions, advanceMs: advanceMs)
            blocks.append((transactions, advanceMs))
            for (index, (call, signer)) in calls.enumerated() {
                let expected = model.apply(
                    call, by: signer.publicKey, timeMs: blockTimeMs, height: chain.height)
                let receipt = result.receipts[index]
                guard receipt.isSuccess == expected else {
                    let who = model.signers[signer.publicKey]!.organisation
                    let method = "\(call.contractName).\(call.methodName)"
                    Issue.record(
                        """
                        reproduce with GOVCHAIN_SEED=\(seed): call \(executed + index) \(method) \
                        by \(who): chain said \(receipt.message), model expected success=\(expected)
                        """)
                    return successes
                }
            }
            for (index, (call, _)) in calls.enumerated() {
                let receipt = result.receipts[index]
                if receipt.isSuccess {
                    successes["\(call.contractName).\(call.methodName)", default: 0] += 1
                    if receipt.events.first?.type == "replayed" {
                        successes["replayed", default: 0] += 1
                    }
                    if case .licenceUse(.use(_, _, _, _, .statutoryDuty)) = call {
                        successes["duty use", default: 0] += 1
                    }
                    if case .authorisation(.grant(_, .agentSignature)) = call {
                        successes["agent grant", default: 0] += 1
                    }
                } else if receipt.status == .limitReached {
                    successes["refused 308", default: 0] += 1
                } else if receipt.status == .categoryExceedsRemaining, call.methodName == "settle" {
                    successes["refused 402 settle", default: 0] += 1
                }
            }
            executed += size
            guard try checkInvariants(chain, model, newUses: result, seed: seed) else {
                return successes
            }
        }
        print("seed \(seed) \(mix) successes: \(successes.sorted { $0.key < $1.key })")
        var replay = TestChain()
        for (transactions, advanceMs) in blocks {
            replay.block(transactions: transactions, advanceMs: advanceMs)
        }
        #expect(replay.state.digest == chain.state.digest, "seed \(seed): replay diverged")
        #expect(replay.results == chain.results, "seed \(seed): block results diverged")
        return successes
    }

    /// I8 on the stored state; records an issue naming the seed and returns false on a breach.
    func checkInvariants(
        _ chain: TestChain, _ model: ReferenceModel, newUses result: BlockResult, seed: UInt64
    ) throws -> Bool {
        let queries = chain.queries
        for id in model.bills.keys.sorted() {
            guard let bill = try queries.bill(id) else {
                Issue.record("reproduce with GOVCHAIN_SEED=\(seed): bill \(id) is missing")
                return false
            }
            let claims = try queries.claims(ofBill: id)
            let locked = claims.filter { $0.status == .locked }.reduce(0) { $0 + $1.amountFen }
            let settled = claims.filter { $0.status == .settled }.reduce(0) { $0 + $1.amountFen }
            let expected = model.bills[id]!
            let alerts = try queries.alerts(ofBill: id)
            var breaches = categoryBreaches(bill, claims, alerted: !alerts.isEmpty)
            if bill.lockedFen + bill.settledFen > bill.claimableFen, alerts.isEmpty {
                breaches.append(
                    "claimed \(bill.lockedFen + bill.settledFen) > claimable "
                    + "\(bill.claimableFen) without an alert"
                )
            }
            if alerts.count != expected.alerts {
                breaches.append("\(alerts.count) alerts, the model expected \(expected.alerts)")
            }
            if bill.redBillIDs.count != expected.redCount
                || bill.redBillIDs.count > RecordLimits.redBillsPerBill
            {
                breaches.append("\(bill.redBillIDs.count) red bills, model \(expected.redCount)")
            }
            if locked != bill.lockedFen || settled != bill.settledFen {
                breaches.append("claim records disagree with totals")
            }
            if bill.lockedFen != expected.locked || bill.settledFen != expected.settled
                || bill.reversedFen != expected.reversed
            {
                breaches.append("totals differ from the model")
            }
            if let voidedAt = expected.fullyReversedAtHeight,
                claims.contains(where: { $0.claimedAtHeight > voidedAt })
            {
                breaches.append("a voided bill was newly claimed")
            }
            if !breaches.isEmpty {
                Issue.record(
                    "reproduce with GOVCHAIN_SEED=\(seed): bill \(id): \(breaches)")
                return false
            }
        }
        return try checkUses(chain, seed: seed)
    }

    /// Per category: the claim records agree with the bill's totals, and claims above what
    /// the category is worth after a reversal carry an alert.
    func categoryBreaches(_ bill: BillRecord, _ claims: [ClaimRecord], alerted: Bool)
        -> [String]
    {
        var breaches: [String] = []
        for category in BillCategory.allCases {
            let mine = claims.filter { $0.category == category }
            let locked = mine.filter { $0.status == .locked }.reduce(0) { $0 + $1.amountFen }
            let settled = mine.filter { $0.status == .settled }.reduce(0) { $0 + $1.amountFen }
            if locked != bill.lockedCategories[category]
                || settled != bill.settledCategories[category]
            {
                breaches.append("\(category.name) claim records disagree with totals")
            }
            if bill.committedFen(in: category) > bill.claimableFen(in: category), !alerted {
                breaches.append("\(category.name) claimed above claimable without an alert")
            }
        }
        return breaches
    }

    /// Every use recorded at this height rests on a duty or on a grant that covers it.
    func checkUses(_ chain: TestChain, seed: UInt64) throws -> Bool {
        let queries = chain.queries
        for entry in chain.state.entries(withPrefix: StateKey("use/")) {
            let use = try UseRecord(canonicalBytes: entry.value)
            guard use.height == chain.height, let grantID = use.grantID else { continue }
            guard let grant = try queries.grant(grantID),
                let licence = try queries.licence(use.licenceID),
                grant.terms.granteeOrganisation == use.userOrganisation,
                grant.terms.holder == licence.holder,
                grant.terms.scope.covers(licenceID: licence.id, licenceType: licence.licenceType),
                grant.terms.purpose == use.purpose, grant.terms.validFromMs <= use.blockTimeMs,
                use.blockTimeMs <= grant.terms.validUntilMs
            else {
                Issue.record(
                    """
                    reproduce with GOVCHAIN_SEED=\(seed): use of \(use.licenceID) \
                    by \(use.userOrganisation) lacks a covering grant
                    """)
                return false
            }
        }
        return true
    }
}
