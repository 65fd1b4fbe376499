public import Ledger

/// Reimbursement claims against e-bills, stopping repeat reimbursement (一票多报): per bill
/// (and per category where given) LOCKED + SETTLED never exceeds total minus reversed.
/// Every call is a batch applied all-or-nothing (a refusal discards the whole write set),
/// and idempotent per claim id. Block order decides between competing reimbursers.
enum ReimbursementContract {
    static let name = ReimbursementCall.contractName

    static func invoke(_ call: ReimbursementCall, in context: inout ContractContext)
        throws(ContractError)
    {
        switch call {
        case let .claim(requests):
            guard !requests.isEmpty else {
                throw ContractError(.invalidArgument, "an empty claim batch")
            }
            for request in requests { try claim(request, in: &context) }
        case let .settle(claimIDs):
            guard !claimIDs.isEmpty else {
                throw ContractError(.invalidArgument, "an empty settle batch")
            }
            for claimID in claimIDs { try settle(claimID, in: &context) }
        case let .release(claimIDs):
            guard !claimIDs.isEmpty else {
                throw ContractError(.invalidArgument, "an empty release batch")
            }
            for claimID in claimIDs { try release(claimID, in: &context) }
        }
    }

    private static func claim(_ request: ClaimRequest, in context: inout ContractContext)
        throws(ContractError)
    {
        try Identifier.validate(request.claimID, "claim id")
        let organisation = context.organisationID
        let claimKey = ClaimKeys.claim(organisation, request.claimID)
        if let existing = try context.get(ClaimRecord.self, at: claimKey) {
            guard existing.matches(request, organisation: organisation) else {
                throw ContractError(
                    .claimConflict,
                    "claim \(request.claimID) of \(organisation) exists for "
                    + "\(existing.amountFen) fen of bill \(existing.billID); this asks "
                    + "\(request.amountFen) fen of \(request.billID)"
                )
            }
            context.emit(
                name, "replayed", [("claim", request.claimID), ("status", existing.status.name)])
            return
        }
        var bill = try claimableBill(request.billID, in: context)
        guard request.amountFen > 0 else {
            throw ContractError(.invalidAmount, "a claim's amount must be positive")
        }
        guard request.amountFen <= bill.leftFen else {
            throw ContractError(
                .amountExceedsRemaining,
                "claim \(request.claimID) asks \(request.amountFen) fen of bill \(bill.id); "
                + "\(bill.leftFen) fen left"
            )
        }
        if let category = request.category {
            guard bill.categories != nil else {
                throw ContractError(.invalidArgument, "bill \(bill.id) has no category amounts")
            }
            guard request.amountFen <= bill.leftFen(in: category) else {
                throw ContractError(
                    .categoryExceedsRemaining,
                    "claim \(request.claimID) asks \(request.amountFen) fen of "
                    + "\(category.name) of bill \(bill.id); \(bill.leftFen(in: category)) fen left"
                )
            }
            bill.lockedCategories[category] += request.amountFen
        }
        bill.lockedFen += request.amountFen
        let record = ClaimRecord(
            request: request, organisation: organisation, height: context.blockHeight)
        context.put(bill, at: BillKeys.bill(bill.id))
        context.put(record, at: claimKey)
        context.putBytes([], at: ClaimKeys.byBill(bill.id, organisation, record.claimID))
        context.emit(
            name, "claimed",
            [
                ("claim", record.claimID), ("bill", bill.id), ("reimburser", organisation),
                ("category", request.category?.name ?? ""),
                ("amountFen", String(request.amountFen)),
                ("leftFen", String(bill.leftFen)),
            ])
    }

    private static func claimableBill(_ billID: String, in context: ContractContext)
        throws(ContractError) -> BillRecord
    {
        guard let bill = try context.get(BillRecord.self, at: BillKeys.bill(billID)) else {
            throw ContractError(.notFound, "no bill \(billID)")
        }
        switch bill.status {
        case .reversed:
            throw ContractError(.billReversed, "bill \(billID) was reversed in full; 0 fen left")
        case .red: throw ContractError(.invalidArgument, "bill \(billID) is a red (reversal) bill")
        case .issued, .partiallyReversed: return bill
        }
    }

