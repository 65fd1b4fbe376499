public import Execution
public import Ledger
internal import NIOConcurrencyHelpers

/// Why a transaction was not admitted. Every case is a clear answer to the submitter.
public enum AdmissionError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case tooLarge(bytes: Int, limit: Int)
    case wrongChain(expected: String, got: String)
    case expired(validUntil: UInt64, height: UInt64)
    case validityTooLong(validUntil: UInt64, limit: UInt64)
    case invalidSignature
    case notPermitted(String)
    case alreadyCommitted
    case duplicate
    case busy(String)
    /// The node could not check the transaction (a storage read failed): refused, never
    /// admitted on a guess.
    case unavailable(String)

    public var description: String {
        switch self {
        case let .malformed(reason): "malformed transaction: \(reason)"
        case let .tooLarge(bytes, limit): "transaction of \(bytes) bytes exceeds the limit of \(limit)"
        case let .wrongChain(expected, got): "transaction is for chain \(got), this is \(expected)"
        case let .expired(validUntil, height): "transaction expired at height \(validUntil); chain is at \(height)"
        case let .validityTooLong(validUntil, limit): "validUntilHeight \(validUntil) is beyond the allowed \(limit)"
        case .invalidSignature: "invalid signature"
        case let .notPermitted(reason): "sender not permitted: \(reason)"
        case .alreadyCommitted: "transaction already committed (replay)"
        case .duplicate: "transaction already in the mempool"
        case let .busy(reason): "node busy: \(reason); retry later"
        case let .unavailable(reason): "node cannot check the transaction now: \(reason)"
        }
    }

    /// Busy is the one refusal worth retrying unchanged.
    public var isBusy: Bool { if case .busy = self { true } else { false } }
}

/// Pending transactions waiting for a block: bounded by count, bytes and per sender, with
/// round-robin fairness across senders when a proposal is assembled.
public final class Mempool: Sendable {
    public struct Limits: Sendable {
        public var maxTransactions: Int
        public var maxBytes: Int
        public var maxPerSender: Int
        public var maxTransactionBytes: Int
        /// How far ahead of the current height a tx's validUntilHeight may be: bounds how long
        /// nodes must remember committed ids for replay protection.
        public var maxValidityBlocks: UInt64

        public init(
            maxTransactions: Int = 50_000, maxBytes: Int = 64 << 20, maxPerSender: Int = 10_000,
            maxTransactionBytes: Int = Transaction.maxEncodedBytes, maxValidityBlocks: UInt64 = 100_000
        ) {
            self.maxTransactions = maxTransactions
            self.maxBytes = maxBytes
            self.maxPerSender = maxPerSender
            self.maxTransactionBytes = maxTransactionBytes
            self.maxValidityBlocks = maxValidityBlocks
        }
    }

    struct Entry {
        let tx: Transaction
        let id: Hash256
        let size: Int
    }

    struct State {
        var byID: [Hash256: Entry] = [:]
        /// Per-sender FIFO queues, and senders in order of first arrival (for round-robin).
        var queues: [PublicKey: [Hash256]] = [:]
        var senders: [PublicKey] = []
        var bytes = 0
    }

    public let chainID: String
    public let limits: Limits
    public let signatures: SignatureCache
    private let state = NIOLockedValueBox(State())

    public init(chainID: String, limits: Limits = Limits(), signatures: SignatureCache) {
        self.chainID = chainID
        self.limits = limits
        self.signatures = signatures
    }

    public var count: Int { state.withLockedValue { $0.byID.count } }
    public var byteCount: Int { state.withLockedValue { $0.bytes } }

    public func contains(_ id: Hash256) -> Bool { state.withLockedValue { $0.byID[id] != nil } }

    /// Decodes and admits a transaction.
    /// - Parameters:
    ///   - height: the last committed height (expiry is checked against the next block).
    ///   - isCommitted: looks the id up in the committed index (replay protection is decided
    ///     there, not by this cache).
    ///   - permits: the contracts' check that the sender may make this call (nil = allowed).
    public func admit(
        bytes: [UInt8], height: UInt64, isCommitted: (Hash256) throws -> Bool,
        permits: (Transaction) -> String?
    ) -> Result<Transaction, AdmissionError> {
        guard bytes.count <= limits.maxTransactionBytes else {
            return .failure(.tooLarge(bytes: bytes.count, limit: limits.maxTransactionBytes))
        }
        let tx: Transaction
        do { tx = try Transaction(canonicalBytes: bytes) } catch { return .failure(.malformed(error.description)) }
        if let refusal = precheck(tx, height: height) { return .failure(refusal) }
        let id = tx.id
        if contains(id) { return .failure(.duplicate) }
        // A failed lookup is not "not committed" (issue 17, finding 9): refuse instead.
        do {
            if try isCommitted(id) { return .failure(.alreadyCommitted) }
        } catch {
            return .failure(.unavailable("replay check failed: \(error)"))
        }
        if let reason = permits(tx) { return .failure(.notPermitted(reason)) }
        guard signatures.isValid(tx, id: id) else { return .failure(.invalidSignature) }
        return insert(Entry(tx: tx, id: id, size: bytes.count)).map { tx }
    }

