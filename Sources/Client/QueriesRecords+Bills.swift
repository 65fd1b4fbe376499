public import Contracts
public import Ledger

// The typed answers of the node's query routes (docs/api.md): bills, claims, organisations,
// evidence, blocks and transactions (licences and grants are in QueriesRecords.swift). The node renders records by
// reflection (`JSONView` in Node), so the property names here are the contract record
// types' property names, enum cases appear by case name ("partiallyReversed"), hashes and
// keys as lower-case hex. These types are also what `govchain --json` prints, so a script
// can decode the CLI's output with the same types the library returns.


/// Amounts per reimbursement category, in fen.
public struct CategoryFen: Codable, Sendable, Hashable {
    public var pooledFund: UInt64
    public var personalAccount: UInt64
    public var selfPaid: UInt64

    public init(_ amounts: CategoryAmounts) {
        pooledFund = amounts.pooledFund
        personalAccount = amounts.personalAccount
        selfPaid = amounts.selfPaid
    }
}

/// A bill number as the node shows it: `{"medical": [code, number]}` or
/// `{"taxInvoice": number}`.
public struct BillNumberInfo: Codable, Sendable, Hashable {
    public var number: BillNumber

    public init(_ number: BillNumber) { self.number = number }

    enum CodingKeys: String, CodingKey { case medical, taxInvoice }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let parts = try container.decodeIfPresent([String].self, forKey: .medical),
            parts.count == 2
        {
            number = .medical(code: parts[0], number: parts[1])
        } else {
            // A one-field payload comes out as a one-element array; our own output, a string.
            if let parts = try? container.decode([String].self, forKey: .taxInvoice),
                parts.count == 1
            {
                number = .taxInvoice(number: parts[0])
            } else {
                number = .taxInvoice(number: try container.decode(String.self, forKey: .taxInvoice))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch number {
        case .medical(let code, let serial): try container.encode([code, serial], forKey: .medical)
        case .taxInvoice(let serial): try container.encode(serial, forKey: .taxInvoice)
        }
    }
}

/// An e-bill with the running totals of its claims.
public struct BillInfo: Codable, Sendable, Hashable {
    public var number: BillNumberInfo
    public var issuerOrganisation: String
    public var payer: Hash256
    public var issuedAtMs: UInt64
    public var totalFen: UInt64
    public var categories: CategoryFen?
    public var checkDigest: Hash256
    /// issued, partiallyReversed, reversed or red.
    public var status: String
    public var reversedFen: UInt64
    public var reversedCategories: CategoryFen
    public var redBillIDs: [String]
    public var reversesBillID: String?
    public var lockedFen: UInt64
    public var settledFen: UInt64
    public var lockedCategories: CategoryFen
    public var settledCategories: CategoryFen

    /// `M<code><number>` or `T<number>`.
    public var id: String { number.number.billID }
    /// Total minus what was reversed (0 for a red bill).
    public var claimableFen: UInt64 { status == "red" ? 0 : totalFen &- reversedFen }
    /// What a new claim may still take.
    public var leftFen: UInt64 {
        let committed = lockedFen + settledFen
        return committed >= claimableFen ? 0 : claimableFen - committed
    }

    public init(_ record: BillRecord) {
        number = BillNumberInfo(record.number)
        issuerOrganisation = record.issuerOrganisation
        payer = record.payer
        issuedAtMs = record.issuedAtMs
        totalFen = record.totalFen
        categories = record.categories.map(CategoryFen.init)
        checkDigest = record.checkDigest
        status = String(describing: record.status)
        reversedFen = record.reversedFen
        reversedCategories = CategoryFen(record.reversedCategories)
        redBillIDs = record.redBillIDs
        reversesBillID = record.reversesBillID
        lockedFen = record.lockedFen
        settledFen = record.settledFen
        lockedCategories = CategoryFen(record.lockedCategories)
        settledCategories = CategoryFen(record.settledCategories)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        number = try container.decode(BillNumberInfo.self, forKey: .number)
        issuerOrganisation = try container.decode(String.self, forKey: .issuerOrganisation)
        payer = try container.decode(Hash256.self, forKey: .payer)
        issuedAtMs = try container.decode(UInt64.self, forKey: .issuedAtMs)
        totalFen = try container.decode(UInt64.self, forKey: .totalFen)
        categories = try container.optional(CategoryFen.self, forKey: .categories)
        checkDigest = try container.decode(Hash256.self, forKey: .checkDigest)
        status = try container.decode(String.self, forKey: .status)
        reversedFen = try container.decode(UInt64.self, forKey: .reversedFen)
        reversedCategories = try container.decode(CategoryFen.self, forKey: .reversedCategories)
        redBillIDs = try container.list(String.self, forKey: .redBillIDs)
        reversesBillID = try container.optional(String.self, forKey: .reversesBillID)
        lockedFen = try container.decode(UInt64.self, forKey: .lockedFen)
        settledFen = try container.decode(UInt64.self, forKey: .settledFen)
        lockedCategories = try container.decode(CategoryFen.self, forKey: .lockedCategories)
        settledCategories = try container.decode(CategoryFen.self, forKey: .settledCategories)
    }
}

/// A reimbursement claim on a bill.
public struct ClaimInfo: Codable, Sendable, Hashable {
    public var claimID: String
    public var billID: String
    /// pooledFund, personalAccount, selfPaid, or nil for the whole bill.
    public var category: String?
    public var amountFen: UInt64
    public var reimburserOrganisation: String
    /// locked, settled or released.
    public var status: String
    public var claimedAtHeight: UInt64

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        claimID = try container.decode(String.self, forKey: .claimID)
        billID = try container.decode(String.self, forKey: .billID)
        category = try container.optional(String.self, forKey: .category)
        amountFen = try container.decode(UInt64.self, forKey: .amountFen)
        reimburserOrganisation = try container.decode(String.self, forKey: .reimburserOrganisation)
        status = try container.decode(String.self, forKey: .status)
        claimedAtHeight = try container.decode(UInt64.self, forKey: .claimedAtHeight)
    }
}

