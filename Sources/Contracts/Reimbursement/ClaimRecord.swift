public import Ledger

/// A claim's lifecycle: LOCKED -> SETTLED | RELEASED.
public enum ClaimStatus: UInt8, Hashable, Sendable, CaseIterable {
    case locked = 0
    case settled = 1
    case released = 2

    public var name: String {
        switch self {
        case .locked: "locked"
        case .settled: "settled"
        case .released: "released"
        }
    }
}

/// A claim at `claim/<id>`, indexed under its bill.
public struct ClaimRecord: Hashable, Sendable, CanonicalCodable {
    public var claimID: String
    public var billID: String
    public var category: BillCategory?
    public var amountFen: UInt64
    public var reimburserOrganisation: String
    public var status: ClaimStatus
    public var claimedAtHeight: UInt64

    /// Whether a replayed request asks for exactly this claim.
    func matches(_ request: ClaimRequest, organisation: String) -> Bool {
        billID == request.billID && category == request.category && amountFen == request.amountFen
            && reimburserOrganisation == organisation
    }

    init(request: ClaimRequest, organisation: String, height: UInt64) {
        claimID = request.claimID; billID = request.billID; category = request.category
        amountFen = request.amountFen; reimburserOrganisation = organisation; status = .locked
        claimedAtHeight = height
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(claimID); encoder.encode(billID); encoder.encode(category)
        encoder.encode(amountFen)
        encoder.encode(reimburserOrganisation); encoder.encode(status.rawValue)
        encoder.encode(claimedAtHeight)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        claimID = try decoder.decodeName(); billID = try decoder.decodeName()
        category = try decoder.decodeOptional(BillCategory.self)
        amountFen = try decoder.decode(UInt64.self)
        reimburserOrganisation = try decoder.decodeName()
        status = try decoder.decodeEnum(ClaimStatus.self, named: "ClaimStatus")
        claimedAtHeight = try decoder.decode(UInt64.self)
    }
}

/// Claim ids are chosen by each reimburser, so they are scoped by its organisation: one
/// insurer can neither take nor probe another's id.
enum ClaimKeys {
    static func claim(_ reimburser: String, _ id: String) -> StateKey {
        StateKey("claim/\(reimburser)/\(id)")
    }
    static func byBill(_ billID: String) -> StateKey { StateKey("idx/claim-bill/\(billID)/") }
    /// The index entry's tail is `<reimburser>/<claim id>` (neither may contain `/`).
    static func byBill(_ billID: String, _ reimburser: String, _ claimID: String) -> StateKey {
        StateKey("idx/claim-bill/\(billID)/\(reimburser)/\(claimID)")
    }
}
