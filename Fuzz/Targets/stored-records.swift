// Target `stored-records`: the bytes of one record read back from storage. The first
// byte picks the record type, the rest is its encoding.
//
// The contract records (`StoredRecords.kinds`) are what `ContractContext.decodeStored`
// and the queries decode on every call, where an undecodable record traps; the others are
// what the node keeps beside state (blocks, certificates, receipts, genesis, safety state,
// Merkle nodes and proofs). Checks: no decoder traps or over-allocates on any bytes, and
// each one is canonical: what decodes re-encodes to the same bytes and an equal value.
// Seeds are the records that the scripted scenario (`FuzzScenario`) really writes.
import Consensus
import Contracts
import FuzzSupport
import Ledger

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, fuzzStoredRecord)
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    FuzzEntry.initialize(seeds: recordSeeds)
}

/// Node-side records, after the contract records in the tag space.
private let nodeRecordChecks: [@Sendable ([UInt8]) -> Bool] = [
    { checkCanonical(Block.self, $0) != nil },
    { checkCanonical(CommitCertificate.self, $0) != nil },
    { checkCanonical(Receipt.self, $0) != nil },
    { checkCanonical(Genesis.self, $0) != nil },
    { checkCanonical(SafetyState.self, $0) != nil },
    { checkCanonical(SparseMerkleNode.self, $0) != nil },
    { checkCanonical(SparseMerkleProof.self, $0) != nil },
    { checkCanonical(MerkleProof.self, $0) != nil },
]

private let checks = StoredRecords.kinds.map(\.check) + nodeRecordChecks

func fuzzStoredRecord(_ bytes: [UInt8]) {
    guard let tag = bytes.first else { return }
    _ = checks[Int(tag) % checks.count](Array(bytes.dropFirst()))
}

private func recordSeeds() -> [[UInt8]] {
    var seeds: [[UInt8]] = []
    for entry in FuzzScenario.run() {
        guard let index = StoredRecords.kinds.firstIndex(where: {
            entry.key.bytes.starts(with: Array($0.keyPrefix.utf8))
        }) else { continue }
        seeds.append([UInt8(index)] + entry.value)
    }
    let base = StoredRecords.kinds.count
    for message in SignedMessages.samples {
        guard case let .decision(decision) = message else { continue }
        seeds.append([UInt8(base)] + decision.block.canonicalBytes)
        seeds.append([UInt8(base + 1)] + decision.certificate.canonicalBytes)
    }
    let result = BlockExecutor.execute(
        transactions: FuzzScenario.transactions, height: 1, timeMs: FuzzChain.genesisTimeMs,
        over: FuzzChain.genesisState)
    seeds += result.receipts.map { [UInt8(base + 2)] + $0.canonicalBytes }
    seeds.append([UInt8(base + 3)] + FuzzChain.genesis.canonicalBytes)
    return seeds
}
