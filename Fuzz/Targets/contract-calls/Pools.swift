import Contracts
import FuzzSupport
import Ledger

/// The small id pools calls draw from. Each pool has a few fixed ids (shared by many
/// calls, so they collide) and one that takes the call's serial (fresh in a burst).
enum Pools {
    static func proposalIDs(serial: UInt64) -> [String] { ["P0", "P1", "P2", "P\(serial)"] }
    static func grantIDs(serial: UInt64) -> [String] { ["G0", "G1", "G2", "G\(serial)"] }
    static func claimIDs(serial: UInt64) -> [String] { ["C0", "C1", "C2", "C\(serial)"] }

    /// Residence and business licences of the two issuers, and one id that fails the check.
    static func licenceIDs(serial: UInt64) -> [String] {
        fixedLicenceIDs + [
            FuzzChain.licenceID(
                type: FuzzChain.residenceType, issuer: FuzzChain.policeCode,
                serial: "S\(serial)")
        ]
    }

    // Built once: the check character costs more than the rest of a call's arguments.
    private static let fixedLicenceIDs =
        ["S1", "S2"].map {
            FuzzChain.licenceID(
                type: FuzzChain.residenceType, issuer: FuzzChain.policeCode, serial: $0)
        } + [
            FuzzChain.licenceID(
                type: FuzzChain.businessType, issuer: FuzzChain.marketCode, serial: "S1"),
            "not-a-licence",
        ]

    static func billNumbers(serial: UInt64) -> [BillNumber] {
        [
            FuzzChain.medicalBill(1), FuzzChain.medicalBill(2),
            FuzzChain.medicalBill(100_000 + serial),
            .taxInvoice(number: "12345678901234567890"),
            .medical(code: "3601", number: "1"),
        ]
    }

    static func organisationIDs(serial: UInt64) -> [String] {
        FuzzChain.organisationIDs + ["org\(serial)"]
    }

    static func licenceTypes(serial: UInt64) -> [String] {
        FuzzChain.licenceTypes + ["T\(serial)"]
    }

    static let publicKeys: [PublicKey] =
        FuzzChain.allKeys.map(\.publicKey) + FuzzChain.holderKeys.map(\.publicKey)
        + FuzzChain.validatorKeys.map(\.publicKey)

    static let purposes = ["P1", "P2", "TAX-CHECK", "bad purpose"]
    static let itemCodes = ["ITEM1", "ITEM2", ""]

    static func digest(_ id: String) -> Hash256 { SHA256.hash(Array(id.utf8)) }
}

extension FuzzInput {
    /// A time around `nowMs`: the past, the present, the near and far future, the edges.
    mutating func time(around nowMs: UInt64) -> UInt64 {
        switch index(8) {
        case 0: 0
        case 1: nowMs &- FuzzChain.dayMs
        case 2: nowMs
        case 3: nowMs &+ 60_000
        case 4: nowMs &+ 30 * FuzzChain.dayMs
        case 5: nowMs &+ 3_650 * FuzzChain.dayMs
        case 6: UInt64.max
        default: edgyUInt64()
        }
    }

    /// An amount in fen: mostly the sizes bills have, sometimes the edges.
    mutating func amount() -> UInt64 {
        chance(80) ? pick([0, 1, 100, 500, 1_000, 2_000, 5_000, 10_000]) : edgyUInt64()
    }

    mutating func categories() -> CategoryAmounts {
        CategoryAmounts(pooledFund: amount(), personalAccount: amount(), selfPaid: amount())
    }

    mutating func hash() -> Hash256 {
        chance(75) ? pick(FuzzChain.holders) : SHA256.hash([byte()])
    }

    /// A subset of `values`, one bit of a byte per value (at most 8 values).
    mutating func subset<Value>(_ values: [Value]) -> [Value] {
        let mask = byte()
        return values.prefix(8).enumerated().filter { mask >> UInt8($0.offset) & 1 == 1 }
            .map(\.element)
    }
}
