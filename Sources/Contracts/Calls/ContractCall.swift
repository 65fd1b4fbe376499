public import Ledger

/// Why a transaction's (contract, method, arguments) is not a call this runtime knows.
public enum CallDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownContract(String)
    case unknownMethod(contract: String, method: String)
    case malformedArguments(contract: String, method: String, CodecError)

    public var description: String {
        switch self {
        case let .unknownContract(name): "no contract named \"\(name)\""
        case let .unknownMethod(contract, method):
            "contract \(contract) has no method \"\(method)\""
        case let .malformedArguments(contract, method, error):
            "arguments of \(contract).\(method) do not decode: \(error)"
        }
    }

    var contractError: ContractError {
        switch self {
        case .unknownContract: ContractError(.unknownContract, description)
        case .unknownMethod: ContractError(.unknownMethod, description)
        case .malformedArguments: ContractError(.malformedCall, description)
        }
    }
}

/// The calls of one contract: each case is a method with typed arguments.
protocol MethodCall: Hashable, Sendable {
    static var contractName: String { get }
    var methodName: String { get }
    func encodeArguments(to encoder: inout CanonicalEncoder)
    init(method: String, arguments decoder: inout CanonicalDecoder) throws(CallDecodingError)
}

/// Every call the chain knows, as a typed value. The client builds one and turns it into a
/// signed `Transaction`; the executor decodes it back from the transaction.
public enum ContractCall: Hashable, Sendable {
    case governance(GovernanceCall)
    case licence(LicenceCall)
    case authorisation(AuthorisationCall)
    case licenceUse(LicenceUseCall)
    case bill(BillCall)
    case reimbursement(ReimbursementCall)
    case evidence(EvidenceCall)

    /// Arguments start with this version byte, so an argument layout can evolve.
    static let argumentsVersion: UInt8 = 1

    private var method: any MethodCall {
        switch self {
        case let .governance(call): call
        case let .licence(call): call
        case let .authorisation(call): call
        case let .licenceUse(call): call
        case let .bill(call): call
        case let .reimbursement(call): call
        case let .evidence(call): call
        }
    }

    /// The transaction's `contract` field.
    public var contractName: String { type(of: method).contractName }
    /// The transaction's `method` field.
    public var methodName: String { method.methodName }

    /// The transaction's `arguments` field: a version byte, then the canonical arguments.
    public var argumentBytes: [UInt8] {
        var encoder = CanonicalEncoder()
        encoder.encode(ContractCall.argumentsVersion)
        method.encodeArguments(to: &encoder)
        return encoder.bytes
    }

    /// Decodes a call, refusing unknown names, bad versions and trailing bytes.
    public init(contract: String, method: String, arguments: [UInt8]) throws(CallDecodingError) {
        var decoder = CanonicalDecoder(arguments, lengthLimit: Transaction.maxEncodedBytes)
        do {
            _ = try decoder.decodeVersion(of: "arguments", supported: 1...1)
        } catch {
            throw .malformedArguments(contract: contract, method: method, error)
        }
        switch contract {
        case GovernanceCall.contractName:
            self = .governance(try .init(method: method, arguments: &decoder))
        case LicenceCall.contractName:
            self = .licence(try .init(method: method, arguments: &decoder))
        case AuthorisationCall.contractName:
            self = .authorisation(try .init(method: method, arguments: &decoder))
        case LicenceUseCall.contractName:
            self = .licenceUse(try .init(method: method, arguments: &decoder))
        case BillCall.contractName: self = .bill(try .init(method: method, arguments: &decoder))
        case ReimbursementCall.contractName:
            self = .reimbursement(try .init(method: method, arguments: &decoder))
        case EvidenceCall.contractName:
            self = .evidence(try .init(method: method, arguments: &decoder))
        default: throw .unknownContract(contract)
        }
        do {
            try decoder.finish()
        } catch {
            throw .malformedArguments(contract: contract, method: method, error)
        }
    }

    /// Decodes the call a transaction carries.
    public init(transaction: Transaction) throws(CallDecodingError) {
        try self.init(
            contract: transaction.contract, method: transaction.method,
            arguments: transaction.arguments)
    }

    /// Builds and signs the transaction that makes this call.
    /// - Parameters:
    ///   - uniqueID: 16 fresh bytes per transaction (replay protection).
    ///   - validUntilHeight: the last height at which the chain may include it.
    public func transaction(
        chainID: String, signer: SigningKey, uniqueID: [UInt8], validUntilHeight: UInt64
    ) -> Transaction {
        Transaction.signed(
            chainID: chainID, signer: signer, uniqueID: uniqueID,
            validUntilHeight: validUntilHeight,
            contract: contractName, method: methodName, arguments: argumentBytes)
    }
}

/// Wraps a decoding step's `CodecError` with the method it belonged to.
func decodingArguments<Value>(
    _ contract: String, _ method: String, _ body: () throws(CodecError) -> Value
) throws(CallDecodingError) -> Value {
    do {
        return try body()
    } catch {
        throw .malformedArguments(contract: contract, method: method, error)
    }
}
