/// A signed call of one contract method.
///
/// Replay protection without per-sender nonces: `uniqueID` makes every transaction distinct,
/// `validUntilHeight` bounds how long a node must remember it, and nodes refuse a tx whose
/// id is already in the committed index.
public struct Transaction: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1
    public static let uniqueIDByteCount = 16
    /// The largest encoded transaction any node admits or any block may hold.
    public static let maxEncodedBytes = 64 * 1024
    static let signingDomain = Array("govchain/tx/v1".utf8)

    public var chainID: String
    public var sender: PublicKey
    public var uniqueID: [UInt8]
    public var validUntilHeight: UInt64
    public var contract: String
    public var method: String
    /// The call's canonical argument bytes (a Contracts call type encodes them).
    public var arguments: [UInt8]
    public var signature: Signature

    public init(
        chainID: String, sender: PublicKey, uniqueID: [UInt8], validUntilHeight: UInt64,
        contract: String, method: String, arguments: [UInt8], signature: Signature
    ) {
        self.chainID = chainID
        self.sender = sender
        self.uniqueID = uniqueID
        self.validUntilHeight = validUntilHeight
        self.contract = contract
        self.method = method
        self.arguments = arguments
        self.signature = signature
    }

    /// Builds and signs a transaction.
    public static func signed(
        chainID: String, signer: SigningKey, uniqueID: [UInt8], validUntilHeight: UInt64,
        contract: String, method: String, arguments: [UInt8]
    ) -> Transaction {
        precondition(uniqueID.count == uniqueIDByteCount, "uniqueID must be 16 bytes")
        let placeholder = try! Signature(bytes: [UInt8](repeating: 0, count: 64))
        var tx = Transaction(
            chainID: chainID, sender: signer.publicKey, uniqueID: uniqueID,
            validUntilHeight: validUntilHeight, contract: contract, method: method,
            arguments: arguments, signature: placeholder)
        tx.signature = signer.sign(tx.signingBytes)
        return tx
    }

    /// The bytes the sender signs: a domain tag and every field but the signature.
    public var signingBytes: [UInt8] {
        var encoder = CanonicalEncoder(reservingCapacity: 128 + arguments.count)
        encoder.encode(fixed: Transaction.signingDomain)
        encodeBody(to: &encoder)
        return encoder.bytes
    }

    /// The transaction id: the chain hash (SHA-256 or SM3) of the signing bytes. It does not
    /// cover the signature,
    /// so no re-encoding of a signature can make a "new" transaction.
    public var id: Hash256 { ChainHash.hash(signingBytes) }

    /// Checks the signature under the pinned Ed25519 rule.
    public var hasValidSignature: Bool {
        sender.isValidSignature(signature, for: signingBytes)
    }

    private func encodeBody(to encoder: inout CanonicalEncoder) {
        encoder.encode(Transaction.version)
        encoder.encode(chainID)
        encoder.encode(sender)
        encoder.encode(fixed: uniqueID)
        encoder.encode(validUntilHeight)
        encoder.encode(contract)
        encoder.encode(method)
        encoder.encode(bytes: arguments)
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encodeBody(to: &encoder)
        encoder.encode(signature)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "Transaction", supported: 1...1)
        chainID = try decoder.decode(String.self, limit: 64)
        sender = try decoder.decode(PublicKey.self)
        uniqueID = try decoder.decodeFixed(count: Transaction.uniqueIDByteCount)
        validUntilHeight = try decoder.decode(UInt64.self)
        contract = try decoder.decode(String.self, limit: 64)
        method = try decoder.decode(String.self, limit: 64)
        arguments = try decoder.decodeBytes(limit: Transaction.maxEncodedBytes)
        signature = try decoder.decode(Signature.self)
    }
}
