public import Ledger

/// What justifies a licence use.
public enum UseBasis: Hashable, Sendable, CanonicalCodable {
    /// A live grant naming the caller's organisation (directly or by delegation).
    case grant(grantID: String)
    /// A statutory duty (依职能查验) of the caller for the use's service item.
    case statutoryDuty

    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .grant(grantID): encoder.encode(UInt8(0)); encoder.encode(grantID)
        case .statutoryDuty: encoder.encode(UInt8(1))
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        if try decoder.decodeTag(of: "UseBasis", count: 2) == 0 {
            self = .grant(grantID: try decoder.decodeName())
        } else {
            self = .statutoryDuty
        }
    }
}

/// Calls of the `licence-use` contract (licence-user keys).
public enum LicenceUseCall: MethodCall {
    /// Records that the caller's organisation used a licence for a purpose and service item.
    /// `useID` is chosen by the caller and unique per organisation: resubmitting a use that
    /// timed out with the same id and terms records nothing twice.
    case use(useID: String, licenceID: String, purpose: String, itemCode: String, basis: UseBasis)
    /// Records that the caller's organisation used a category of a person's data.
    case useData(DataUse)

    public static let contractName = "licence-use"

    public var methodName: String {
        switch self {
        case .use: "use"
        case .useData: "useData"
        }
    }

    func encodeArguments(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .use(useID, licenceID, purpose, itemCode, basis):
            encoder.encode(useID); encoder.encode(licenceID); encoder.encode(purpose)
            encoder.encode(itemCode)
            encoder.encode(basis)
        case let .useData(use):
            encoder.encode(use)
        }
    }

    init(method: String, arguments decoder: inout CanonicalDecoder) throws(CallDecodingError) {
        if method == "useData" {
            self = .useData(
                try decodingArguments(Self.contractName, method) { () throws(CodecError) in
                    try decoder.decode(DataUse.self)
                })
            return
        }
        guard method == "use" else {
            throw .unknownMethod(contract: Self.contractName, method: method)
        }
        self = try decodingArguments(Self.contractName, method) { () throws(CodecError) in
            .use(
                useID: try decoder.decodeName(), licenceID: try decoder.decodeName(),
                purpose: try decoder.decodeName(),
                itemCode: try decoder.decodeName(), basis: try decoder.decode(UseBasis.self))
        }
    }
}

/// Calls of the `evidence` contract (any registered key).
public enum EvidenceCall: MethodCall {
    /// Records proof that a validator signed two conflicting consensus statements.
    case record(EquivocationEvidence)

    public static let contractName = "evidence"

    public var methodName: String { "record" }

    func encodeArguments(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .record(evidence): encoder.encode(evidence)
        }
    }

    init(method: String, arguments decoder: inout CanonicalDecoder) throws(CallDecodingError) {
        guard method == "record" else {
            throw .unknownMethod(contract: Self.contractName, method: method)
        }
        self = .record(
            try decodingArguments(Self.contractName, method) { () throws(CodecError) in
                try decoder.decode(EquivocationEvidence.self)
            })
    }
}
