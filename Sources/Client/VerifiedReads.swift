public import Contracts
internal import Foundation
public import Ledger

/// A block whose certificate a quorum of the trusted validator set signed.
public struct VerifiedBlock: Sendable, Equatable {
    public let block: Block
    public let certificate: CommitCertificate
}

/// A transaction proven to be in a final block, with its receipt proven against the next
/// block's receipts root (header roots lag one block).
public struct VerifiedReceipt: Sendable, Equatable {
    public let transaction: Transaction
    public let receipt: Receipt
    public let height: UInt64
    public let index: UInt32
}

/// A state key's value (nil: proven absent) after block `height`, proven against the state
/// root that block `height + 1`'s certified header carries.
public struct VerifiedState: Sendable, Equatable {
    public let key: StateKey
    public let value: [UInt8]?
    public let height: UInt64
}

/// Reads that trust no single node: every answer is checked against the trust root.
public struct VerifiedReader: Sendable {
    public let client: GovChainClient
    public let trust: TrustRoot

    public init(client: GovChainClient, trust: TrustRoot) throws(ClientError) {
        guard client.chainID == trust.chainID else {
            throw .invalidInput("client is for chain \(client.chainID), trust root for \(trust.chainID)")
        }
        self.client = client
        self.trust = trust
    }

    /// Fetches block `height` and checks its certificate (>= 2f+1 valid validator
    /// signatures over this block's id) and its transaction root.
    public func block(_ height: UInt64) async throws(ClientError) -> VerifiedBlock {
        let json = try await client.getJSON("/v1/blocks/\(height)")
        guard let hex = json["certified_block_hex"] as? String, let bytes = Hex.decode(hex) else {
            throw .verificationFailed("block \(height): no certified block bytes")
        }
        let certified: (Block, CommitCertificate)
        do {
            var decoder = CanonicalDecoder(bytes)
            certified = (try decoder.decode(Block.self), try decoder.decode(CommitCertificate.self))
            try decoder.finish()
        } catch {
            throw .verificationFailed("block \(height): undecodable: \(error)")
        }
        let (block, certificate) = certified
        guard block.height == height else { throw .verificationFailed("asked for block \(height), got \(block.height)") }
        do {
            try certificate.verify(chainID: trust.chainID, validators: trust.validators, blockID: block.hash, height: height)
        } catch {
            throw .verificationFailed("block \(height): \(error)")
        }
        guard block.hasConsistentTxRoot else { throw .verificationFailed("block \(height): tx root does not match its txs") }
        return VerifiedBlock(block: block, certificate: certificate)
    }

    /// A committed transaction and its receipt, both proven (see `VerifiedReceipt`).
    public func receipt(_ id: Hash256) async throws(ClientError) -> VerifiedReceipt {
        let json = try await client.getJSON("/v1/transactions/\(id.hex)")
        guard json["status"] as? String == "committed",
              let height = (json["height"] as? NSNumber)?.uint64Value, let index = (json["index"] as? NSNumber)?.uint32Value,
              let tx = Self.decode(Transaction.self, json["transaction_hex"]),
              let receipt = Self.decode(Receipt.self, json["receipt_hex"]),
              let txProof = Self.decode(MerkleProof.self, json["tx_proof_hex"]),
              let receiptProof = Self.decode(MerkleProof.self, json["receipt_proof_hex"])
        else { throw .verificationFailed("transaction \(id.hex): not committed, or the answer is incomplete") }
        guard tx.id == id, receipt.txID == id, txProof.leafIndex == UInt64(index), receiptProof.leafIndex == UInt64(index)
        else { throw .verificationFailed("transaction \(id.hex): answer is about another transaction") }
        let including = try await block(height)
        guard txProof.verify(leaf: tx.canonicalBytes, root: including.block.header.txRoot) else {
            throw .verificationFailed("transaction \(id.hex): inclusion proof does not match block \(height)")
        }
        let next = try await block(height + 1)
        guard receiptProof.verify(leaf: receipt.canonicalBytes, root: next.block.header.receiptsRoot) else {
            throw .verificationFailed("transaction \(id.hex): receipt proof does not match block \(height + 1)'s receipts root")
        }
        return VerifiedReceipt(transaction: tx, receipt: receipt, height: height, index: index)
    }

    /// The value of `key` after block `height` (default: the newest height whose state root
    /// is already certified), with a presence or absence proof checked against the state
    /// root in the certified header of block `height + 1`.
    public func state(_ key: StateKey, height requested: UInt64? = nil) async throws(ClientError) -> VerifiedState {
        let tip = try await client.status().height
        guard tip >= 1 else { throw .verificationFailed("no block certifies any state yet") }
        let height = requested ?? (tip - 1)
        let encoded = Hex.encode(key.bytes)
        let json = try await client.getJSON("/v1/state/proof?key=\(encoded)&encoding=hex&height=\(height)")
        guard let proof = Self.decode(SparseMerkleProof.self, json["proof_hex"]) else {
            throw .verificationFailed("state \(key): no proof")
        }
        var value: [UInt8]?
        if let hex = json["value_hex"] as? String {
            guard let bytes = Hex.decode(hex) else { throw .verificationFailed("state \(key): value is not hex") }
            value = bytes
        }
        let certifying = try await block(height + 1)
        guard proof.verify(key: key.bytes, value: value, root: certifying.block.header.stateRoot) else {
            throw .verificationFailed("state \(key): proof does not match the certified state root of height \(height)")
        }
        return VerifiedState(key: key, value: value, height: height)
    }

    /// A record decoded from a verified state value; nil when proven absent.
    public func record<T: CanonicalDecodable>(_: T.Type, at key: StateKey, height: UInt64? = nil)
        async throws(ClientError) -> (record: T?, height: UInt64)
    {
        let state = try await state(key, height: height)
        guard let value = state.value else { return (nil, state.height) }
        do { return (try T(canonicalBytes: value), state.height) } catch {
            throw .verificationFailed("state \(key): proven value is not a \(T.self): \(error)")
        }
    }

    /// A bill with what was locked and settled and what is left, proven; nil: proven absent
    /// ("this bill does not exist as of height h").
    public func bill(_ id: String, height: UInt64? = nil) async throws(ClientError) -> (bill: BillRecord?, height: UInt64) {
        let (record, proven) = try await record(BillRecord.self, at: RecordKeys.bill(id), height: height)
        return (record, proven)
    }

    public func licence(_ id: String, height: UInt64? = nil) async throws(ClientError) -> (licence: LicenceRecord?, height: UInt64) {
        let (record, proven) = try await record(LicenceRecord.self, at: RecordKeys.licence(id), height: height)
        return (record, proven)
    }

    public func grant(_ id: String, height: UInt64? = nil) async throws(ClientError) -> (grant: GrantRecord?, height: UInt64) {
        let (record, proven) = try await record(GrantRecord.self, at: RecordKeys.grant(id), height: height)
        return (record, proven)
    }

    public func claim(reimburser: String, id: String, height: UInt64? = nil) async throws(ClientError) -> (claim: ClaimRecord?, height: UInt64) {
        let key = RecordKeys.claim(reimburser: reimburser, id: id)
        let (record, proven) = try await record(ClaimRecord.self, at: key, height: height)
        return (record, proven)
    }

    static func decode<T: CanonicalDecodable>(_: T.Type, _ field: Any?) -> T? {
        guard let hex = field as? String, let bytes = Hex.decode(hex) else { return nil }
        return try? T(canonicalBytes: bytes)
    }
}
