public import Contracts
internal import Dispatch
internal import Foundation
public import Ledger
internal import Synchronization

/// The devnet organisations whose keys sign the workload.
public struct Organisations: Sendable {
    public var police: SigningKey  // public-security: issues licences
    public var identity: SigningKey  // identity-provider: attests grants
    public var housing: SigningKey  // housing-fund: uses licences under grants
    public var hospital: SigningKey  // peoples-hospital: issues medical e-bills
    public var insurer: SigningKey  // medical-insurance: claims against e-bills

    public init(
        police: SigningKey, identity: SigningKey, housing: SigningKey, hospital: SigningKey,
        insurer: SigningKey
    ) {
        self.police = police
        self.identity = identity
        self.housing = housing
        self.hospital = hospital
        self.insurer = insurer
    }
}

/// One request of the load: a signed transaction's canonical bytes, or a query path.
public enum Operation: Sendable {
    case transaction(OperationKind, body: [UInt8])
    case query(OperationKind, path: String)

    public var kind: OperationKind {
        switch self {
        case .transaction(let kind, _), .query(let kind, _): kind
        }
    }
}

/// The state the mix depends on (made in the setup phase) and the factory of signed
/// operations. Identifiers carry a per-process run tag, so runs never collide on a chain.
public final class Workload: Sendable {
    struct SetupLicence: Sendable {
        let id: String
        let holder: Hash256
        /// The same person's commitment in the bills context (the payer of a setup bill).
        let payer: Hash256
        let fileDigest: Hash256
        let grantID: String
    }

    let chainID: String
    let organisations: Organisations
    let run: String
    let validUntilHeight: UInt64
    let nowMs: UInt64
    let licences: [SetupLicence]
    let billIDs: [String]
    private let counter = Atomic<UInt64>(0)

    init(chainID: String, organisations: Organisations, height: UInt64, setupCount: Int) {
        self.chainID = chainID
        self.organisations = organisations
        // 6 digits that differ between runs a second apart (bill codes need digits).
        let run = String(100_000 + UInt64(Date().timeIntervalSince1970) % 900_000)
        self.run = run
        // Good for hours of blocks; the node allows up to 100,000 ahead.
        validUntilHeight = height + 50_000
        let nowMs = UInt64(Date().timeIntervalSince1970 * 1000)
        self.nowMs = nowMs
        let pepper = Array("govchain-bench-pepper".utf8)
        licences = (0..<setupCount).map { index in
            let serial = "B\(run)L\(index)"
            return SetupLicence(
                id: LicenceIdentifier.make(
                    typeCode: "1110000", issuerCreditCode: "11360000MB00000024", serial: serial,
                    version: 1)!,
                holder: HolderCommitment.make(
                    pepper: pepper, idNumber: "bench-\(serial)", context: .authorisation),
                payer: HolderCommitment.make(
                    pepper: pepper, idNumber: "bench-\(serial)", context: .bills),
                fileDigest: SHA256.hash(Array("licence file \(serial)".utf8)),
                grantID: "BG\(run)S\(index)")
        }
        billIDs = (0..<setupCount).map { index in
            Self.billNumber(run: run, serial: UInt64(index), atMs: nowMs).billID
        }
    }

    /// A 票据代码 valid in full (region 36, class and type from the run tag, so runs do not
    /// collide, year of the issue) and the serial as 票据号码.
    static func billNumber(run: String, serial: UInt64, atMs: UInt64) -> BillNumber {
        let number = String(serial)
        let tag = Int(run) ?? 0
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = ChinaCalendar.date(ofMs: atMs).year % 100
        return .medical(
            code: "36" + two(1 + tag % 99) + two(1 + (tag / 99) % 99) + two(year),
            number: String(repeating: "0", count: max(0, 10 - number.count)) + number)
    }

    // MARK: - Setup

    /// The setup phase's transactions, in two waves: licences, then (they need the
    /// licences) the grants to the housing fund and the bills that claims draw on.
    func setupWaves() -> [[Operation]] {
        let licenceWave = licences.map { licence in
            sign(
                .licence(
                    .issue(
                        LicenceIssue(
                            licenceID: licence.id, licenceType: "1110000", holder: licence.holder,
                            fileDigest: licence.fileDigest, validFromMs: nowMs - 60_000,
                            validUntilMs: nowMs + 365 * 86_400_000))), by: organisations.police,
                kind: .use)
        }
        let grants = licences.map { licence in grant(licence, grantID: licence.grantID) }
        let bills = billIDs.indices.map { index in
            bill(serial: UInt64(index), totalFen: 1_000_000_000, payer: licences[index].payer)
        }
        return [licenceWave, grants + bills]
    }

