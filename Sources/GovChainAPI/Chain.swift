public import Ledger

/// Every refusal: `{"error": {"code", "message"}}`.
public struct ErrorView: Codable, Sendable, Hashable {
    public struct Detail: Codable, Sendable, Hashable {
        /// A stable machine-readable code (docs/api.md lists them): bad_request, not_found,
        /// malformed, expired, invalid_signature, not_permitted, duplicate, busy, ...
        public var code: String
        public var message: String
    }

    public var error: Detail

    public init(code: String, message: String) { error = Detail(code: code, message: message) }
}

/// One event a committed transaction emitted.
public struct EventView: Codable, Sendable, Hashable {
    public struct Attribute: Codable, Sendable, Hashable {
        public var key: String
        public var value: String
    }

    public var contract: String
    public var type: String
    /// In the order the contract emitted them.
    public var attributes: [Attribute]

    public init(_ event: Event) {
        contract = event.contract
        type = event.type
        attributes = event.attributes.map { Attribute(key: $0.key, value: $0.value) }
    }
}

/// An event on the `/v1/events` stream: the event and the transaction that emitted it.
public struct StreamEventView: Codable, Sendable, Hashable {
    public var height: UInt64
    public var txIndex: UInt32
    public var txID: String
    public var contract: String
    public var type: String
    public var attributes: [EventView.Attribute]

    enum CodingKeys: String, CodingKey {
        case height, contract, type, attributes
        case txIndex = "tx_index", txID = "tx_id"
    }

    public init(height: UInt64, txIndex: UInt32, txID: Hash256, event: Event) {
        self.height = height
        self.txIndex = txIndex
        self.txID = txID.hex
        let view = EventView(event)
        contract = view.contract
        type = view.type
        attributes = view.attributes
    }
}

/// A transaction's fate: `pending` (admitted, not yet in a block: every other field null
/// and `events` empty) or `committed` (with its receipt; the proofs come with
/// `GET /v1/transactions/{id}`).
public struct TransactionView: Codable, Sendable, Hashable {
    public var txID: String
    /// pending | committed
    public var status: String
    @Nullable public var height: UInt64?
    /// The transaction's position in its block.
    @Nullable public var index: UInt32?
    /// The receipt's status code: 0 success; docs/contracts.md lists the others.
    @Nullable public var code: UInt32?
    @Nullable public var message: String?
    public var events: [EventView]
    /// The receipt's canonical bytes.
    @Nullable public var receiptHex: String?
    /// The transaction's canonical bytes (docs/encoding.md).
    @Nullable public var transactionHex: String?
    /// Merkle path of the receipt to the receipts root that header `height + 1` carries.
    @Nullable public var receiptProofHex: String?
    /// Merkle path of the transaction to block `height`'s transaction root.
    @Nullable public var txProofHex: String?

    enum CodingKeys: String, CodingKey {
        case status, height, index, code, message, events
        case txID = "tx_id", receiptHex = "receipt_hex", transactionHex = "transaction_hex"
        case receiptProofHex = "receipt_proof_hex", txProofHex = "tx_proof_hex"
    }

    public static func pending(_ id: Hash256) -> TransactionView {
        TransactionView(txID: id.hex, status: "pending", events: [])
    }

    public static func committed(
        _ id: Hash256, height: UInt64, index: UInt32, receipt: Receipt
    ) -> TransactionView {
        var view = TransactionView(txID: id.hex, status: "committed", events: receipt.events.map(EventView.init))
        view.height = height
        view.index = index
        view.code = receipt.code
        view.message = receipt.message
        view.receiptHex = Hex.encode(receipt.canonicalBytes)
        return view
    }

    private init(txID: String, status: String, events: [EventView]) {
        self.txID = txID
        self.status = status
        self.events = events
    }
}

/// The signers of a block's commit certificate.
public struct CertificateView: Codable, Sendable, Hashable {
    public var round: UInt64
    /// Indexes into the validator set of the signing validators.
    public var signers: [UInt32]
}

/// A committed block's header, its transaction ids and its certificate. The canonical
/// bytes of block and certificate are the authority: a verifier checks those.
public struct BlockView: Codable, Sendable, Hashable {
    public var height: UInt64
    public var hash: String
    public var round: UInt64
    public var previousHash: String
    public var txRoot: String
    /// Root of block `height - 1`'s receipts (header roots lag one block).
    public var receiptsRoot: String
    /// State root after block `height - 1`.
    public var stateRoot: String
    public var proposer: String
    public var timeMs: UInt64
    /// The hash of the validator set that certifies block `height + 1`
    /// (`GET /v1/validator-sets`).
    public var nextValidatorsHash: String
    public var transactions: [String]
    public var certificate: CertificateView
    /// The block's and then its certificate's canonical bytes.
    public var certifiedBlockHex: String