/// Raised when a reversal met settled or locked claims: a case for the auditors.
public struct BillAlertInfo: Codable, Sendable, Hashable {
    public var billID: String
    public var redBillID: String
    public var claimableFen: UInt64
    public var lockedFen: UInt64
    public var settledFen: UInt64
    public var height: UInt64
}

/// The claims of a bill and what is left to claim.
public struct BillClaims: Codable, Sendable, Hashable {
    public var billID: String
    public var leftFen: UInt64
    public var asOfHeight: UInt64
    public var claims: [ClaimInfo]
    public var alerts: [BillAlertInfo]

    enum CodingKeys: String, CodingKey {
        case billID = "bill_id"
        case leftFen = "left_fen"
        case asOfHeight = "as_of_height"
        case claims, alerts
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        billID = try container.decode(String.self, forKey: .billID)
        leftFen = try container.decode(UInt64.self, forKey: .leftFen)
        asOfHeight = try container.decode(UInt64.self, forKey: .asOfHeight)
        claims = try container.list(ClaimInfo.self, forKey: .claims)
        alerts = try container.list(BillAlertInfo.self, forKey: .alerts)
    }
}

/// The answer to a bill check.
public struct BillCheck: Codable, Sendable, Hashable {
    public var billID: String
    /// Known, and the check code (or total) and the issue date match.
    public var genuine: Bool
    /// Whether the printed issue date is the recorded one.
    public var dateMatches: Bool
    public var bill: BillInfo?
    public var claims: [ClaimInfo]
}

/// A bill of a payer's wallet and its claims: who claimed what (the node adds `claims` to
/// each bill of `/v1/payers/{commitment}/bills`).
public struct WalletBill: Codable, Sendable, Hashable {
    public var bill: BillInfo
    public var claims: [ClaimInfo]

    enum CodingKeys: String, CodingKey { case claims }

    public init(from decoder: any Decoder) throws {
        bill = try BillInfo(from: decoder)
        claims = try decoder.container(keyedBy: CodingKeys.self).list(
            ClaimInfo.self, forKey: .claims)
    }

    public func encode(to encoder: any Encoder) throws {
        try bill.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(claims, forKey: .claims)
    }
}

/// An organisation and its registered keys.
public struct OrganisationInfo: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var creditCode: String
    public var keys: [PublicKey]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        creditCode = try container.decode(String.self, forKey: .creditCode)
        keys = try container.list(PublicKey.self, forKey: .keys)
    }
}

/// Recorded equivocation evidence: which validator signed two conflicting statements.
public struct EvidenceInfo: Codable, Sendable, Hashable {
    public struct Statement: Codable, Sendable, Hashable {
        public var chainID: String
        public var validator: PublicKey
        public var kind: String
        public var height: UInt64
        public var round: UInt64
    }

    public var evidence: Statement
    public var reporterOrganisation: String
    public var recordedAtHeight: UInt64
}

/// One version of a record from its trail (`history/<key>...`).
public struct RecordVersion<Record: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var height: UInt64
    public var txIndex: UInt32
    public var txID: Hash256
    /// The record as that transaction left it; nil if it deleted it.
    public var record: Record?
}

