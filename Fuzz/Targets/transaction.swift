// Target `transaction`: the bytes of one transaction, as a client or a peer sends them.
//
// Checks, on every input that decodes:
// - the canonical round trip (the tx id and the Merkle leaves depend on those bytes);
// - signature checking and the id never trap, whatever the key and signature bytes are;
// - the call it carries either is refused with a CallDecodingError or re-encodes to
//   exactly the transaction's (contract, method, arguments): the executor decodes every
//   call from these fields, so a non-canonical call codec would let two byte strings mean
//   one call;
// - the mempool's pre-check and the executor run it over the genesis state without trapping.
// One input in 16 also has its signature checked, and is re-signed with a fixed key and must
// then verify.
import Contracts
import FuzzSupport
import Ledger

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, fuzzTransaction)
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    FuzzEntry.initialize { FuzzScenario.transactions.map(\.canonicalBytes) }
}

func fuzzTransaction(_ bytes: [UInt8]) {
    guard bytes.count <= Transaction.maxEncodedBytes,
        let tx = checkCanonical(Transaction.self, bytes)
    else { return }
    _ = tx.id
    checkCall(of: tx, bytes)
    _ = BlockExecutor.checkTx(tx, over: FuzzChain.genesisState)
    let result = BlockExecutor.execute(
        transactions: [tx], height: 1, timeMs: FuzzChain.genesisTimeMs + 1_000,
        over: FuzzChain.genesisState)
    guard result.receipts.count == 1, result.receipts[0].txID == tx.id else {
        fuzzFailure("the executor's receipt does not match the transaction", bytes)
    }
    // Ed25519 verification costs ~40 us, ten times the rest of this function: one input
    // in 16 pays for it, chosen by a byte the fuzzer controls.
    if tx.uniqueID[0] & 0x0F == 0 {
        _ = tx.hasValidSignature
        checkResigned(tx, bytes)
    }
}

private func checkCall(of tx: Transaction, _ bytes: [UInt8]) {
    let call: ContractCall
    do {
        call = try ContractCall(transaction: tx)
    } catch {
        return
    }
    guard call.contractName == tx.contract, call.methodName == tx.method else {
        fuzzFailure(
            "call \(call.contractName).\(call.methodName) from \(tx.contract).\(tx.method)",
            bytes)
    }
    guard call.argumentBytes == tx.arguments else {
        fuzzFailure("\(tx.contract).\(tx.method) arguments decode but re-encode differently", bytes)
    }
}

/// Signing and verifying agree on every shape of transaction (long fields, odd strings).
private func checkResigned(_ tx: Transaction, _ bytes: [UInt8]) {
    let signer = FuzzChain.civil
    let signed = Transaction.signed(
        chainID: tx.chainID, signer: signer, uniqueID: tx.uniqueID,
        validUntilHeight: tx.validUntilHeight, contract: tx.contract, method: tx.method,
        arguments: tx.arguments)
    guard signed.hasValidSignature else {
        fuzzFailure("a freshly signed transaction does not verify", bytes)
    }
    guard signed.id == Transaction(
        chainID: tx.chainID, sender: signer.publicKey, uniqueID: tx.uniqueID,
        validUntilHeight: tx.validUntilHeight, contract: tx.contract, method: tx.method,
        arguments: tx.arguments, signature: tx.signature
    ).id else {
        fuzzFailure("the transaction id depends on the signature", bytes)
    }
}