    enum CodingKeys: String, CodingKey {
        case height, hash, round, proposer, transactions, certificate
        case previousHash = "previous_hash", txRoot = "tx_root", receiptsRoot = "receipts_root"
        case stateRoot = "state_root", timeMs = "time_ms", certifiedBlockHex = "certified_block_hex"
        case nextValidatorsHash = "next_validators_hash"
    }

    public init(block: Block, certificate: CommitCertificate, certifiedBytes: [UInt8]) {
        let header = block.header
        height = header.height
        hash = header.hash.hex
        round = header.round
        previousHash = header.previousHash.hex
        txRoot = header.txRoot.hex
        receiptsRoot = header.receiptsRoot.hex
        stateRoot = header.stateRoot.hex
        proposer = header.proposer.hex
        timeMs = header.timeMs
        nextValidatorsHash = header.nextValidatorsHash.hex
        transactions = block.transactions.map { $0.id.hex }
        self.certificate = CertificateView(
            round: certificate.round, signers: certificate.signatures.map { UInt32($0.validatorIndex) })
        certifiedBlockHex = Hex.encode(certifiedBytes)
    }
}

/// A state key's value after block `height` and its sparse-Merkle proof (of presence, or of
/// absence when `value_hex` is null) to the state root that header `height + 1` carries.
public struct StateProofView: Codable, Sendable, Hashable {
    /// The key as asked (a path such as `licence/L1`, or hex).
    public var key: String
    public var keyHex: String
    public var height: UInt64
    public var stateRoot: String
    public var certifiedByHeight: UInt64
    @Nullable public var valueHex: String?
    public var proofHex: String

    enum CodingKeys: String, CodingKey {
        case key, height
        case keyHex = "key_hex", stateRoot = "state_root", certifiedByHeight = "certified_by_height"
        case valueHex = "value_hex", proofHex = "proof_hex"
    }

    public init(key: String, keyBytes: [UInt8], height: UInt64, stateRoot: Hash256, value: [UInt8]?, proof: [UInt8]) {
        self.key = key
        keyHex = Hex.encode(keyBytes)
        self.height = height
        self.stateRoot = stateRoot.hex
        certifiedByHeight = height &+ 1
        valueHex = value.map { Hex.encode($0) }
        proofHex = Hex.encode(proof)
    }
}

/// One record, as of a height, with its state proof when asked for (`?prove=true`).
public struct RecordAnswer<Record: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var asOfHeight: UInt64
    public var record: Record
    /// The record's canonical bytes proven to the state root header `as_of_height + 1`
    /// carries; null unless `prove=true`.
    @Nullable public var proof: StateProofView?

    enum CodingKeys: String, CodingKey {
        case record, proof
        case asOfHeight = "as_of_height"
    }

    public init(asOfHeight: UInt64, record: Record, proof: StateProofView? = nil) {
        self.asOfHeight = asOfHeight
        self.record = record
        self.proof = proof
    }
}

/// One page of a list, in a stable order, as of a height. Pass `next_cursor` back as
/// `cursor` (with the same `height`) for the next page; null means this was the last.
public struct Page<Item: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var asOfHeight: UInt64
    public var items: [Item]
    @Nullable public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case asOfHeight = "as_of_height", nextCursor = "next_cursor"
    }

    public init(asOfHeight: UInt64, items: [Item], nextCursor: String?) {
        self.asOfHeight = asOfHeight
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// One read of personal data by a department, as this node recorded it.
public struct ReadAuditView: Codable, Sendable, Hashable {
    /// When, ms since the Unix epoch (the node's clock).
    public var timeMs: UInt64
    /// Who: the reading organisation and the key that signed the request.
    public var organisation: String
    public var key: String
    /// What: the method and path (with query) asked.
    public var request: String

    enum CodingKeys: String, CodingKey {
        case organisation, key, request
        case timeMs = "time_ms"
    }

    public init(timeMs: UInt64, organisation: String, key: String, request: String) {
        self.timeMs = timeMs
        self.organisation = organisation
        self.key = key
        self.request = request
    }
}
