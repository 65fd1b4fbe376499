public import Execution
public import Ledger

/// Synthetic committed blocks for storage tests and the crash-test helper: block h rewrites
/// keys `torture/0..<keys` with the value h, so a store that reopens at height h must hold
/// exactly h in every one of them.
public enum SyntheticBlocks {
    public static func make(height: UInt64, previousHash: Hash256, proposer: SigningKey, keys: Int) -> CommittedBlock {
        let tx = Transaction.signed(
            chainID: "torture", signer: proposer, uniqueID: StorageKey.height(height) + StorageKey.height(0),
            validUntilHeight: height.addingReportingOverflow(10).overflow ? .max : height + 10,
            contract: "torture", method: "write", arguments: StorageKey.height(height))
        let header = BlockHeader(
            chainID: "torture", height: height, round: 0, previousHash: previousHash,
            txRoot: Block.transactionRoot([tx]), receiptsRoot: .zero, stateRoot: .zero,
            proposer: proposer.publicKey,
            timeMs: height.multipliedReportingOverflow(by: 1_000).partialValue, nextValidatorsHash: .zero)
        let block = Block(header: header, transactions: [tx])
        let certificate = CommitCertificate(height: height, round: 0, blockID: block.hash, signatures: [])
        let receipt = Receipt(txID: tx.id, code: 0, message: "ok", events: [])
        let changes = (0..<keys).map { index in
            StateChange(key: Array("torture/\(index)".utf8), value: StorageKey.height(height))
        }
        return CommittedBlock(
            block: block, certificate: certificate, receipts: [receipt],
            results: ExecutionResults(receiptsRoot: Receipt.root([receipt]), stateRoot: .zero),
            stateChanges: changes)
    }

    public static func key(_ index: Int) -> [UInt8] { Array("torture/\(index)".utf8) }
}
