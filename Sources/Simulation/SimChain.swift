public import Contracts
public import Ledger

/// The simulated chain's genesis and the clients that use it: real organisations, real keys,
/// real signed transactions, so the simulator runs the real executor and contracts.
public enum SimChain {
    public static let chainID = "govchain-sim"
    public static let genesisTimeMs: UInt64 = 1_700_000_000_000
    public static let parameters = ConsensusParameters(
        timeoutProposeMs: 300, timeoutVoteMs: 150, timeoutMaxMs: 2_400, maxBlockTransactions: 200,
        maxBlockBytes: 256 << 10)

    public static let admin = SigningKey.deterministic(label: "simulation-admin")
    public static let police = SigningKey.deterministic(label: "simulation-police")
    public static let hospital = SigningKey.deterministic(label: "simulation-hospital")
    public static let insurers = (0..<2).map {
        SigningKey.deterministic(label: "simulation-insurer-\($0)")
    }
    /// A key no organisation holds: its transactions carry valid signatures and no permission.
    public static let outsider = SigningKey.deterministic(label: "simulation-outsider")

    static let licenceType = "1110000"
    static let policeCreditCode = "11360000MB00000024"

    /// Genesis for `validators`: one bureau admin, public security (licences), a hospital
    /// (bills) and two insurers (claims).
    public static func genesis(validators: [Validator]) -> Genesis {
        func org(_ id: String, _ code: String, _ keys: [OrganisationKey]) -> Organisation {
            Organisation(id: id, name: id, creditCode: code, keys: keys)
        }
        return Genesis(
            chainID: chainID, genesisTimeMs: genesisTimeMs,
            cryptoSuite: CryptoSuite.active.rawValue, validators: validators,
            organisations: [
                org(
                    "data-bureau", "11360000MB00000011",
                    [OrganisationKey(publicKey: admin.publicKey, roles: [.admin, .auditor])]),
                org(
                    "public-security", policeCreditCode,
                    [
                        OrganisationKey(
                            publicKey: police.publicKey, roles: [.licenceIssuer, .licenceUser],
                            licenceTypes: [licenceType])
                    ]),
                org(
                    "peoples-hospital", "12360000MB0000006D",
                    [OrganisationKey(publicKey: hospital.publicKey, roles: [.billIssuer])]),
                org(
                    "medical-insurance", "11360000MB0000008N",
                    [OrganisationKey(publicKey: insurers[0].publicKey, roles: [.reimburser])]),
                org(
                    "commercial-insurer", "91360000MA00000079",
                    [OrganisationKey(publicKey: insurers[1].publicKey, roles: [.reimburser])]),
            ],
            adminThreshold: 1, consensus: parameters)
    }
}

/// Deterministic client traffic: licences, medical bills, and two insurers claiming the same
/// bill at once (the dedup race). Transaction `n` is a pure function of (seed, n).
struct SimWorkload {
    let seed: UInt64
    private(set) var issued: UInt64 = 0
    /// The bill each claim transaction draws on (invariant I8: every bill is 10,000 fen and
    /// every claim 7,000, so at most one claim per bill may succeed).
    private(set) var claimedBill: [Hash256: UInt64] = [:]

    init(seed: UInt64) { self.seed = seed }

    /// The next transaction, valid until `validUntilHeight`.
    mutating func next(validUntilHeight: UInt64, nowMs: UInt64) -> Transaction {
        let serial = issued
        issued += 1
        let call: ContractCall
        let signer: SigningKey
        switch serial % 4 {
        case 0:
            call = .bill(
                .issue(
                    BillIssue(
                        // A stand-in digest: the simulator never verifies a code, and an
                        // Argon2id per bill (0.1 s) would dominate the run.
                        number: billNumber(serial / 4),
                        checkDigest: SHA256.hash(Array("check \(serial)".utf8)),
                        issuedAtMs: nowMs,
                        totalFen: 10_000, categories: nil,
                        payer: SHA256.hash(Array("payer \(serial)".utf8)))))
            signer = SimChain.hospital
        case 1, 2:
            // Both insurers claim most of the latest bill: at most one claim can win.
            let insurer = Int(serial % 4) - 1
            call = .reimbursement(
                .claim([
                    ClaimRequest(
                        claimID: "C\(seed)-\(serial)", billID: billNumber(serial / 4).billID,
                        amountFen: 7_000)
                ]))
            signer = SimChain.insurers[insurer]
        default:
            let licenceID =
                LicenceIdentifier.make(
                    typeCode: SimChain.licenceType, issuerCreditCode: SimChain.policeCreditCode,
                    serial: "S\(seed % 1_000_000)N\(serial)", version: 1) ?? "invalid"
            call = .licence(
                .issue(
                    LicenceIssue(
                        licenceID: licenceID, licenceType: SimChain.licenceType,
                        holder: SHA256.hash(Array("holder \(serial)".utf8)),
                        fileDigest: SHA256.hash(Array("file \(serial)".utf8)),
                        validFromMs: SimChain.genesisTimeMs,
                        validUntilMs: SimChain.genesisTimeMs + 365 * 86_400_000)))
            signer = SimChain.police
        }
        let tx = call.transaction(
            chainID: SimChain.chainID, signer: signer, uniqueID: uniqueID(serial),
            validUntilHeight: validUntilHeight)
        if case .reimbursement = call { claimedBill[tx.id] = serial / 4 }
        return tx
    }

    /// A 票据代码 valid in full: region 36, class and type from the seed, year of the
    /// simulated genesis (bills are issued within the run's first hours).
    private func billNumber(_ index: UInt64) -> BillNumber {
        let number = String(index)
        func two(_ value: UInt64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = UInt64(ChinaCalendar.date(ofMs: SimChain.genesisTimeMs).year % 100)
        return .medical(
            code: "36" + two(1 + seed % 99) + two(1 + (seed / 99) % 99) + two(year),
            number: String(repeating: "0", count: max(0, 10 - number.count)) + number)
    }

    private func uniqueID(_ serial: UInt64) -> [UInt8] {
        var encoder = CanonicalEncoder()
        encoder.encode(seed)
        encoder.encode(serial)
        return Array(SHA256.hash(encoder.bytes).bytes.prefix(Transaction.uniqueIDByteCount))
    }
}
