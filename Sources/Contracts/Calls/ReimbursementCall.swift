public import Ledger

/// One claim of a batch: lock `amountFen` of a bill (or of one category of it).
public struct ClaimRequest: Hashable, Sendable, CanonicalCodable {
    /// Chosen by the reimburser; replaying it with the same parameters is a no-op.
    public var claimID: String
    public var billID: String
    public var category: BillCategory?
    public var amountFen: UInt64

    public init(claimID: String, billID: String, category: BillCategory? = nil, amountFen: UInt64) {
        self.claimID = claimID
        self.billID = billID
        self.category = category
        self.amountFen = amountFen
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(claimID); encoder.encode(billID); encoder.encode(category)
        encoder.encode(amountFen)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        claimID = try decoder.decodeName(); billID = try decoder.decodeName()
        category = try decoder.decodeOptional(BillCategory.self)
        amountFen = try decoder.decode(UInt64.self)
    }
}

/// Calls of the `reimbursement` contract (reimburser keys). Each takes a batch that
/// succeeds or fails as a whole.
public enum ReimbursementCall: MethodCall {
    static let maxBatch = 256

    /// Locks each claim's amount (LOCKED).
    case claim([ClaimRequest])
    /// Marks locked claims paid (SETTLED).
    case settle(claimIDs: [String])
    /// Gives locked amounts back (RELEASED).
    case release(claimIDs: [String])

    public static let contractName = "reimbursement"

    public var methodName: String {
        switch self {
        case .claim: "claim"
        case .settle: "settle"
        case .release: "release"
        }
    }

    func encodeArguments(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .claim(requests): encoder.encode(requests)
        case let .settle(claimIDs), let .release(claimIDs): encoder.encode(claimIDs)
        }
    }

    init(method: String, arguments decoder: inout CanonicalDecoder) throws(CallDecodingError) {
        switch method {
        case "claim":
            self = .claim(
                try decodingArguments(Self.contractName, method) { () throws(CodecError) in
                    try decoder.decodeArray(of: ClaimRequest.self, limit: Self.maxBatch)
                })
        case "settle", "release":
            let ids = try decodingArguments(Self.contractName, method) { () throws(CodecError) in
                try decoder.decodeStrings(limit: Self.maxBatch)
            }
            self = method == "settle" ? .settle(claimIDs: ids) : .release(claimIDs: ids)
        default:
            throw .unknownMethod(contract: Self.contractName, method: method)
        }
    }
}
