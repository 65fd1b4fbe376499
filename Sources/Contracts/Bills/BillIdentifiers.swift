/// The fields of the national bill identifiers, validated in full (issue 13 item 6).
///
/// 票据代码 (8 digits): region (2, a province-level administrative division code), class
/// (2, 01-99), type (2, 01-99), year (2, the last two digits of the year the bill stock was
/// issued). 数电票 number (20 digits): year (2), province (2, the same division codes),
/// issuing channel (1, 1-9), sequence (15).
enum BillIdentifierFields {
    /// Province-level administrative division codes (GB/T 2260, first two digits).
    static let regionCodes: Set<String> = [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
        "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
        "63", "64", "65",
    ]

    /// Checks a medical bill's code fields; `atMs` is the issue (or reversal) time. The year
    /// field may be the issue year or the one before: bill stock issued in December is used
    /// into January.
    static func validateMedical(code: String, atMs: UInt64) throws(ContractError) {
        let digits = Array(code.utf8)
        let region = String(decoding: digits[0..<2], as: UTF8.self)
        guard regionCodes.contains(region) else {
            throw ContractError(
                .invalidIdentifier, "bill code \(code): region \(region) is no province code")
        }
        guard number(digits[2..<4]) > 0 else {
            throw ContractError(.invalidIdentifier, "bill code \(code): class 00 does not exist")
        }
        guard number(digits[4..<6]) > 0 else {
            throw ContractError(.invalidIdentifier, "bill code \(code): type 00 does not exist")
        }
        let year = number(digits[6..<8])
        let issued = ChinaCalendar.date(ofMs: atMs).year % 100
        guard year == issued || (year + 1) % 100 == issued else {
            throw ContractError(
                .invalidIdentifier,
                "bill code \(code): year \(year) does not fit an issue in 20\(issued)")
        }
    }

    /// Checks a tax e-invoice number's fields; the year is the issue year exactly (the
    /// number is given at issue).
    static func validateTaxInvoice(number invoice: String, atMs: UInt64) throws(ContractError) {
        let digits = Array(invoice.utf8)
        let year = number(digits[0..<2])
        let issued = ChinaCalendar.date(ofMs: atMs).year % 100
        guard year == issued else {
            throw ContractError(
                .invalidIdentifier,
                "tax e-invoice \(invoice): year \(year) is not the issue year 20\(issued)")
        }
        let province = String(decoding: digits[2..<4], as: UTF8.self)
        guard regionCodes.contains(province) else {
            throw ContractError(
                .invalidIdentifier, "tax e-invoice \(invoice): \(province) is no province code")
        }
        guard digits[4] != UInt8(ascii: "0") else {
            throw ContractError(
                .invalidIdentifier, "tax e-invoice \(invoice): channel 0 does not exist")
        }
    }

    /// The value of ASCII digits (callers checked they are digits; at most two here).
    private static func number(_ digits: ArraySlice<UInt8>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1 &- UInt8(ascii: "0")) }
    }
}

/// Calendar dates in China Standard Time (UTC+8, no daylight saving), from block-time
/// milliseconds, by integer arithmetic only (no Foundation calendar, no time zone data).
public enum ChinaCalendar {
    public struct Date: Hashable, Sendable, CustomStringConvertible {
        public let year: Int
        public let month: Int
        public let day: Int
        public var description: String {
            let month = month < 10 ? "0\(month)" : "\(month)"
            let day = day < 10 ? "0\(day)" : "\(day)"
            return "\(year)-\(month)-\(day)"
        }
    }

    static let offsetMs: UInt64 = 8 * 3_600_000

    /// The UTC+8 calendar date of a time (days-to-civil, H. Hinnant's algorithm).
    public static func date(ofMs timeMs: UInt64) -> Date {
        // UInt64.max / 86_400_000 fits an Int comfortably; the offset cannot wrap it either.
        let days = Int((timeMs / 1_000 + offsetMs / 1_000) / 86_400)
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return Date(year: year, month: month, day: day)
    }
}
