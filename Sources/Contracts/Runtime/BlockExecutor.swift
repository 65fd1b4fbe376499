public import Ledger

/// Everything executing one block produced.
public struct BlockResult: Hashable, Sendable {
    /// One receipt per transaction, in block order.
    public let receipts: [Receipt]
    /// The block's whole write set: each changed key once with its final value (nil =
    /// deleted), sorted by key. History records (`history/...`) are included.
    public let writes: [StateWrite]
    /// The history records of this block in execution order (the same records `writes`
    /// holds under `history/`), for a node that also keeps a per-key-history column family.
    public let history: [HistoryEntry]
    /// Events of the block itself, after its transactions: expiry reminders (到期提醒). They
    /// belong to no transaction, so no receipt carries them; the event stream does.
    public let blockEvents: [Event]

    public init(
        receipts: [Receipt], writes: [StateWrite], history: [HistoryEntry],
        blockEvents: [Event] = []
    ) {
        self.receipts = receipts
        self.writes = writes
        self.history = history
        self.blockEvents = blockEvents
    }
}

/// Applies transactions through the contracts. Pure: the same transactions, height, time
/// and state give byte-identical results on every node.
public enum BlockExecutor {
    /// Executes a block's transactions in order; each sees the writes of those before it.
    /// - Parameters:
    ///   - height: the block's height; `timeMs`: its header time (the only clock contracts see).
    ///   - state: the state after the previous block.
    /// - Returns: receipts, the key-sorted write set and the history records.
    public static func execute(
        transactions: [Transaction], height: UInt64, timeMs: UInt64, over state: some StateStore
    ) -> BlockResult {
        let overlay = Overlay(base: state)
        var receipts: [Receipt] = []
        var history: [HistoryEntry] = []
        receipts.reserveCapacity(transactions.count)
        for (index, tx) in transactions.enumerated() {
            let txID = tx.id
            do throws(ContractError) {
                let events = try run(
                    tx, txID: txID, height: height, timeMs: timeMs, overlay: overlay)
                history += overlay.commitTransaction(
                    height: height, txIndex: UInt32(index), txID: txID)
                receipts.append(
                    Receipt(txID: txID, code: Receipt.successCode, message: "ok", events: events))
            } catch {
                overlay.discardTransaction()
                receipts.append(
                    Receipt(
                        txID: txID, code: error.code.rawValue,
                        message: boundedMessage(error.description), events: []))
            }
        }
        // End of block: reminders due by the block's time, as a step of their own after the
        // last transaction (its history records carry the index one past it).
        let blockEvents = ExpiryReminders.sweep(height: height, timeMs: timeMs, overlay: overlay)
        history += overlay.commitTransaction(
            height: height, txIndex: UInt32(transactions.count), txID: Hash256.zero)
        return BlockResult(
            receipts: receipts, writes: overlay.blockWrites, history: history,
            blockEvents: blockEvents)
    }

    /// The mempool's pre-check: the call decodes, the chain id matches, the sender is a
    /// registered key and holds a role that may make this call. It reads state but does not
    /// depend on other pending transactions; the block decides the rest, in block order.
    /// Signature, size, expiry and replay checks are the node's.
    /// - Returns: the decoded call, or the refusal a receipt would carry.
    public static func checkTx(_ tx: Transaction, over state: some StateStore) -> Result<
        ContractCall, ContractError
    > {
        do throws(ContractError) {
            let (call, _) = try admit(tx, overlay: Overlay(base: state))
            return .success(call)
        } catch {
            return .failure(error)
        }
    }

    /// The longest receipt message `Receipt`'s decoder accepts (Ledger/Chain/Receipt.swift).
    static let maxMessageBytes = 4096

    /// Reasons name values from the call; today they stay far below the limit, but a
    /// receipt the node cannot read back would be stored in every block that holds it, so
    /// a longer one is cut (deterministically, on a character boundary).
    static func boundedMessage(_ message: String) -> String {
        guard message.utf8.count > maxMessageBytes else { return message }
        var bounded = ""
        for character in message {
            guard bounded.utf8.count + character.utf8.count <= maxMessageBytes - 3 else { break }
            bounded.append(character)
        }
        return bounded + "..."
    }

    private static func run(
        _ tx: Transaction, txID: Hash256, height: UInt64, timeMs: UInt64, overlay: Overlay
    ) throws(ContractError) -> [Event] {
        guard tx.validUntilHeight >= height else {
            throw ContractError(
                .transactionExpired, "valid until height \(tx.validUntilHeight), block is \(height)"
            )
        }
        let (call, caller) = try admit(tx, overlay: overlay)
        var context = ContractContext(
            caller: caller, txID: txID, blockHeight: height, blockTimeMs: timeMs, overlay: overlay)
        try dispatch(call, in: &context)
        return context.events
    }

    private static func admit(_ tx: Transaction, overlay: Overlay) throws(ContractError) -> (
        ContractCall, KeyRecord
    ) {
        if let bytes = overlay.value(for: GovernanceKeys.parameters) {
            let parameters = try ContractContext.decodeStored(
                ChainParameters.self, bytes, key: GovernanceKeys.parameters)
            guard parameters.chainID == tx.chainID else {
                throw ContractError(
                    .wrongChain,
                    "transaction is for chain \(tx.chainID), this is \(parameters.chainID)")
            }
        }
        let call: ContractCall
        do {
            call = try ContractCall(transaction: tx)
        } catch {
            throw error.contractError
        }
        let keyKey = GovernanceKeys.key(tx.sender)
        guard let bytes = overlay.value(for: keyKey) else {
            throw ContractError(.unknownSender, "key \(tx.sender.hex) is not registered")
        }
        let caller = try ContractContext.decodeStored(KeyRecord.self, bytes, key: keyKey)
        try Permissions.authorise(call, caller: caller)
        return (call, caller)
    }

    private static func dispatch(_ call: ContractCall, in context: inout ContractContext)
        throws(ContractError)
    {
        switch call {
        case let .governance(call): try GovernanceContract.invoke(call, in: &context)
        case let .licence(call): try LicenceContract.invoke(call, in: &context)
        case let .authorisation(call): try AuthorisationContract.invoke(call, in: &context)
        case let .licenceUse(call): try LicenceUseContract.invoke(call, in: &context)
        case let .bill(call): try BillContract.invoke(call, in: &context)
        case let .reimbursement(call): try ReimbursementContract.invoke(call, in: &context)
        case let .evidence(call): try EvidenceContract.invoke(call, in: &context)
        }
    }
}
