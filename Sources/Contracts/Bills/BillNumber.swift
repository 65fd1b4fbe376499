public import Ledger

/// The number printed on an e-bill, in one of the two national forms, normalised into one
/// bill id with its kind.
public enum BillNumber: Hashable, Sendable, CanonicalCodable {
    /// Fiscal medical e-bill: 票据代码 (8 digits: region, class, type, year) +
    /// 票据号码 (10 digits).
    case medical(code: String, number: String)
    /// Fully digitised tax e-invoice (数电票): one 20-digit number.
    case taxInvoice(number: String)

    /// The bill id: `M<code><number>` or `T<number>` (the prefix keeps the kinds apart).
    public var billID: String {
        switch self {
        case let .medical(code, number): "M\(code)\(number)"
        case let .taxInvoice(number): "T\(number)"
        }
    }

    public var kind: String {
        switch self {
        case .medical: "medical"
        case .taxInvoice: "tax-invoice"
        }
    }

    /// Checks the digit counts of the kind.
    public func validate() throws(ContractError) {
        switch self {
        case let .medical(code, number):
            guard Self.isDigits(code, count: 8), Self.isDigits(number, count: 10) else {
                throw ContractError(
                    .invalidIdentifier, "a medical bill needs an 8-digit code and a 10-digit number"
                )
            }
        case let .taxInvoice(number):
            guard Self.isDigits(number, count: 20) else {
                throw ContractError(
                    .invalidIdentifier, "a tax e-invoice number has 20 digits, not \"\(number)\"")
            }
        }
    }

    /// Checks every field of the identifier (region, class, type and year of a 票据代码;
    /// year, province and channel of a 数电票 number) for a bill issued at `atMs`.
    public func validateFields(issuedAtMs atMs: UInt64) throws(ContractError) {
        try validate()
        switch self {
        case let .medical(code, _): try BillIdentifierFields.validateMedical(code: code, atMs: atMs)
        case let .taxInvoice(number):
            try BillIdentifierFields.validateTaxInvoice(number: number, atMs: atMs)
        }
    }

    private static func isDigits(_ text: String, count: Int) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == count && bytes.allSatisfy { (0x30...0x39).contains($0) }
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .medical(code, number):
            encoder.encode(UInt8(0)); encoder.encode(code); encoder.encode(number)
        case let .taxInvoice(number): encoder.encode(UInt8(1)); encoder.encode(number)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        if try decoder.decodeTag(of: "BillNumber", count: 2) == 0 {
            self = .medical(code: try decoder.decodeName(), number: try decoder.decodeName())
        } else {
            self = .taxInvoice(number: try decoder.decodeName())
        }
    }
}
