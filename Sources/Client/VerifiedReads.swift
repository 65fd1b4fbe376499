public import Contracts
internal import Foundation
internal import GovChainAPI
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

/// Reads that trust no single node: every answer is checked against the trust root, and
/// every certificate against the validator set of its own height, followed from genesis
/// through certified headers (`VerifiedValidatorSets`).
public struct VerifiedReader: Sendable {
    public let client: GovChainClient
    public let trust: TrustRoot
    private let setCache: ValidatorSetCache

    public init(client: GovChainClient, trust: TrustRoot) throws(ClientError) {
        guard client.chainID == trust.chainID else {
            throw .invalidInput("client is for chain \(client.chainID), trust root for \(trust.chainID)")
        }
        self.client = client
        self.trust = trust
        self.setCache = ValidatorSetCache(genesis: trust.validators)
    }

    /// The validator sets verified so far.
    public var validatorSets: VerifiedValidatorSets { setCache.current }

    /// The set that certifies block `height`; asks the node for the sets it has (and checks
    /// each new one) when those verified so far do not reach `height`.
    public func validators(forHeight height: UInt64) async throws(ClientError) -> ValidatorSet {
        if let set = setCache.current.set(forHeight: height) { return set }
        try await refreshValidatorSets()
        guard let set = setCache.current.set(forHeight: height) else {
            throw .verificationFailed("the validator set of block \(height) is not determined by the node's chain yet")
        }
        return set
    }

    /// Reads the node's list of validator sets (every page, as of one height) and verifies
    /// the sets not verified before.
    public func refreshValidatorSets() async throws(ClientError) {
        var listed: [ValidatorSetView] = []
        var asOf: UInt64?
        var cursor: String?
        repeat {
            let parameters = ["limit=500"] + (asOf.map { ["height=\($0)"] } ?? []) + (cursor.map { ["cursor=\($0)"] } ?? [])
            guard let page = try await client.get(Page<ValidatorSetView>.self, GovChainClient.appending(parameters, to: "/v1/validator-sets"))
            else { throw .verificationFailed("the node does not list its validator sets (GET /v1/validator-sets)") }
            guard asOf == nil || page.asOfHeight == asOf else { throw .verificationFailed("validator-set pages answer different heights") }
            asOf = page.asOfHeight
            listed += page.items
            guard listed.count <= VerifiedValidatorSets.maxSets else {
                throw .verificationFailed("the node lists more than \(VerifiedValidatorSets.maxSets) validator sets")
            }
            guard page.nextCursor == nil || page.nextCursor != cursor else {
                throw .verificationFailed("the node's validator-set pages do not advance")
            }
            cursor = page.nextCursor
        } while cursor != nil
        let extended = try await setCache.current.extended(by: listed, asOf: asOf ?? 0) {
            (height: UInt64, set: ValidatorSet) async throws(ClientError) -> Block in
            try await certifiedBlock(height, validators: set).block
        }
        setCache.offer(extended)
    }

    /// Fetches block `height` and checks its certificate (>= 2f+1 valid signatures of the
    /// validator set of that height over this block's id) and its transaction root.
    public func block(_ height: UInt64) async throws(ClientError) -> VerifiedBlock {
        try await certifiedBlock(height, validators: try await validators(forHeight: height))
    }

    private func certifiedBlock(_ height: UInt64, validators: ValidatorSet) async throws(ClientError) -> VerifiedBlock {
        guard let view = try await client.get(BlockView.self, "/v1/blocks/\(height)") else {
            throw .rejected(status: 404, code: "not_found", message: "block \(height)")
        }
        guard let bytes = Hex.decode(view.certifiedBlockHex) else {
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
            try certificate.verify(chainID: trust.chainID, validators: validators, blockID: block.hash, height: height)
        } catch {
            throw .verificationFailed("block \(height): \(error)")
        }
        guard block.hasConsistentTxRoot else { throw .verificationFailed("block \(height): tx root does not match its txs") }
        return VerifiedBlock(block: block, certificate: certificate)
    }

