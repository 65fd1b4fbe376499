public import Ledger

/// E-bills: issue (medical fiscal e-bill or tax e-invoice) and red reversal (冲红), full
/// or partial, by a bill issuer of the issuing organisation.
enum BillContract {
    static let name = BillCall.contractName
    /// How far a bill's issue time may run ahead of the block time (clock skew).
    static let clockSkewMs: UInt64 = 10 * 60_000

    static func invoke(_ call: BillCall, in context: inout ContractContext) throws(ContractError) {
        switch call {
        case let .issue(issue): try self.issue(issue, in: &context)
        case let .issueBatch(issues):
            // All or nothing, like a licence batch; the reason names the row.
            guard !issues.isEmpty else {
                throw ContractError(.invalidArgument, "an empty bill batch")
            }
            for (index, issue) in issues.enumerated() {
                do {
                    try self.issue(issue, in: &context)
                } catch {
                    throw ContractError(
                        error.code, "row \(index) (\(issue.number.billID)): \(error.reason)")
                }
            }
        case let .reverse(reversal): try reverse(reversal, in: &context)
        }
    }

    private static func issue(_ issue: BillIssue, in context: inout ContractContext)
        throws(ContractError)
    {
        try issue.number.validateFields(issuedAtMs: issue.issuedAtMs)
        // The issue date is part of verification, so it must be a real one: not after the
        // block (a few minutes of clock skew between a hospital and the chain allowed).
        guard issue.issuedAtMs <= context.blockTimeMs + BillContract.clockSkewMs else {
            throw ContractError(
                .invalidArgument,
                "issue time \(issue.issuedAtMs) is after the block time \(context.blockTimeMs)")
        }
        // The digest is the issuer's Argon2id of the printed code (the contract never sees
        // the code). All zero is what a forgotten field looks like: no bill could verify.
        guard issue.checkDigest != .zero else {
            throw ContractError(.invalidArgument, "a bill's check digest is all zero")
        }
        guard issue.totalFen > 0 else {
            throw ContractError(.invalidAmount, "a bill's total must be positive")
        }
        if let categories = issue.categories, categories.total != issue.totalFen {
            throw ContractError(
                .invalidAmount,
                "category amounts sum to \(categories.total.map(String.init) ?? "overflow"), "
                + "total is \(issue.totalFen)"
            )
        }
        let billID = issue.number.billID
        guard !context.exists(BillKeys.bill(billID)) else {
            throw ContractError(.alreadyExists, "bill \(billID) exists")
        }
        let record = BillRecord(
            issue: issue, issuer: context.organisationID,
            checkDigest: issue.checkDigest,
            status: .issued, reverses: nil)
        context.put(record, at: BillKeys.bill(billID))
        context.putBytes([], at: BillKeys.byPayer(issue.payer, billID))
        context.emit(
            name, "issued",
            [
                ("bill", billID), ("kind", issue.number.kind), ("issuer", context.organisationID),
                ("payer", issue.payer.hex), ("totalFen", String(issue.totalFen)),
            ])
    }

