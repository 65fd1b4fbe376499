public import Ledger

/// Where a bill is in its lifecycle.
public enum BillStatus: UInt8, Hashable, Sendable, CaseIterable {
    case issued = 0
    case partiallyReversed = 1
    /// Fully reversed (冲红): never claimable again.
    case reversed = 2
    /// This bill is itself a red (reversal) bill.
    case red = 3

    public var name: String {
        switch self {
        case .issued: "issued"
        case .partiallyReversed: "partially-reversed"
        case .reversed: "reversed"
        case .red: "red"
        }
    }
}

/// An e-bill at `bill/<id>`, with the running totals of its claims so every claim checks
/// the amount left in O(1). Amounts are integer fen.
public struct BillRecord: Hashable, Sendable, CanonicalCodable {
    public var number: BillNumber
    public var issuerOrganisation: String
    public var payer: Hash256
    public var issuedAtMs: UInt64
    public var totalFen: UInt64
    public var categories: CategoryAmounts?
    /// The issuer's Argon2id digest of the check code, salted by the bill id
    /// (`BillCheckDigest`): lets anyone verify a printed code without the chain holding it.
    public var checkDigest: Hash256
    public var status: BillStatus
    public var reversedFen: UInt64
    public var reversedCategories: CategoryAmounts
    /// At most `RecordLimits.redBillsPerBill`: `bill.reverse` refuses the next one.
    public var redBillIDs: [String]
    /// For a red bill: the bill it reverses.
    public var reversesBillID: String?
    public var lockedFen: UInt64
    public var settledFen: UInt64
    public var lockedCategories: CategoryAmounts
    public var settledCategories: CategoryAmounts

    public var id: String { number.billID }

    // The decoder refuses records whose amounts break the bill's invariants (reversed above
    // total, claimed above total, categories not summing to it), so the differences below
    // cannot wrap for a stored record; they still never trap on a hand-built one.

    /// What is left to reverse: total minus what was reversed.
    public var reversibleFen: UInt64 { Self.difference(totalFen, reversedFen) }

    /// Total minus what was reversed: the most that may ever be LOCKED + SETTLED.
    public var claimableFen: UInt64 { status == .red ? 0 : reversibleFen }

    /// LOCKED + SETTLED.
    public var committedFen: UInt64 { Self.sum(lockedFen, settledFen) }

    /// What a new claim may still take (0 if reversals cut below existing claims).
    public var leftFen: UInt64 { Self.difference(claimableFen, committedFen) }

    /// What is left to reverse of `category`: its amount minus its reversals.
    public func reversibleFen(in category: BillCategory) -> UInt64 {
        guard let categories else { return 0 }
        return Self.difference(categories[category], reversedCategories[category])
    }

    /// The most that claims of `category` may ever have LOCKED + SETTLED.
    public func claimableFen(in category: BillCategory) -> UInt64 {
        status == .red ? 0 : reversibleFen(in: category)
    }

    /// LOCKED + SETTLED of `category`.
    public func committedFen(in category: BillCategory) -> UInt64 {
        Self.sum(lockedCategories[category], settledCategories[category])
    }

    /// What a new claim of `category` may still take.
    public func leftFen(in category: BillCategory) -> UInt64 {
        Self.difference(claimableFen(in: category), committedFen(in: category))
    }

    /// Categories whose claims a reversal left above what is claimable in them, in
    /// category order: settling there would pay out more than the category is worth.
    public var overCommittedCategories: [BillCategory] {
        guard categories != nil else { return [] }
        return BillCategory.allCases.filter { committedFen(in: $0) > claimableFen(in: $0) }
    }

    /// `a - b`, or 0 when `b` is larger.
    private static func difference(_ a: UInt64, _ b: UInt64) -> UInt64 { a > b ? a - b : 0 }

