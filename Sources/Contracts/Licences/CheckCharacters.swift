/// Check characters of the national identifier standards.
public enum CheckCharacters {
    private static let alphanumeric = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
    /// GB 32100 code alphabet: digits and capitals without I, O, S, V, Z.
    private static let creditCodeAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    private static let creditCodeWeights = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ]

    /// ISO 7064 MOD 37,36 (hybrid system over 0-9 A-Z) check character of `text`, or nil
    /// if `text` has a character outside 0-9 A-Z.
    public static func mod3736(_ text: String) -> Character? {
        var product = 36
        for byte in text.utf8 {
            guard let value = alphanumeric.firstIndex(of: byte) else { return nil }
            product = step(product, value)
        }
        // The check value makes the final running sum 1 (mod 36), as the standard verifies.
        let check = (37 - product) % 36
        return Character(UnicodeScalar(alphanumeric[check]))
    }

    private static func step(_ product: Int, _ value: Int) -> Int {
        var sum = (product + value) % 36
        if sum == 0 { sum = 36 }
        return (sum * 2) % 37
    }

    /// Whether an 18-character unified social credit code carries its GB 32100 check character.
    public static func isValidCreditCode(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        guard bytes.count == 18 else { return false }
        var sum = 0
        for (position, byte) in bytes.prefix(17).enumerated() {
            guard let value = creditCodeAlphabet.firstIndex(of: byte) else { return false }
            sum += value * creditCodeWeights[position]
        }
        let check = (31 - sum % 31) % 31
        return bytes[17] == creditCodeAlphabet[check]
    }

    /// The GB 32100 check character for the first 17 characters of a credit code.
    public static func creditCodeCheck(_ first17: String) -> Character? {
        let bytes = Array(first17.utf8)
        guard bytes.count == 17 else { return nil }
        var sum = 0
        for (position, byte) in bytes.enumerated() {
            guard let value = creditCodeAlphabet.firstIndex(of: byte) else { return nil }
            sum += value * creditCodeWeights[position]
        }
        return Character(UnicodeScalar(creditCodeAlphabet[(31 - sum % 31) % 31]))
    }
}

/// A parsed GB/T 36904 licence identifier in the dotted form
/// `<type code>.<issuer credit code (18)>.<serial>.<version>.<check>`, where the check
/// character is ISO 7064 MOD 37,36 over the other fields' characters without the dots.
public struct LicenceIdentifier: Hashable, Sendable {
    public let typeCode: String
    public let issuerCreditCode: String
    public let serial: String
    public let version: UInt32

    /// Parses and checks both check characters.
    public init(parsing text: String) throws(ContractError) {
        let fields = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5 else {
            throw ContractError(
                .invalidIdentifier, "licence id \"\(text)\" needs 5 dot-separated fields")
        }
        guard CheckCharacters.isValidCreditCode(fields[1]) else {
            throw ContractError(
                .invalidIdentifier, "issuer code \(fields[1]) fails the GB 32100 check")
        }
        guard let version = UInt32(fields[3]), fields[3].utf8.count <= 4, version > 0 else {
            throw ContractError(
                .invalidIdentifier, "licence version \"\(fields[3])\" must be 1...9999")
        }
        let body = fields[0] + fields[1] + fields[2] + fields[3]
        guard !fields[0].isEmpty, !fields[2].isEmpty, let check = CheckCharacters.mod3736(body),
            fields[4] == String(check)
        else {
            throw ContractError(
                .invalidIdentifier, "licence id \"\(text)\" fails the ISO 7064 MOD 37,36 check")
        }
        typeCode = fields[0]
        issuerCreditCode = fields[1]
        serial = fields[2]
        self.version = version
    }

    /// Builds the identifier text with its check character.
    /// - Returns: nil if a field has characters outside 0-9 A-Z.
    public static func make(
        typeCode: String, issuerCreditCode: String, serial: String, version: UInt32
    )
        -> String?
    {
        guard
            let check = CheckCharacters.mod3736(
                typeCode + issuerCreditCode + serial + String(version))
        else {
            return nil
        }
        return "\(typeCode).\(issuerCreditCode).\(serial).\(version).\(check)"
    }
}