    /// Stateless checks shared with proposal validation.
    public func precheck(_ tx: Transaction, height: UInt64) -> AdmissionError? {
        guard tx.chainID == chainID else { return .wrongChain(expected: chainID, got: tx.chainID) }
        guard tx.validUntilHeight > height else { return .expired(validUntil: tx.validUntilHeight, height: height) }
        let (limit, overflow) = height.addingReportingOverflow(limits.maxValidityBlocks)
        let horizon = overflow ? UInt64.max : limit
        guard tx.validUntilHeight <= horizon else {
            return .validityTooLong(validUntil: tx.validUntilHeight, limit: horizon)
        }
        return nil
    }

    private func insert(_ entry: Entry) -> Result<Void, AdmissionError> {
        state.withLockedValue { state in
            guard state.byID[entry.id] == nil else { return .failure(.duplicate) }
            guard state.byID.count < limits.maxTransactions else {
                return .failure(.busy("mempool holds \(limits.maxTransactions) transactions"))
            }
            guard state.bytes + entry.size <= limits.maxBytes else {
                return .failure(.busy("mempool holds \(state.bytes) bytes"))
            }
            let queued = state.queues[entry.tx.sender]?.count ?? 0
            guard queued < limits.maxPerSender else {
                return .failure(.busy("sender has \(queued) pending transactions"))
            }
            state.byID[entry.id] = entry
            state.bytes += entry.size
            if queued == 0 && state.queues[entry.tx.sender] == nil { state.senders.append(entry.tx.sender) }
            state.queues[entry.tx.sender, default: []].append(entry.id)
            return .success(())
        }
    }

    /// Up to `maxCount` transactions and `maxBytes` bytes for a proposal, taken round-robin
    /// across senders (one from each in turn), FIFO within a sender. Leaves them in the pool
    /// until they are committed.
    public func reap(maxCount: Int, maxBytes: Int) -> [Transaction] {
        state.withLockedValue { state in
            var picked: [Transaction] = []
            var bytes = 0
            var depth = 0
            var progressed = true
            while progressed, picked.count < maxCount {
                progressed = false
                for sender in state.senders {
                    guard let queue = state.queues[sender], depth < queue.count else { continue }
                    let entry = state.byID[queue[depth]]!
                    guard bytes + entry.size <= maxBytes else { return picked }
                    picked.append(entry.tx)
                    bytes += entry.size
                    progressed = true
                    if picked.count == maxCount { break }
                }
                depth += 1
            }
            return picked
        }
    }

    /// Drops committed transactions and, after block `height`, every tx that can no longer
    /// be included (validUntilHeight <= height). Returns how many were evicted as expired.
    @discardableResult
    public func update(committed ids: [Hash256], height: UInt64) -> Int {
        state.withLockedValue { state in
            for id in ids { Self.remove(id, from: &state) }
            let expired = state.byID.values.filter { $0.tx.validUntilHeight <= height }.map(\.id)
            for id in expired { Self.remove(id, from: &state) }
            state.senders.removeAll { state.queues[$0] == nil }
            return expired.count
        }
    }

    /// Removes transactions for which `stillValid` fails (the recheck after each block,
    /// e.g. a sender whose role was revoked).
    public func recheck(_ stillValid: (Transaction) -> Bool) {
        let all = state.withLockedValue { Array($0.byID.values) }
        let invalid = all.filter { !stillValid($0.tx) }.map(\.id)
        guard !invalid.isEmpty else { return }
        state.withLockedValue { state in
            for id in invalid { Self.remove(id, from: &state) }
            state.senders.removeAll { state.queues[$0] == nil }
        }
    }

    private static func remove(_ id: Hash256, from state: inout State) {
        guard let entry = state.byID.removeValue(forKey: id) else { return }
        state.bytes -= entry.size
        let sender = entry.tx.sender
        state.queues[sender]?.removeAll { $0 == id }
        if state.queues[sender]?.isEmpty == true { state.queues[sender] = nil }
    }
}

/// The executor proposes from the mempool and prunes it after each commit.
extension Mempool: TransactionPool {
    public func removeCommitted(_ ids: [Hash256], height: UInt64) {
        update(committed: ids, height: height)
    }
}