    private static func settle(_ claimID: String, in context: inout ContractContext)
        throws(ContractError)
    {
        var claim = try ownedClaim(claimID, in: context)
        switch claim.status {
        case .settled:
            context.emit(name, "replayed", [("claim", claimID), ("status", claim.status.name)])
            return
        case .released:
            throw ContractError(
                .invalidTransition, "claim \(claimID) was released and cannot be settled")
        case .locked:
            break
        }
        var bill = try claimableBill(claim.billID, in: context)
        try requireSettleable(claim, of: bill)
        let billKey = BillKeys.bill(bill.id)
        bill.lockedFen = try moving(claim, bill.lockedFen, by: -1, at: billKey)
        bill.settledFen = try moving(claim, bill.settledFen, by: +1, at: billKey)
        if let category = claim.category {
            bill.lockedCategories[category] = try moving(
                claim, bill.lockedCategories[category], by: -1, at: billKey)
            bill.settledCategories[category] = try moving(
                claim, bill.settledCategories[category], by: +1, at: billKey)
        }
        claim.status = .settled
        context.put(bill, at: BillKeys.bill(bill.id))
        context.put(claim, at: ClaimKeys.claim(context.organisationID, claimID))
        context.emit(
            name, "settled",
            [("claim", claimID), ("bill", bill.id), ("amountFen", String(claim.amountFen))])
    }

    private static func release(_ claimID: String, in context: inout ContractContext)
        throws(ContractError)
    {
        var claim = try ownedClaim(claimID, in: context)
        switch claim.status {
        case .released:
            context.emit(name, "replayed", [("claim", claimID), ("status", claim.status.name)])
            return
        case .settled:
            throw ContractError(
                .invalidTransition, "claim \(claimID) was settled and cannot be released")
        case .locked:
            break
        }
        let billKey = BillKeys.bill(claim.billID)
        var bill = try context.require(
            BillRecord.self, at: billKey, "claim \(claimID) names this bill, which is missing")
        bill.lockedFen = try moving(claim, bill.lockedFen, by: -1, at: billKey)
        if let category = claim.category {
            bill.lockedCategories[category] = try moving(
                claim, bill.lockedCategories[category], by: -1, at: billKey)
        }
        claim.status = .released
        context.put(bill, at: BillKeys.bill(bill.id))
        context.put(claim, at: ClaimKeys.claim(context.organisationID, claimID))
        context.emit(
            name, "released",
            [("claim", claimID), ("bill", bill.id), ("amountFen", String(claim.amountFen))])
    }

    /// A reversal may have cut the claimable amount below what is locked and settled, in
    /// all or in the claim's category: paying out now would exceed it, so the reimburser
    /// must release first.
    private static func requireSettleable(_ claim: ClaimRecord, of bill: BillRecord)
        throws(ContractError)
    {
        guard bill.committedFen <= bill.claimableFen else {
            throw ContractError(
                .amountExceedsRemaining,
                "bill \(bill.id) has \(bill.committedFen) fen claimed against "
                + "\(bill.claimableFen) fen claimable after reversal; release first"
            )
        }
        guard let category = claim.category else { return }
        let committed = bill.committedFen(in: category)
        let claimable = bill.claimableFen(in: category)
        guard committed <= claimable else {
            throw ContractError(
                .categoryExceedsRemaining,
                "bill \(bill.id) has \(committed) fen of \(category.name) claimed against "
                + "\(claimable) fen claimable after reversal; release first"
            )
        }
    }

    /// A bill total after moving a claim's amount out of it (-1) or into it (+1). The
    /// totals hold every claim's amount, so this cannot wrap unless the bill and claim
    /// records disagree: that is corruption, refused rather than trapped on.
    private static func moving(
        _ claim: ClaimRecord, _ total: UInt64, by direction: Int, at billKey: StateKey
    ) throws(ContractError) -> UInt64 {
        let (value, overflow) =
            direction < 0
            ? total.subtractingReportingOverflow(claim.amountFen)
            : total.addingReportingOverflow(claim.amountFen)
        guard !overflow else {
            throw StoredRecords.corrupt(
                BillRecord.self, at: billKey,
                "its totals do not hold claim \(claim.claimID) of \(claim.amountFen) fen"
            ).contractError
        }
        return value
    }

    /// The caller organisation's claim: another reimburser's claim of the same id is a
    /// different claim and stays out of reach.
    private static func ownedClaim(_ claimID: String, in context: ContractContext)
        throws(ContractError) -> ClaimRecord
    {
        try Identifier.validate(claimID, "claim id")
        let key = ClaimKeys.claim(context.organisationID, claimID)
        guard let claim = try context.get(ClaimRecord.self, at: key) else {
            throw ContractError(.notFound, "\(context.organisationID) has no claim \(claimID)")
        }
        guard claim.reimburserOrganisation == context.organisationID, claim.claimID == claimID
        else {
            throw StoredRecords.corrupt(
                ClaimRecord.self, at: key, "it names claim \(claim.claimID) of "
                    + "\(claim.reimburserOrganisation)"
            ).contractError
        }
        return claim
    }
}
