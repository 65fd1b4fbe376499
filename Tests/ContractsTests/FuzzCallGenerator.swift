import Contracts
import Ledger

/// Draws hostile contract calls: every method of every contract, with arguments that are
/// mostly near-valid (so state grows and the checks have something to bite on) and often
/// extreme. Ids come from small pools so calls collide, replay and race; signers are the
/// test chain's keys (usually one with the right role) or strangers.
struct HostileCallGenerator {
    var random: SplitMix64
    private var counter: UInt64 = 0

    init(random: SplitMix64) { self.random = random }

    static let strangers = (0..<3).map { SigningKey.deterministic(label: "stranger-\($0)") }
    static let everyone =
        TestChain.admins + TestChain.insurers + strangers
        + [
            TestChain.identityProvider, TestChain.police, TestChain.market, TestChain.civil,
            TestChain.tax, TestChain.hospital, TestChain.auditor,
        ]
    static let organisations = [
        "bureau", "police", "market", "civil", "tax", "hospital", "insurer0", "insurer1",
        "audit", "nowhere",
    ]

    mutating func pick<T>(_ values: [T]) -> T {
        values[Int.random(in: 0..<values.count, using: &random)]
    }
    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &random) < percent
    }

    /// The next transaction for a block at `height` and about `timeMs`.
    mutating func next(height: UInt64, timeMs: UInt64) -> Transaction {
        counter += 1
        let (call, usual) = call(timeMs: timeMs)
        let signer = chance(75) ? usual : pick(Self.everyone)
        var unique = [UInt8](repeating: 0, count: 8)
        withUnsafeBytes(of: counter.bigEndian) { unique.append(contentsOf: $0) }
        let validUntil = chance(95) ? height + 10 : pick([0, height - 1, UInt64.max])
        if chance(8) {
            // Raw bytes under a real or made-up contract and method name.
            var arguments = (0..<Int.random(in: 0...96, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            if chance(50), !arguments.isEmpty { arguments[0] = 1 }
            return Transaction.signed(
                chainID: chance(95) ? TestChain.chainID : "other", signer: signer,
                uniqueID: unique, validUntilHeight: validUntil,
                contract: chance(80) ? call.contractName : pick(["", "nope", "bill/"]),
                method: chance(80) ? call.methodName : pick(["", "issue", "x"]),
                arguments: arguments)
        }
        return Transaction.signed(
            chainID: TestChain.chainID, signer: signer, uniqueID: unique,
            validUntilHeight: validUntil, contract: call.contractName, method: call.methodName,
            arguments: call.argumentBytes)
    }

    /// A call and the key that would normally make it.
    mutating func call(timeMs: UInt64) -> (ContractCall, SigningKey) {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<12: return (.governance(governance()), pick(TestChain.admins))
        case 12..<24:
            return (.licence(licence(timeMs: timeMs)), pick([TestChain.police, TestChain.market]))
        case 24..<34:
            return (.authorisation(authorisation(timeMs: timeMs)), TestChain.identityProvider)
        case 34..<44:
            let basis: UseBasis =
                chance(40) ? .statutoryDuty : .grant(grantID: id("g", 12))
            let call = LicenceUseCall.use(
                useID: pick(["u1", "u2", hostileString()]), licenceID: licenceID(),
                purpose: pick(["P1", "P2", hostileString()]),
                itemCode: pick(["P1", hostileString()]), basis: basis)
            return (.licenceUse(call), pick([TestChain.civil, TestChain.tax, TestChain.police]))
        case 44..<64: return (.bill(bill()), TestChain.hospital)
        case 64..<94: return (.reimbursement(reimbursement()), pick(TestChain.insurers))
        default: return (.evidence(.record(evidence())), TestChain.auditor)
        }
    }

    // MARK: - Values

    /// Mostly small, sometimes at the edges of `UInt64`.
    mutating func amount() -> UInt64 {
        if chance(75) { return UInt64.random(in: 1...40, using: &random) * 50 }
        return pick([0, 1, UInt64.max, UInt64.max - 1, UInt64.max / 2, 1 << 63, 1 << 32])
    }

    mutating func time(around timeMs: UInt64) -> UInt64 {
        if chance(80) { return timeMs &+ UInt64.random(in: 0...600_000, using: &random) }
        return pick([0, 1, UInt64.max, UInt64.max - 1, timeMs])
    }

    mutating func hostileString() -> String {
        pick([
            "", "/", "a/b", "../x", " ", "\u{0}", "名字", String(repeating: "x", count: 64),
            String(repeating: "y", count: 65), String(repeating: "z", count: 129),
            String(repeating: "w", count: 600), "P1",
        ])
    }

    /// An id from a pool of `pool` ("c0"...), or now and then a hostile string.
    mutating func id(_ prefix: String, _ pool: Int) -> String {
        chance(90) ? "\(prefix)\(Int.random(in: 0..<pool, using: &random))" : hostileString()
    }

    /// A list of `make()` values: usually short, sometimes past every bound.
    mutating func list<T>(_ make: (inout HostileCallGenerator) -> T) -> [T] {
        let count = chance(85) ? Int.random(in: 1...3, using: &random) : pick([0, 255, 257, 300])
        return (0..<count).map { _ in make(&self) }
    }

    mutating func key() -> PublicKey { pick(Self.everyone).publicKey }
    mutating func holder() -> Hash256 { People.holder(Int.random(in: 0..<4, using: &random)) }
    mutating func billNumber() -> BillNumber {
        if chance(90) { return Bills.medical(1 + Int.random(in: 0..<30, using: &random)) }
        return pick([
            .medical(code: "1", number: "2"), .taxInvoice(number: "12345678901234567890"),
            .taxInvoice(number: hostileString()),
        ])
    }
    mutating func licenceID() -> String {
        let serial = "S\(Int.random(in: 0..<12, using: &random))"
        if chance(60) { return Licences.residence(serial) }
        if chance(70) {
            return Licences.id(
                type: TestChain.businessType, issuer: TestChain.marketCode, serial: serial)
        }
        return hostileString()
    }
    mutating func categories(total: UInt64) -> CategoryAmounts? {
        guard chance(50) else { return nil }
        if chance(20) {
            return CategoryAmounts(pooledFund: amount(), personalAccount: amount(), selfPaid: 0)
        }
        let pooled = UInt64.random(in: 0...total, using: &random)
        return CategoryAmounts(pooledFund: pooled, personalAccount: 0, selfPaid: total - pooled)
    }
}