    private static func reverse(_ reversal: BillReversal, in context: inout ContractContext)
        throws(ContractError)
    {
        guard var bill = try context.get(BillRecord.self, at: BillKeys.bill(reversal.billID))
        else {
            throw ContractError(.notFound, "no bill \(reversal.billID)")
        }
        guard bill.issuerOrganisation == context.organisationID else {
            throw ContractError(
                .notResponsibleOrganisation,
                "bill \(bill.id) was issued by \(bill.issuerOrganisation)")
        }
        guard bill.status == .issued || bill.status == .partiallyReversed else {
            throw ContractError(
                .invalidTransition, "bill \(bill.id) is \(bill.status.name) and cannot be reversed")
        }
        // A red bill is issued now, and is of the kind of the bill it reverses.
        try reversal.redNumber.validateFields(issuedAtMs: context.blockTimeMs)
        guard reversal.redNumber.kind == bill.number.kind else {
            throw ContractError(
                .invalidArgument,
                "bill \(bill.id) is a \(bill.number.kind) bill; its red bill must be one too")
        }
        let redID = reversal.redNumber.billID
        guard !context.exists(BillKeys.bill(redID)) else {
            throw ContractError(.alreadyExists, "bill \(redID) exists")
        }
        // Bounded here with the limit the decoder enforces: an unbounded list would make
        // the bill unreadable, and with it every transaction that touches the bill.
        try RecordLimits.require(
            bill.redBillIDs.count + 1, atMost: RecordLimits.redBillsPerBill,
            "red bills of bill \(bill.id)")
        try applyAmounts(reversal, to: &bill)
        bill.redBillIDs.append(redID)
        bill.status = bill.reversedFen == bill.totalFen ? .reversed : .partiallyReversed
        // A red bill keeps the check digest of the bill it reverses (it has no code of
        // its own on paper that anyone verifies).
        let redIssue = BillIssue(
            number: reversal.redNumber, checkDigest: bill.checkDigest,
            issuedAtMs: context.blockTimeMs,
            totalFen: reversal.amountFen,
            categories: reversal.categories, payer: bill.payer)
        let red = BillRecord(
            issue: redIssue, issuer: context.organisationID, checkDigest: bill.checkDigest,
            status: .red,
            reverses: bill.id)
        context.put(bill, at: BillKeys.bill(bill.id))
        context.put(red, at: BillKeys.bill(redID))
        context.putBytes([], at: BillKeys.byPayer(bill.payer, redID))
        context.emit(
            name, "reversed",
            [
                ("bill", bill.id), ("redBill", redID), ("amountFen", String(reversal.amountFen)),
                ("status", bill.status.name), ("claimableFen", String(bill.claimableFen)),
            ])
        raiseAlertIfNeeded(bill, redID: redID, in: &context)
    }

    /// An alert when the bill had settled claims, or the reversal left its claims above
    /// what is claimable, in all or in one category (DOMAIN.md: LOCKED + SETTLED never
    /// exceeds the claimable amount, per bill and per category).
    private static func raiseAlertIfNeeded(
        _ bill: BillRecord, redID: String, in context: inout ContractContext
    ) {
        let overCommitted = bill.overCommittedCategories
        guard bill.settledFen > 0 || bill.committedFen > bill.claimableFen
            || !overCommitted.isEmpty
        else { return }
        let alert = BillAlert(
            billID: bill.id, redBillID: redID, claimableFen: bill.claimableFen,
            lockedFen: bill.lockedFen, settledFen: bill.settledFen, height: context.blockHeight)
        context.put(
            alert, at: BillKeys.alert(bill.id, height: context.blockHeight, txID: context.txID))
        // Per category: "<name> <committed>/<claimable>", so auditors see which one and by
        // how much without reading the bill.
        let categories = overCommitted.map { category in
            let committed = bill.committedFen(in: category)
            return "\(category.name) \(committed)/\(bill.claimableFen(in: category))"
        }
        context.emit(
            name, "alert",
            [
                ("bill", bill.id), ("settledFen", String(bill.settledFen)),
                ("lockedFen", String(bill.lockedFen)),
                ("claimableFen", String(bill.claimableFen)),
                ("overCommittedCategories", categories.joined(separator: ",")),
            ])
    }

    /// Adds the reversed amounts, refusing more than is left to reverse (in total and per
    /// category).
    private static func applyAmounts(_ reversal: BillReversal, to bill: inout BillRecord)
        throws(ContractError)
    {
        let remaining = bill.reversibleFen
        guard reversal.amountFen > 0, reversal.amountFen <= remaining else {
            throw ContractError(
                .invalidAmount,
                "reversal of \(reversal.amountFen) fen; \(remaining) fen of bill \(bill.id) "
                + "can be reversed"
            )
        }
        bill.reversedFen += reversal.amountFen
        switch (bill.categories, reversal.categories) {
        case (nil, nil):
            return
        case let (_?, parts?):
            guard parts.total == reversal.amountFen else {
                throw ContractError(
                    .invalidAmount, "reversal categories must sum to \(reversal.amountFen)")
            }
            for category in BillCategory.allCases {
                let left = bill.reversibleFen(in: category)
                guard parts[category] <= left else {
                    throw ContractError(
                        .invalidAmount,
                        "reversal of \(parts[category]) fen of \(category.name); \(left) fen left")
                }
                bill.reversedCategories[category] += parts[category]
            }
        case (nil, _?):
            throw ContractError(.invalidArgument, "bill \(bill.id) has no categories to reverse")
        case (_?, nil):
            throw ContractError(
                .invalidArgument, "bill \(bill.id) has categories: say which the reversal reduces")
        }
    }
}
