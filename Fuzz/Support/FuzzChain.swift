public import Contracts
public import Ledger

/// The one fixed chain every target runs against: deterministic keys (so a crash input
/// replays anywhere), four validators, and one organisation per role, as a small devnet
/// would have. Nothing here depends on the clock or on randomness.
public enum FuzzChain {
    public static let chainID = "govchain-fuzz"
    public static let genesisTimeMs: UInt64 = 1_760_000_000_000
    public static let dayMs: UInt64 = 86_400_000

    public static let validatorKeys = (0..<4).map { SigningKey.deterministic(label: "fz-v\($0)") }
    public static let validatorSet = ValidatorSet(
        validatorKeys.enumerated().map {
            Validator(
                name: "v\($0.offset)", publicKey: $0.element.publicKey,
                address: "127.0.0.1:\(7100 + $0.offset)",
                networkKey: SigningKey.deterministic(label: "fz-n\($0.offset)").publicKey)
        })

    public static let admins = (0..<3).map { SigningKey.deterministic(label: "fz-admin-\($0)") }
    public static let identityProvider = SigningKey.deterministic(label: "fz-idp")
    public static let police = SigningKey.deterministic(label: "fz-police")
    public static let market = SigningKey.deterministic(label: "fz-market")
    public static let civil = SigningKey.deterministic(label: "fz-civil")
    public static let hospital = SigningKey.deterministic(label: "fz-hospital")
    public static let insurers = (0..<2).map { SigningKey.deterministic(label: "fz-insurer-\($0)") }
    public static let auditor = SigningKey.deterministic(label: "fz-auditor")
    /// Keys genesis does not register: an admin may add them, everyone else is refused.
    public static let outsiders = (0..<2).map {
        SigningKey.deterministic(label: "fz-outsider-\($0)")
    }

    /// Every key a call may come from, registered or not.
    public static let allKeys: [SigningKey] =
        admins + [identityProvider, police, market, civil, hospital] + insurers + [auditor]
        + outsiders

    public static let residenceType = "110001"
    public static let businessType = "330002"
    public static let licenceTypes = [residenceType, businessType, "990009"]

    public static func creditCode(_ first17: String) -> String {
        first17 + String(CheckCharacters.creditCodeCheck(first17)!)
    }

    public static let policeCode = creditCode("11360000MB1234567")
    public static let marketCode = creditCode("11360000MB7654321")
    public static let organisationIDs = [
        "bureau", "police", "market", "civil", "hospital", "insurer0", "insurer1", "audit", "newco",
    ]

    /// Holders are commitments (never identity numbers); each has a key it can bind.
    public static let holderKeys = (0..<3).map {
        SigningKey.deterministic(label: "fz-holder-\($0)")
    }
    public static let holders = (0..<3).map {
        HolderCommitment.make(
            pepper: Array("fuzz pepper".utf8), idNumber: "36010219900101\($0)00X",
            context: .authorisation)
    }

    public static let genesis: Genesis = {
        func org(_ id: String, _ code: String, _ keys: [OrganisationKey]) -> Organisation {
            Organisation(id: id, name: id, creditCode: code, keys: keys)
        }
        func key(_ signer: SigningKey, _ roles: [Role], _ types: [String] = []) -> OrganisationKey {
            OrganisationKey(publicKey: signer.publicKey, roles: roles, licenceTypes: types)
        }
        let organisations = [
            org(
                "bureau", creditCode("11360000MB0000001"),
                admins.map { key($0, [.admin]) } + [key(identityProvider, [.identityProvider])]),
            org(
                "police", policeCode,
                [key(police, [.licenceIssuer, .licenceUser], [residenceType])]),
            org("market", marketCode, [key(market, [.licenceIssuer], [businessType])]),
            org("civil", creditCode("11360000MB0000002"), [key(civil, [.licenceUser])]),
            org("hospital", creditCode("12360000MB0000004"), [key(hospital, [.billIssuer])]),
            org("insurer0", creditCode("91360000MA0000005"), [key(insurers[0], [.reimburser])]),
            org("insurer1", creditCode("91360000MA0000006"), [key(insurers[1], [.reimburser])]),
            org("audit", creditCode("11360000MB0000007"), [key(auditor, [.auditor])]),
        ]
        return Genesis(
            chainID: chainID, genesisTimeMs: genesisTimeMs, validators: validatorSet.validators,
            organisations: organisations, adminThreshold: 2, consensus: ConsensusParameters())
    }()

    /// The state after genesis, built once per process: each input starts from a copy.
    public static let genesisState = InMemoryState(applying: Contracts.genesisState(genesis))

    /// A valid GB/T 36904 licence id (nil only for characters outside 0-9 A-Z).
    public static func licenceID(
        type: String, issuer: String, serial: String, version: UInt32 = 1
    ) -> String {
        LicenceIdentifier.make(
            typeCode: type, issuerCreditCode: issuer, serial: serial, version: version)
            ?? "\(type).\(issuer).\(serial).\(version).X"
    }

    /// A medical e-bill number with a 10-digit serial.
    public static func medicalBill(_ serial: UInt64) -> BillNumber {
        let digits = String(serial % 10_000_000_000)
        return .medical(
            // Year 25: the fuzz chain's genesis is in October 2025.
            code: "36010125", number: String(repeating: "0", count: 10 - digits.count) + digits)
    }

    /// 16 unique-id bytes made from a counter.
    public static func uniqueID(_ counter: UInt64) -> [UInt8] {
        var unique = [UInt8](repeating: 0xF0, count: 8)
        for shift in stride(from: 56, through: 0, by: -8) {
            unique.append(UInt8(truncatingIfNeeded: counter >> UInt64(shift)))
        }
        return unique
    }

    /// A signed transaction with a unique id made from `counter`.
    public static func transaction(
        _ call: ContractCall, by signer: SigningKey, counter: UInt64, validUntilHeight: UInt64
    ) -> Transaction {
        call.transaction(
            chainID: chainID, signer: signer, uniqueID: uniqueID(counter),
            validUntilHeight: validUntilHeight)
    }

    /// The same call with an all-zero signature. The block executor never checks
    /// signatures (the node verifies them before execution), so the contract-call fuzzer
    /// skips the ~15 us of signing per call and spends it on more calls.
    public static func unsignedTransaction(
        _ call: ContractCall, by signer: SigningKey, counter: UInt64, validUntilHeight: UInt64
    ) -> Transaction {
        Transaction(
            chainID: chainID, sender: signer.publicKey, uniqueID: uniqueID(counter),
            validUntilHeight: validUntilHeight, contract: call.contractName,
            method: call.methodName, arguments: call.argumentBytes,
            signature: try! Signature(bytes: [UInt8](repeating: 0, count: 64)))
    }
}