    // MARK: - The measured operations

    /// `count` operations in the mix's proportions, signed now (on all cores) so that no
    /// signing happens once the clock runs.
    public func operations(count: Int, mix: Mix) -> [Operation] {
        let kinds = mix.sequence(count: count)
        let first = counter.add(UInt64(count), ordering: .relaxed).oldValue + 1_000_000
        let results = UnsafeMutableBufferPointer<Operation?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let shared = results  // each index is written by one thread
        let chunks = max(1, ProcessInfo.processInfo.activeProcessorCount * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var index = chunk * count / chunks
            let end = (chunk + 1) * count / chunks
            while index < end {
                shared[index] = self.operation(kinds[index], serial: first + UInt64(index))
                index += 1
            }
        }
        return results.map { $0! }
    }

    func operation(_ kind: OperationKind, serial: UInt64) -> Operation {
        let licence = licences[Int(serial % UInt64(licences.count))]
        switch kind {
        case .bill:
            let payer = SHA256.hash(Array("bench payer \(run) \(serial)".utf8))
            return bill(serial: serial, totalFen: 10_000 + serial % 90_000, payer: payer)
        case .claim:
            let billID = billIDs[Int(serial % UInt64(billIDs.count))]
            return sign(
                .reimbursement(
                    .claim([
                        ClaimRequest(
                            claimID: "BC\(run)N\(serial)", billID: billID, amountFen: 1)
                    ])), by: organisations.insurer, kind: .claim)
        case .use:
            return sign(
                .licenceUse(
                    .use(
                        // The grant's purpose itself: covered without a registered item.
                        useID: "BU\(run)N\(serial)", licenceID: licence.id,
                        purpose: "housing-loan", itemCode: "housing-loan",
                        basis: .grant(grantID: licence.grantID))), by: organisations.housing,
                kind: .use)
        case .grant:
            return grant(licence, grantID: "BG\(run)N\(serial)")
        case .verify:
            return .query(
                .verify, path: "/v1/licences/\(licence.id)/verify?digest=\(licence.fileDigest.hex)")
        }
    }

    private func grant(_ licence: SetupLicence, grantID: String) -> Operation {
        sign(
            .authorisation(
                .grant(
                    GrantTerms(
                        grantID: grantID, holder: licence.holder,
                        granteeOrganisation: "housing-fund",
                        scope: GrantScope(licenceIDs: [licence.id]), purpose: "housing-loan",

                        consent: Consent(mode: .remote, channel: "app"),
                        validFromMs: nowMs - 60_000, validUntilMs: nowMs + 30 * 86_400_000),
                    .identityProvider)),
            by: organisations.identity, kind: .grant)
    }

    /// One fixed check digest for every bench bill. The issuer's Argon2id costs ~0.1 s and
    /// 64 MiB of the client's machine per bill: computing it per bill would make the load
    /// generator, not the chain, the bottleneck (and the chain stores the digest as given,
    /// so what the nodes do is the same). The bench never verifies a bill's code.
    static let benchCheckDigest = SHA256.hash(Array("govchain bench check digest".utf8))

    private func bill(serial: UInt64, totalFen: UInt64, payer: Hash256) -> Operation {
        sign(
            .bill(
                .issue(
                    BillIssue(
                        number: Self.billNumber(run: run, serial: serial, atMs: nowMs),
                        checkDigest: Self.benchCheckDigest,
                        issuedAtMs: nowMs,
                        totalFen: totalFen, categories: nil, payer: payer))),
            by: organisations.hospital, kind: .bill)
    }

    private func sign(_ call: ContractCall, by signer: SigningKey, kind: OperationKind) -> Operation
    {
        var uniqueID = [UInt8](repeating: 0, count: Transaction.uniqueIDByteCount)
        var generator = SystemRandomNumberGenerator()
        for index in uniqueID.indices {
            uniqueID[index] = UInt8.random(in: 0...255, using: &generator)
        }
        let tx = call.transaction(
            chainID: chainID, signer: signer, uniqueID: uniqueID, validUntilHeight: validUntilHeight
        )
        return .transaction(kind, body: tx.canonicalBytes)
    }
}
