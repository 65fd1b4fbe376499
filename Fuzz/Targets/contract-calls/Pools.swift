import Contracts
import FuzzSupport
import Ledger

/// The small id pools calls draw from. Each pool has a few fixed ids (shared by many
/// calls, so they collide) and one that takes the call's serial (fresh in a burst).
enum Pools {
    static func proposalIDs(serial: UInt64) -> [String] { ["P0", "P1", "P2", "P\(serial)"] }
    static let fixedGrantIDs = ["G0", "G1", "G2"]
    static func grantIDs(serial: UInt64) -> [String] { fixedGrantIDs + ["G\(serial)"] }
    static let fixedClaimIDs = ["C0", "C1", "C2"]
    static func claimIDs(serial: UInt64) -> [String] { fixedClaimIDs + ["C\(serial)"] }
    /// Bills that calls other than issuing name: two medical bills and the tax invoice.
    static let billIDs = [
        FuzzChain.medicalBill(1).billID, FuzzChain.medicalBill(2).billID, "T12345678901234567890",
    ]

    /// Licences of the police (residence) and of the market bureau (business), built once:
    /// the check character costs more than the rest of a call's arguments.
    /// Serial S1 in versions 1 and 2 (so a renewal lands on an id other calls use), S2.
    static let policeLicenceIDs = licences(FuzzChain.residenceType, FuzzChain.policeCode)
    static let marketLicenceIDs = licences(FuzzChain.businessType, FuzzChain.marketCode)

    private static func licences(_ type: String, _ issuer: String) -> [String] {
        [("S1", 1), ("S2", 1), ("S1", 2)].map {
            FuzzChain.licenceID(type: type, issuer: issuer, serial: $0.0, version: $0.1)
        }
    }

    /// A later version of licence `serial`: what a renewal must name.
    static func renewal(of serial: String, police: Bool, version: UInt32) -> String {
        police
            ? FuzzChain.licenceID(
                type: FuzzChain.residenceType, issuer: FuzzChain.policeCode, serial: serial,
                version: version)
            : FuzzChain.licenceID(
                type: FuzzChain.businessType, issuer: FuzzChain.marketCode, serial: serial,
                version: version)
    }
    static let licenceIDs = policeLicenceIDs + marketLicenceIDs

    /// A licence id no call has used: for issuing, renewing and bursts.
    static func freshLicenceID(_ serial: UInt64, police: Bool = true) -> String {
        police
            ? FuzzChain.licenceID(
                type: FuzzChain.residenceType, issuer: FuzzChain.policeCode, serial: "N\(serial)")
            : FuzzChain.licenceID(
                type: FuzzChain.businessType, issuer: FuzzChain.marketCode, serial: "N\(serial)")
    }

    static func billNumbers(serial: UInt64) -> [BillNumber] {
        [
            FuzzChain.medicalBill(1), FuzzChain.medicalBill(2),
            FuzzChain.medicalBill(100_000 + serial),
            .taxInvoice(number: "25362000000000000001"),
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

    static let purposes = ["P1", "P2", "TAX-CHECK"]
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
