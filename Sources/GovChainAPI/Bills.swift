public import Contracts
public import Ledger

/// Amounts per medical-insurance category, in fen (1/100 yuan).
public struct CategoryAmountsView: Codable, Sendable, Hashable {
    /// 统筹基金
    public var pooledFund: UInt64
    /// 个人账户
    public var personalAccount: UInt64
    /// 自费
    public var selfPaid: UInt64

    enum CodingKeys: String, CodingKey {
        case pooledFund = "pooled_fund", personalAccount = "personal_account", selfPaid = "self_paid"
    }

    public init(_ amounts: CategoryAmounts) {
        pooledFund = amounts.pooledFund
        personalAccount = amounts.personalAccount
        selfPaid = amounts.selfPaid
    }
}

/// An e-bill (电子票据) or tax e-invoice, with what has been reversed, locked by claims and
/// settled. Amounts are in fen.
public struct BillView: Codable, Sendable, Hashable {
    /// `M` + 8-digit code + 10-digit number (medical) or `T` + 20 digits (tax e-invoice).
    public var id: String
    /// medical | tax-invoice
    public var kind: String
    public var issuerOrganisation: String
    /// The payer commitment (HMAC of the payer's identity number).
    public var payer: String
    public var issuedAtMs: UInt64
    public var totalFen: UInt64
    /// Per-category split of a medical bill; null for a tax e-invoice.
    @Nullable public var categories: CategoryAmountsView?
    /// Argon2id digest of the check code (校验码), salted by the bill id; the issuer computed
    /// it, a verifier recomputes it from the printed code (docs/encoding.md section 7).
    public var checkDigest: String
    /// issued | partially-reversed | reversed | red
    public var status: String
    public var reversedFen: UInt64
    public var reversedCategories: CategoryAmountsView
    public var redBillIDs: [String]
    /// For a red bill (冲红): the bill it reverses.
    @Nullable public var reversesBillID: String?
    public var lockedFen: UInt64
    public var settledFen: UInt64
    public var lockedCategories: CategoryAmountsView
    public var settledCategories: CategoryAmountsView
    /// What new claims may still take: claimable minus locked minus settled.
    public var leftFen: UInt64

    enum CodingKeys: String, CodingKey {
        case id, kind, payer, categories, status
        case issuerOrganisation = "issuer_organisation", issuedAtMs = "issued_at_ms", totalFen = "total_fen"
        case checkDigest = "check_digest", reversedFen = "reversed_fen", reversedCategories = "reversed_categories"
        case redBillIDs = "red_bill_ids", reversesBillID = "reverses_bill_id", lockedFen = "locked_fen"
        case settledFen = "settled_fen", lockedCategories = "locked_categories"
        case settledCategories = "settled_categories", leftFen = "left_fen"
    }

    public init(_ record: BillRecord) {
        id = record.id
        kind = record.number.kind
        issuerOrganisation = record.issuerOrganisation
        payer = record.payer.hex
        issuedAtMs = record.issuedAtMs
        totalFen = record.totalFen
        categories = record.categories.map(CategoryAmountsView.init)
        checkDigest = record.checkDigest.hex
        status = record.status.name
        reversedFen = record.reversedFen
        reversedCategories = CategoryAmountsView(record.reversedCategories)
        redBillIDs = record.redBillIDs
        reversesBillID = record.reversesBillID
        lockedFen = record.lockedFen
        settledFen = record.settledFen
        lockedCategories = CategoryAmountsView(record.lockedCategories)
        settledCategories = CategoryAmountsView(record.settledCategories)
        leftFen = record.leftFen
    }
}

/// A reimbursement claim on a bill. Claim ids are scoped by reimburser.
public struct ClaimView: Codable, Sendable, Hashable {
    public var claimID: String
    public var billID: String
    /// pooled-fund | personal-account | self-paid; null for a claim on the whole bill.
    @Nullable public var category: String?
    public var amountFen: UInt64
    public var reimburserOrganisation: String
    /// locked | settled | released
    public var status: String
    public var claimedAtHeight: UInt64

    enum CodingKeys: String, CodingKey {
        case category, status
        case claimID = "claim_id", billID = "bill_id", amountFen = "amount_fen"
        case reimburserOrganisation = "reimburser_organisation", claimedAtHeight = "claimed_at_height"
    }

    public init(_ record: ClaimRecord) {
        claimID = record.claimID
        billID = record.billID
        category = record.category?.name
        amountFen = record.amountFen
        reimburserOrganisation = record.reimburserOrganisation
        status = record.status.name
        claimedAtHeight = record.claimedAtHeight
    }
}

/// A red reversal that left a bill's claimable amount below what claims hold: a case for
/// the auditors.
public struct BillAlertView: Codable, Sendable, Hashable {
    public var billID: String
    public var redBillID: String
    public var claimableFen: UInt64
    public var lockedFen: UInt64
    public var settledFen: UInt64
    public var height: UInt64

    enum CodingKeys: String, CodingKey {
        case height
        case billID = "bill_id", redBillID = "red_bill_id", claimableFen = "claimable_fen"
        case lockedFen = "locked_fen", settledFen = "settled_fen"
    }

    public init(_ alert: BillAlert) {
        billID = alert.billID
        redBillID = alert.redBillID
        claimableFen = alert.claimableFen
        lockedFen = alert.lockedFen
        settledFen = alert.settledFen
        height = alert.height
    }
}

/// An alert across all bills, with its standing (docs/contracts.md "Open alerts").
public struct AlertStandingView: Codable, Sendable, Hashable {
    public var alert: BillAlertView
    /// open: the bill still holds more in claims than it can pay; closed: resolved or
    /// superseded by a later alert.
    public var status: String
    /// What the bill can still take, fen.
    public var billLeftFen: UInt64

    enum CodingKeys: String, CodingKey {
        case alert, status
        case billLeftFen = "bill_left_fen"
    }

    public init(_ standing: StandingAlert) {
        alert = BillAlertView(standing.alert)
        status = standing.status.rawValue
        billLeftFen = standing.bill.leftFen
    }
}

/// A bill's claims and alerts: what the reimbursement check of every insurer reads.
public struct BillClaimsView: Codable, Sendable, Hashable {
    public var billID: String
    public var leftFen: UInt64
    public var asOfHeight: UInt64
    public var claims: [ClaimView]
    public var alerts: [BillAlertView]

    enum CodingKeys: String, CodingKey {
        case claims, alerts
        case billID = "bill_id", leftFen = "left_fen", asOfHeight = "as_of_height"
    }

    public init(bill: BillRecord, claims: [ClaimRecord], alerts: [BillAlert], asOfHeight: UInt64) {
        billID = bill.id
        leftFen = bill.leftFen
        self.asOfHeight = asOfHeight
        self.claims = claims.map(ClaimView.init)
        self.alerts = alerts.map(BillAlertView.init)
    }
}

/// One bill of a payer's wallet, with who claimed what of it.
public struct WalletBillView: Codable, Sendable, Hashable {
    public var bill: BillView
    public var claims: [ClaimView]

    public init(bill: BillRecord, claims: [ClaimRecord]) {
        self.bill = BillView(bill)
        self.claims = claims.map(ClaimView.init)
    }
}