    /// `a + b`, or `UInt64.max` on overflow (which the decoder never lets through).
    private static func sum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : value
    }

    init(
        issue: BillIssue, issuer: String, checkDigest: Hash256, status: BillStatus,
        reverses: String?
    ) {
        number = issue.number; issuerOrganisation = issuer; payer = issue.payer
        issuedAtMs = issue.issuedAtMs; totalFen = issue.totalFen; categories = issue.categories
        self.checkDigest = checkDigest; self.status = status; reversedFen = 0
        reversedCategories = .zero
        redBillIDs = []; reversesBillID = reverses; lockedFen = 0; settledFen = 0
        lockedCategories = .zero; settledCategories = .zero
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(number); encoder.encode(issuerOrganisation); encoder.encode(payer)
        encoder.encode(issuedAtMs); encoder.encode(totalFen); encoder.encode(categories)
        encoder.encode(checkDigest); encoder.encode(status.rawValue); encoder.encode(reversedFen)
        encoder.encode(reversedCategories); encoder.encode(redBillIDs)
        encoder.encode(reversesBillID)
        encoder.encode(lockedFen); encoder.encode(settledFen); encoder.encode(lockedCategories)
        encoder.encode(settledCategories)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        number = try decoder.decode(BillNumber.self); issuerOrganisation = try decoder.decodeName()
        payer = try decoder.decode(Hash256.self); issuedAtMs = try decoder.decode(UInt64.self)
        totalFen = try decoder.decode(UInt64.self)
        categories = try decoder.decodeOptional(CategoryAmounts.self)
        checkDigest = try decoder.decode(Hash256.self)
        status = try decoder.decodeEnum(BillStatus.self, named: "BillStatus")
        reversedFen = try decoder.decode(UInt64.self)
        reversedCategories = try decoder.decode(CategoryAmounts.self)
        redBillIDs = try decoder.decodeNames(limit: RecordLimits.redBillsPerBill)
        reversesBillID = try decoder.decodeOptionalString()
        lockedFen = try decoder.decode(UInt64.self); settledFen = try decoder.decode(UInt64.self)
        lockedCategories = try decoder.decode(CategoryAmounts.self)
        settledCategories = try decoder.decode(CategoryAmounts.self)
        try validateAmounts()
    }

    /// The invariants every write keeps: reversed and claimed amounts within the total, in
    /// all and per category. A record breaking one is corrupt, not a bill to compute on.
    private func validateAmounts() throws(CodecError) {
        func fail(_ reason: String) -> CodecError {
            .invalidValue(type: "BillRecord", reason: reason)
        }
        guard reversedFen <= totalFen else { throw fail("reversed above the total") }
        let (committed, overflow) = lockedFen.addingReportingOverflow(settledFen)
        guard !overflow, committed <= totalFen else { throw fail("claimed above the total") }
        guard let categories else { return }
        guard categories.total == totalFen else { throw fail("categories do not sum to total") }
        for category in BillCategory.allCases {
            let amount = categories[category]
            let (claimed, overflow) = lockedCategories[category].addingReportingOverflow(
                settledCategories[category])
            guard reversedCategories[category] <= amount, !overflow, claimed <= amount else {
                throw fail("\(category.name) reversed or claimed above its amount")
            }
        }
    }
}

/// Raised when a bill is reversed while claims on it were settled, or the reversal cut the
/// claimable amount below what is locked and settled: a case for the auditors.
public struct BillAlert: Hashable, Sendable, CanonicalCodable {
    public var billID: String
    public var redBillID: String
    public var claimableFen: UInt64
    public var lockedFen: UInt64
    public var settledFen: UInt64
    public var height: UInt64

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(billID); encoder.encode(redBillID); encoder.encode(claimableFen)
        encoder.encode(lockedFen); encoder.encode(settledFen); encoder.encode(height)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        billID = try decoder.decodeName(); redBillID = try decoder.decodeName()
        claimableFen = try decoder.decode(UInt64.self); lockedFen = try decoder.decode(UInt64.self)
        settledFen = try decoder.decode(UInt64.self); height = try decoder.decode(UInt64.self)
    }

    init(
        billID: String, redBillID: String, claimableFen: UInt64, lockedFen: UInt64,
        settledFen: UInt64,
        height: UInt64
    ) {
        self.billID = billID; self.redBillID = redBillID; self.claimableFen = claimableFen
        self.lockedFen = lockedFen; self.settledFen = settledFen; self.height = height
    }
}

enum BillKeys {
    static func bill(_ id: String) -> StateKey { StateKey("bill/\(id)") }
    static func byPayer(_ payer: Hash256) -> StateKey { StateKey("idx/bill-payer/\(payer.hex)/") }
    static func byPayer(_ payer: Hash256, _ id: String) -> StateKey {
        StateKey("idx/bill-payer/\(payer.hex)/\(id)")
    }
    static func alerts(_ billID: String) -> StateKey { StateKey("alert/\(billID)/") }
    static func alert(_ billID: String, height: UInt64, txID: Hash256) -> StateKey {
        StateKey("alert/\(billID)/\(paddedHex(height))/\(txID.hex)")
    }
}