/// A block header with its transaction ids and commit certificate summary.
public struct BlockInfo: Codable, Sendable, Hashable {
    public struct Certificate: Codable, Sendable, Hashable {
        public var round: UInt64
        public var signers: [UInt32]

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            round = try container.decode(UInt64.self, forKey: .round)
            signers = try container.list(UInt32.self, forKey: .signers)
        }
    }

    public var height: UInt64
    public var hash: Hash256
    public var round: UInt64
    public var previousHash: Hash256
    public var txRoot: Hash256
    public var receiptsRoot: Hash256
    public var stateRoot: Hash256
    public var proposer: PublicKey
    public var timeMs: UInt64
    public var transactions: [Hash256]
    public var certificate: Certificate
    /// Block plus commit certificate, canonical: check finality against the validator set.
    public var certifiedBlockHex: String

    enum CodingKeys: String, CodingKey {
        case height, hash, round
        case previousHash = "previous_hash"
        case txRoot = "tx_root"
        case receiptsRoot = "receipts_root"
        case stateRoot = "state_root"
        case proposer
        case timeMs = "time_ms"
        case transactions, certificate
        case certifiedBlockHex = "certified_block_hex"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        height = try container.decode(UInt64.self, forKey: .height)
        hash = try container.decode(Hash256.self, forKey: .hash)
        round = try container.decode(UInt64.self, forKey: .round)
        previousHash = try container.decode(Hash256.self, forKey: .previousHash)
        txRoot = try container.decode(Hash256.self, forKey: .txRoot)
        receiptsRoot = try container.decode(Hash256.self, forKey: .receiptsRoot)
        stateRoot = try container.decode(Hash256.self, forKey: .stateRoot)
        proposer = try container.decode(PublicKey.self, forKey: .proposer)
        timeMs = try container.decode(UInt64.self, forKey: .timeMs)
        transactions = try container.list(Hash256.self, forKey: .transactions)
        certificate = try container.decode(Certificate.self, forKey: .certificate)
        certifiedBlockHex = try container.decode(String.self, forKey: .certifiedBlockHex)
    }
}

/// A transaction as a node knows it: pending in its mempool, or committed with its receipt.
public struct TransactionInfo: Codable, Sendable, Hashable {
    public struct EventInfo: Codable, Sendable, Hashable {
        public var contract: String
        public var type: String
        public var attributes: [EventAttribute]

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            contract = try container.decode(String.self, forKey: .contract)
            type = try container.decode(String.self, forKey: .type)
            attributes = try container.list(EventAttribute.self, forKey: .attributes)
        }
    }

    public var txID: Hash256
    /// pending or committed.
    public var status: String
    public var height: UInt64?
    public var index: UInt32?
    /// 0 is success; any other code is the contract's refusal (docs/contracts.md).
    public var code: UInt32?
    public var message: String?
    public var events: [EventInfo]
    public var receiptHex: String?
    public var transactionHex: String?

    public var isCommitted: Bool { status == "committed" }

    enum CodingKeys: String, CodingKey {
        case txID = "tx_id"
        case status, height, index, code, message, events
        case receiptHex = "receipt_hex"
        case transactionHex = "transaction_hex"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        txID = try container.decode(Hash256.self, forKey: .txID)
        status = try container.decode(String.self, forKey: .status)
        height = try container.decodeIfPresent(UInt64.self, forKey: .height)
        index = try container.decodeIfPresent(UInt32.self, forKey: .index)
        code = try container.decodeIfPresent(UInt32.self, forKey: .code)
        message = try container.decodeIfPresent(String.self, forKey: .message)
        events =
            container.contains(.events) ? try container.list(EventInfo.self, forKey: .events) : []
        receiptHex = try container.decodeIfPresent(String.self, forKey: .receiptHex)
        transactionHex = try container.decodeIfPresent(String.self, forKey: .transactionHex)
    }
}

extension KeyedDecodingContainer {
    /// A list the node rendered by reflection. An empty list can come out as "" (the
    /// reflection renders `[UInt8]` as hex, and an empty array of anything casts to
    /// `[UInt8]`), so "" reads as the empty list.
    func list<Element: Decodable>(_: Element.Type, forKey key: Key) throws -> [Element] {
        if let text = try? decode(String.self, forKey: key), text.isEmpty { return [] }
        return try decode([Element].self, forKey: key)
    }

    /// An optional the node rendered by reflection: absent, null, or "<null>" (the node's
    /// view of a nil nested in a record) all read as nil.
    func optional<Value: Decodable>(_: Value.Type, forKey key: Key) throws -> Value? {
        if let text = try? decode(String.self, forKey: key), text == "<null>" { return nil }
        return try decodeIfPresent(Value.self, forKey: key)
    }
}
