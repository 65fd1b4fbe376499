// Target `peer-message`: one frame payload from a peer, decoded and routed as the node's
// `NodeRuntime.dispatch` does (Sources/Node/Runtime/NodeRuntime+Run.swift), with
// Sources/Node/Sync/PeerMessage.swift compiled into this binary (it imports only Ledger)
// so that Node's NIO and Hummingbird stack stays out of the fuzzer.
//
// Checks: PeerMessage decoding never traps and re-encodes to the input; then, per case,
// what the node does with it: a consensus payload goes through `UnverifiedMessage`
// (canonical round trip) and `verify`; gossiped transactions decode canonically; each
// synced block is verified as a decision. Signature checks cost ~40 us each, and a sync
// batch or a gossip batch holds dozens, so only inputs whose last byte is 0 mod 8 pay
// for them; the `consensus-message` and `transaction` targets fuzz those paths at full
// rate. `status` and `syncRequest` carry only integers, which the node's actor uses; that
// arithmetic lives in Node and is not reached here (see docs/fuzzing.md).
import Consensus
import Contracts
import FuzzSupport
import Ledger

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, fuzzPeerMessage)
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    FuzzEntry.initialize(seeds: peerSeeds)
}

func fuzzPeerMessage(_ bytes: [UInt8]) {
    let message: PeerMessage
    do {
        message = try PeerMessage(canonicalBytes: bytes)
    } catch {
        return
    }
    checkReencodesBytes(message, to: bytes)
    let verifies = bytes.last! & 7 == 0
    switch message {
    case let .consensus(inner):
        guard let unverified = try? UnverifiedMessage(bytes: inner) else { return }
        checkReencodes(unverified.message, to: inner, lengthLimit: ConsensusMessage.maxEncodedBytes)
        guard verifies else { return }
        _ = try? unverified.verify(chainID: FuzzChain.chainID, validators: FuzzChain.validatorSet)
    case let .transactions(list):
        for raw in list {
            guard let tx = checkCanonical(Transaction.self, raw), verifies else { continue }
            _ = tx.hasValidSignature
            _ = BlockExecutor.checkTx(tx, over: FuzzChain.genesisState)
        }
    case .status, .syncRequest:
        break
    case let .syncResponse(blocks):
        for certified in blocks where verifies {
            let decision = Decision(block: certified.block, certificate: certified.certificate)
            _ = try? UnverifiedMessage(.decision(decision)).verify(
                chainID: FuzzChain.chainID, validators: FuzzChain.validatorSet)
        }
    }
}

private func peerSeeds() -> [[UInt8]] {
    let decisions = SignedMessages.samples.compactMap { message -> CertifiedBlock? in
        guard case let .decision(decision) = message else { return nil }
        return CertifiedBlock(block: decision.block, certificate: decision.certificate)
    }
    let messages: [PeerMessage] =
        SignedMessages.samples.map { .consensus($0.canonicalBytes) } + [
            .transactions(FuzzScenario.transactions.map(\.canonicalBytes)),
            .status(height: 12),
            .syncRequest(fromHeight: 1, count: PeerMessage.maxSyncBatch),
            .syncRequest(fromHeight: UInt64.max, count: UInt32.max),
            .syncResponse(decisions),
        ]
    return messages.map(\.canonicalBytes)
}
