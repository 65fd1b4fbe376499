public import Ledger

/// Amounts per reimbursement category, in integer fen (1/100 yuan).
public struct CategoryAmounts: Hashable, Sendable, CanonicalCodable {
    public var pooledFund: UInt64
    public var personalAccount: UInt64
    public var selfPaid: UInt64

    public init(pooledFund: UInt64 = 0, personalAccount: UInt64 = 0, selfPaid: UInt64 = 0) {
        self.pooledFund = pooledFund
        self.personalAccount = personalAccount
        self.selfPaid = selfPaid
    }

    public static let zero = CategoryAmounts()

    public subscript(category: BillCategory) -> UInt64 {
        get {
            switch category {
            case .pooledFund: pooledFund
            case .personalAccount: personalAccount
            case .selfPaid: selfPaid
            }
        }
        set {
            switch category {
            case .pooledFund: pooledFund = newValue
            case .personalAccount: personalAccount = newValue
            case .selfPaid: selfPaid = newValue
            }
        }
    }

    /// The sum, or nil on overflow.
    public var total: UInt64? {
        let (partial, overflow1) = pooledFund.addingReportingOverflow(personalAccount)
        let (sum, overflow2) = partial.addingReportingOverflow(selfPaid)
        return overflow1 || overflow2 ? nil : sum
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(pooledFund); encoder.encode(personalAccount); encoder.encode(selfPaid)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        pooledFund = try decoder.decode(UInt64.self)
        personalAccount = try decoder.decode(UInt64.self)
        selfPaid = try decoder.decode(UInt64.self)
    }
}

/// A reimbursement category of a medical bill.
public enum BillCategory: UInt8, Hashable, Sendable, CaseIterable, CanonicalCodable {
    case pooledFund = 0  // 统筹基金
    case personalAccount = 1  // 个人账户
    case selfPaid = 2  // 自费

    public var name: String {
        switch self {
        case .pooledFund: "pooled-fund"
        case .personalAccount: "personal-account"
        case .selfPaid: "self-paid"
        }
    }

    public func encode(to encoder: inout CanonicalEncoder) { encoder.encode(rawValue) }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        self = try decoder.decodeEnum(BillCategory.self, named: "BillCategory")
    }
}

/// Arguments of `bill.issue`.
public struct BillIssue: Hashable, Sendable, CanonicalCodable {
    public var number: BillNumber
    /// The Argon2id digest of the bill's printed 校验码 (`BillCheckDigest.make`), computed
    /// by the issuer: the code itself never goes on chain, not even in this transaction,
    /// which anyone may read. Stored as given; all zero is refused.
    public var checkDigest: Hash256
    /// 开票日期, milliseconds since the Unix epoch.
    public var issuedAtMs: UInt64
    public var totalFen: UInt64
    /// Optional split of the total; when given it must sum to the total.
    public var categories: CategoryAmounts?
    /// The payer's commitment (`HolderCommitment.make`, context `bills`).
    public var payer: Hash256

    public init(
        number: BillNumber, checkDigest: Hash256, issuedAtMs: UInt64, totalFen: UInt64,
        categories: CategoryAmounts?, payer: Hash256
    ) {
        self.number = number
        self.checkDigest = checkDigest
        self.issuedAtMs = issuedAtMs
        self.totalFen = totalFen
        self.categories = categories
        self.payer = payer
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(number); encoder.encode(checkDigest); encoder.encode(issuedAtMs)
        encoder.encode(totalFen); encoder.encode(categories); encoder.encode(payer)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        number = try decoder.decode(BillNumber.self)
        checkDigest = try decoder.decode(Hash256.self)
        issuedAtMs = try decoder.decode(UInt64.self); totalFen = try decoder.decode(UInt64.self)
        categories = try decoder.decodeOptional(CategoryAmounts.self)
        payer = try decoder.decode(Hash256.self)
    }
}

/// Arguments of `bill.reverse` (冲红): the red bill that reverses all or part of a bill.
public struct BillReversal: Hashable, Sendable, CanonicalCodable {
    public var billID: String
    public var redNumber: BillNumber
    public var amountFen: UInt64
    /// Required when the bill has categories: which categories the reversal reduces.
    public var categories: CategoryAmounts?

    public init(
        billID: String, redNumber: BillNumber, amountFen: UInt64, categories: CategoryAmounts?
    ) {
        self.billID = billID
        self.redNumber = redNumber
        self.amountFen = amountFen
        self.categories = categories
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(billID); encoder.encode(redNumber); encoder.encode(amountFen)
        encoder.encode(categories)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        billID = try decoder.decodeName(); redNumber = try decoder.decode(BillNumber.self)
        amountFen = try decoder.decode(UInt64.self)
        categories = try decoder.decodeOptional(CategoryAmounts.self)
    }
}

/// Calls of the `bill` contract (bill-issuer keys of the issuing organisation).
public enum BillCall: MethodCall {
    case issue(BillIssue)
    /// Issues up to `LicenceCall.maxBatch` bills all-or-nothing (migration).
    case issueBatch([BillIssue])
    case reverse(BillReversal)

    public static let contractName = "bill"

    public var methodName: String {
        switch self {
        case .issue: "issue"
        case .issueBatch: "issueBatch"
        case .reverse: "reverse"
        }
    }

    func encodeArguments(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .issue(issue): encoder.encode(issue)
        case let .issueBatch(issues): encoder.encode(issues)
        case let .reverse(reversal): encoder.encode(reversal)
        }
    }

    init(method: String, arguments decoder: inout CanonicalDecoder) throws(CallDecodingError) {
        switch method {
        case "issue":
            self = .issue(
                try decodingArguments(Self.contractName, method) { () throws(CodecError) in
                    try decoder.decode(BillIssue.self)
                })
        case "issueBatch":
            self = .issueBatch(
                try decodingArguments(Self.contractName, method) { () throws(CodecError) in
                    try decoder.decodeArray(of: BillIssue.self, limit: LicenceCall.maxBatch)
                })
        case "reverse":
            self = .reverse(
                try decodingArguments(Self.contractName, method) { () throws(CodecError) in
                    try decoder.decode(BillReversal.self)
                })
        default:
            throw .unknownMethod(contract: Self.contractName, method: method)
        }
    }
}
