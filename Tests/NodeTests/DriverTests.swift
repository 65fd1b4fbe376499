import Consensus
import Execution
import Testing
@testable import Ledger
@testable import Node

// Setup: the consensus driver's inbox and the mempool's admission, without a network.
// Test: a flood of peer messages never costs a timer (finding 7), and a storage failure in
// the replay check refuses the transaction instead of admitting it (finding 9).

@Suite("Consensus driver inbox and fail-closed admission")
struct DriverTests {
    static let key = SigningKey.deterministic(label: "driver-test-validator")

    func vote(round: UInt64) -> VerifiedMessage {
        let vote = Vote(
            kind: .prevote, height: 1, round: round, blockID: nil, validatorIndex: 0,
            signature: Self.key.sign(
                ConsensusStatement.voteSigningBytes(
                    chainID: "test", kind: .prevote, height: 1, round: round, blockID: nil)))
        let validators = ValidatorSet([
            Validator(name: "v0", publicKey: Self.key.publicKey, address: "a", networkKey: SigningKey.deterministic(label: "network:" + (Self.key.publicKey).hex).publicKey)
        ])
        // Verified at the edge, as the dispatcher does.
        return
            (try? UnverifiedMessage(.vote(vote)).verify(chainID: "test", validators: validators))!
    }

    @Test("attack: a flood of 50,000 peer messages does not evict a round timeout (finding 7)")
    func floodKeepsTimers() {
        let inbox = DriverInbox()
        let timeout = TimeoutID(kind: .propose, height: 1, round: 0)
        inbox.schedule(timeout, dueMs: 1_000)
        let message = vote(round: 0)
        var dropped = 0
        for _ in 0..<50_000 where !inbox.submit(message) { dropped += 1 }
        #expect(dropped == 50_000 - DriverInbox.messageCapacity, "the message queue is bounded")
        // Not yet due: messages come out; once due, the timer comes first.
        if case .timeout = inbox.next(nowMs: 999) { Issue.record("timer fired early") }
        guard case let .timeout(fired) = inbox.next(nowMs: 1_000) else {
            Issue.record("the timer was lost under the flood")
            return
        }
        #expect(fired == timeout)
        var remaining = 0
        while case .message = inbox.next(nowMs: 2_000) { remaining += 1 }
        #expect(remaining == DriverInbox.messageCapacity - 1)
    }

    @Test("timers of rounds the replica left are pruned; the retransmit timer never is")
    func pruning() {
        let inbox = DriverInbox()
        inbox.schedule(TimeoutID(kind: .propose, height: 1, round: 0), dueMs: 10)
        inbox.schedule(TimeoutID(kind: .propose, height: 2, round: 0), dueMs: 10)
        inbox.schedule(TimeoutID(kind: .retransmit, height: 0, round: 0), dueMs: 10)
        inbox.pruneTimers(height: 2, round: 0)
        #expect(inbox.pendingTimers == 2)
    }

    @Test(
        "attack: a storage error in the replay check refuses the transaction, never admits it (finding 9)"
    )
    func failedReplayCheckRefuses() {
        struct DiskFailure: Error {}
        let pool = Mempool(chainID: "test", signatures: SignatureCache())
        let tx = Transaction.signed(
            chainID: "test", signer: Self.key, uniqueID: [UInt8](repeating: 7, count: 16),
            validUntilHeight: 50, contract: "bill", method: "issue", arguments: [1])
        let result = pool.admit(
            bytes: tx.canonicalBytes, height: 1, isCommitted: { _ in throw DiskFailure() },
            permits: { _ in nil })
        guard case .failure(.unavailable) = result else {
            Issue.record("expected 'unavailable', got \(result)")
            return
        }
        #expect(pool.count == 0)
        #expect(APIRoutes.apiError(.unavailable("x")).code == "unavailable")
    }
}
