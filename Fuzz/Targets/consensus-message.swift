// Target `consensus-message`: the bytes of one consensus message as a peer sends them
// (inside PeerMessage.consensus), through the node's own entry point
// `UnverifiedMessage(bytes:)` and then `verify(chainID:validators:)`.
//
// Checks: decoding and verification never trap; a decoded message re-encodes to the input;
// a message that verifies names a signer inside the validator set. One input in 8 (chosen
// by its last byte) is also rebuilt as the honest validator's message with the same
// heights, rounds and transactions (`SignedMessages.honest`), which must verify, with
// the signer the proposer rule names.
import Consensus
import FuzzSupport
import Ledger

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, fuzzConsensusMessage)
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    FuzzEntry.initialize { SignedMessages.samples.map(\.canonicalBytes) }
}

func fuzzConsensusMessage(_ bytes: [UInt8]) {
    let unverified: UnverifiedMessage
    do {
        unverified = try UnverifiedMessage(bytes: bytes)
    } catch {
        return
    }
    checkReencodes(unverified.message, to: bytes, lengthLimit: ConsensusMessage.maxEncodedBytes)
    if let verified = try? unverified.verify(
        chainID: FuzzChain.chainID, validators: FuzzChain.validatorSet),
        let signer = verified.signer, signer >= FuzzChain.validatorSet.count
    {
        fuzzFailure("a verified message names signer \(signer) outside the set", bytes)
    }
    if bytes.last! & 7 == 0 { checkHonestVerifies(unverified.message, bytes) }
}

private func checkHonestVerifies(_ message: ConsensusMessage, _ bytes: [UInt8]) {
    let honest = SignedMessages.honest(message)
    let verified: VerifiedMessage
    do {
        verified = try UnverifiedMessage(honest).verify(
            chainID: FuzzChain.chainID, validators: FuzzChain.validatorSet)
    } catch {
        fuzzFailure("an honestly signed \(kind(of: honest)) is refused: \(error)", bytes)
    }
    let expected: Int? =
        switch honest {
        case let .vote(vote): Int(vote.validatorIndex)
        case let .proposal(proposal):
            SignedMessages.proposerIndex(height: proposal.height, round: proposal.round)
        case .decision: nil
        }
    guard verified.signer == expected else {
        fuzzFailure("verified signer \(String(describing: verified.signer)), expected "
            + "\(String(describing: expected))", bytes)
    }
    let encoded = honest.canonicalBytes
    if encoded.count <= ConsensusMessage.maxEncodedBytes {
        checkCanonical(
            ConsensusMessage.self, encoded, lengthLimit: ConsensusMessage.maxEncodedBytes)
    }
}

private func kind(of message: ConsensusMessage) -> String {
    switch message {
    case .vote: "vote"
    case .proposal: "proposal"
    case .decision: "decision"
    }
}