    /// A committed transaction and its receipt, both proven (see `VerifiedReceipt`).
    public func receipt(_ id: Hash256) async throws(ClientError) -> VerifiedReceipt {
        let view = try await client.transactionInfo(id)
        guard let view, view.status == "committed", let height = view.height, let index = view.index,
              let tx = Self.decode(Transaction.self, view.transactionHex),
              let receipt = Self.decode(Receipt.self, view.receiptHex),
              let txProof = Self.decode(MerkleProof.self, view.txProofHex),
              let receiptProof = Self.decode(MerkleProof.self, view.receiptProofHex)
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

    /// The value of `key` after block `height`, with a presence or absence proof checked
    /// against the state root in the certified header of block `height + 1`.
    /// - Parameters:
    ///   - route: a record route (`/v1/licences/{id}`) whose `?prove=true` answer carries
    ///     the proof. Without a `height` it answers as of the node's latest block, so this
    ///     waits (up to `waitSeconds`) for the next block's certified header. A record the
    ///     route does not find is read from `/v1/state/proof`, which proves absence.
    ///   - height: default: the route's latest block, or without a route the newest height
    ///     whose state root is already certified.
    public func state(
        _ key: StateKey, route: String? = nil, height requested: UInt64? = nil, waitSeconds: Int = 15
    ) async throws(ClientError) -> VerifiedState {
        var answer: StateProofView?
        if let route {
            let parameters = (requested.map { ["height=\($0)"] } ?? []) + ["prove=true"]
            guard let found = try await client.get(ProvenAnswer.self, GovChainClient.appending(parameters, to: route))
            else { return try await state(key, height: requested) }
            guard let proof = found.proof else { throw .verificationFailed("\(route): no proof attached") }
            guard requested == nil || proof.height == requested else {
                throw .verificationFailed("\(route): the proof is for another height")
            }
            answer = proof
            try await awaitHeight(proof.height &+ 1, seconds: waitSeconds)
        } else {
            let tip = try await client.status().height
            guard tip >= 1 else { throw .verificationFailed("no block certifies any state yet") }
            let height = requested ?? (tip - 1)
            let path = "/v1/state/proof?key=\(Hex.encode(key.bytes))&encoding=hex&height=\(height)"
            answer = try await client.get(StateProofView.self, path)
            guard answer?.height == height else { throw .verificationFailed("state \(key): the proof is for another height") }
        }
        guard let answer, let proof = Self.decode(SparseMerkleProof.self, answer.proofHex) else {
            throw .verificationFailed("state \(key): no proof")
        }
        guard answer.keyHex == Hex.encode(key.bytes) else {
            throw .verificationFailed("state \(key): the proof is for another key")
        }
        let height = answer.height
        var value: [UInt8]?
        if let hex = answer.valueHex {
            guard let bytes = Hex.decode(hex) else { throw .verificationFailed("state \(key): value is not hex") }
            value = bytes
        }
        let certifying = try await block(height + 1)
        guard proof.verify(key: key.bytes, value: value, root: certifying.block.header.stateRoot) else {
            throw .verificationFailed("state \(key): proof does not match the certified state root of height \(height)")
        }
        return VerifiedState(key: key, value: value, height: height)
    }

    /// Waits until the node has block `height` (the header that certifies the results of
    /// block `height - 1`), polling its status for up to `seconds`.
    public func awaitHeight(_ height: UInt64, seconds: Int) async throws(ClientError) {
        let end = ContinuousClock.now.advanced(by: .seconds(seconds))
        while try await client.status().height < height {
            guard ContinuousClock.now < end else {
                throw .verificationFailed("block \(height), which certifies the answer, is not committed yet")
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// A record decoded from a verified state value; nil when proven absent.
    public func record<T: CanonicalDecodable>(_: T.Type, at key: StateKey, route: String? = nil, height: UInt64? = nil)
        async throws(ClientError) -> (record: T?, height: UInt64)
    {
        let state = try await state(key, route: route, height: height)
        guard let value = state.value else { return (nil, state.height) }
        do { return (try T(canonicalBytes: value), state.height) } catch {
            throw .verificationFailed("state \(key): proven value is not a \(T.self): \(error)")
        }
    }

    /// A bill with what was locked and settled and what is left, proven; nil: proven absent
    /// ("this bill does not exist as of height h").
    public func bill(_ id: String, height: UInt64? = nil) async throws(ClientError) -> (bill: BillRecord?, height: UInt64) {
        let (record, proven) = try await record(
            BillRecord.self, at: RecordKeys.bill(id), route: "/v1/bills/\(try GovChainClient.checked(id, "bill id"))",
            height: height)
        return (record, proven)
    }

    public func licence(_ id: String, height: UInt64? = nil) async throws(ClientError) -> (licence: LicenceRecord?, height: UInt64) {
        let (record, proven) = try await record(
            LicenceRecord.self, at: RecordKeys.licence(id),
            route: "/v1/licences/\(try GovChainClient.checked(id, "licence id"))", height: height)
        return (record, proven)
    }

    public func grant(_ id: String, height: UInt64? = nil) async throws(ClientError) -> (grant: GrantRecord?, height: UInt64) {
        let (record, proven) = try await record(
            GrantRecord.self, at: RecordKeys.grant(id), route: "/v1/grants/\(try GovChainClient.checked(id, "grant id"))",
            height: height)
        return (record, proven)
    }

    public func claim(reimburser: String, id: String, height: UInt64? = nil) async throws(ClientError) -> (claim: ClaimRecord?, height: UInt64) {
        let key = RecordKeys.claim(reimburser: reimburser, id: id)
        let route = "/v1/reimbursers/\(try GovChainClient.checked(reimburser, "reimburser"))/claims/"
            + (try GovChainClient.checked(id, "claim id"))
        let (record, proven) = try await record(ClaimRecord.self, at: key, route: route, height: height)
        return (record, proven)
    }

    static func decode<T: CanonicalDecodable>(_: T.Type, _ hex: String?) -> T? {
        guard let hex, let bytes = Hex.decode(hex) else { return nil }
        return try? T(canonicalBytes: bytes)
    }
}

/// A record answer read only for its proof (the record is taken from the proven bytes).
struct ProvenAnswer: Decodable {
    @Nullable var proof: StateProofView?

    enum CodingKeys: String, CodingKey { case proof }
}
