/// The stable status code of a receipt. Numbers never change meaning: clients and
/// department systems switch on them. 0 ok, 1xx input, 2xx permission, 3xx state or
/// lifecycle, 4xx amounts, 5xx stored state this node cannot read.
public enum StatusCode: UInt32, Sendable, Hashable, CaseIterable {
    case ok = 0

    case malformedCall = 100
    case unknownContract = 101
    case unknownMethod = 102
    case invalidIdentifier = 103
    case invalidAmount = 104
    case invalidArgument = 105
    case wrongChain = 106
    case transactionExpired = 107

    case unknownSender = 200
    case missingRole = 201
    case licenceTypeNotPermitted = 202
    case notResponsibleOrganisation = 203
    case invalidHolderSignature = 204

    case notFound = 300
    case alreadyExists = 301
    case invalidTransition = 302
    case licenceNotCurrent = 303
    case noLiveGrant = 304
    case billReversed = 305
    case alreadyApproved = 306
    case invalidEvidence = 307
    /// A list the call would grow (red bills of a bill, keys of an organisation, licence
    /// types of a key, approvals of a proposal) is at its bound.
    case limitReached = 308
    /// A statutory-duty use names a service item that is not registered, or that does not
    /// list the caller's organisation or the licence type (data category) used.
    case noDutyBasis = 309
    /// The licence type is not in the licence-type registry.
    case licenceTypeNotRegistered = 310
    /// An agent's grant names a mandate that is missing, revoked, outside its validity, or
    /// does not cover the grant's holder, scope, purpose or end.
    case noLiveMandate = 311
    /// `bindHolderKey` names a key already bound to another commitment: one key on two
    /// commitments would join them (a holder uses one key per context).
    case holderKeyBoundElsewhere = 312

    case amountExceedsRemaining = 400
    case claimConflict = 401
    case categoryExceedsRemaining = 402

    /// A stored record the call needs does not decode: corrupt storage or a broken
    /// upgrade. Every node holds the same bytes, so every node refuses alike.
    case storedRecordCorrupt = 500

    /// A short stable name, shown with the message.
    public var summary: String {
        switch self {
        case .ok: "ok"
        case .malformedCall: "malformed call"
        case .unknownContract: "unknown contract"
        case .unknownMethod: "unknown method"
        case .invalidIdentifier: "invalid identifier"
        case .invalidAmount: "invalid amount"
        case .invalidArgument: "invalid argument"
        case .wrongChain: "wrong chain"
        case .transactionExpired: "transaction expired"
        case .unknownSender: "unknown sender"
        case .missingRole: "missing role"
        case .licenceTypeNotPermitted: "licence type not permitted"
        case .notResponsibleOrganisation: "not the responsible organisation"
        case .invalidHolderSignature: "invalid holder signature"
        case .notFound: "not found"
        case .alreadyExists: "already exists"
        case .invalidTransition: "invalid transition"
        case .licenceNotCurrent: "licence not current"
        case .noLiveGrant: "no live grant"
        case .billReversed: "bill reversed"
        case .alreadyApproved: "already approved"
        case .invalidEvidence: "invalid evidence"
        case .limitReached: "limit reached"
        case .noDutyBasis: "no duty basis"
        case .licenceTypeNotRegistered: "licence type not registered"
        case .noLiveMandate: "no live mandate"
        case .holderKeyBoundElsewhere: "holder key bound elsewhere"
        case .amountExceedsRemaining: "amount exceeds remaining"
        case .claimConflict: "claim conflict"
        case .categoryExceedsRemaining: "category amount exceeds remaining"
        case .storedRecordCorrupt: "stored record corrupt"
        }
    }
}

/// Why a call was refused: a status code and a human-readable reason naming the values
/// involved. Contracts throw it; the executor turns it into a receipt, never past the
/// boundary.
public struct ContractError: Error, Hashable, Sendable, CustomStringConvertible {
    public let code: StatusCode
    public let reason: String

    public init(_ code: StatusCode, _ reason: String) {
        precondition(code != .ok, "a refusal needs a non-zero code")
        self.code = code
        self.reason = reason
    }

    /// The receipt message: "<summary>: <reason>".
    public var description: String { "\(code.summary): \(reason)" }
}
