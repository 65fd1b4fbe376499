import Testing
@testable import Ledger
import Execution
@testable import Node

@Suite("Mempool")
struct MempoolTests {
    let alice = SigningKey.deterministic(label: "alice")
    let bob = SigningKey.deterministic(label: "bob")

    func tx(_ signer: SigningKey, _ n: Int, chain: String = "test", validUntil: UInt64 = 50) -> Transaction {
        Transaction.signed(
            chainID: chain, signer: signer, uniqueID: StorageKey.height(UInt64(n)) + StorageKey.height(0),
            validUntilHeight: validUntil, contract: "bill", method: "issue", arguments: [UInt8(n & 0xFF)])
    }

    func admit(_ pool: Mempool, _ tx: Transaction, committed: Set<Hash256> = [], permits: String? = nil)
        -> Result<Transaction, AdmissionError>
    {
        pool.admit(bytes: tx.canonicalBytes, height: 10, isCommitted: { committed.contains($0) }, permits: { _ in permits })
    }

    @Test("each bad transaction gets its own clear refusal and nothing is admitted")
    func refusals() {
        let pool = Mempool(chainID: "test", signatures: SignatureCache())
        #expect(pool.admit(bytes: [1, 2, 3], height: 0, isCommitted: { _ in false }, permits: { _ in nil })
            .isFailure { if case .malformed = $0 { true } else { false } })
        #expect(admit(pool, tx(alice, 1, chain: "other")).isFailure { if case .wrongChain = $0 { true } else { false } })
        #expect(admit(pool, tx(alice, 2, validUntil: 10)).isFailure { if case .expired = $0 { true } else { false } })
        var forged = tx(alice, 3)
        forged.signature = bob.sign(forged.signingBytes)
        #expect(admit(pool, forged).isFailure { $0 == .invalidSignature })
        let committed = tx(alice, 4)
        #expect(admit(pool, committed, committed: [committed.id]).isFailure { $0 == .alreadyCommitted })
        #expect(admit(pool, tx(alice, 5), permits: "no role").isFailure { $0 == .notPermitted("no role") })
        #expect(pool.count == 0)
        let good = tx(alice, 6)
        #expect(admit(pool, good).isSuccess)
        #expect(admit(pool, good).isFailure { $0 == .duplicate })
        #expect(pool.count == 1)
    }

    @Test("a full mempool answers busy instead of growing")
    func busyWhenFull() {
        let pool = Mempool(chainID: "test", limits: .init(maxTransactions: 5, maxPerSender: 3), signatures: SignatureCache())
        for n in 0..<3 { #expect(admit(pool, tx(alice, n)).isSuccess) }
        #expect(admit(pool, tx(alice, 3)).isFailure { $0.isBusy })
        for n in 10..<12 { #expect(admit(pool, tx(bob, n)).isSuccess) }
        #expect(admit(pool, tx(bob, 12)).isFailure { $0.isBusy })
        #expect(pool.count == 5)
    }

    @Test("reaping alternates between senders, FIFO within each, and commits and expiry evict")
    func fairness() {
        let pool = Mempool(chainID: "test", signatures: SignatureCache())
        for n in 0..<6 { _ = admit(pool, tx(alice, n)) }
        for n in 100..<102 { _ = admit(pool, tx(bob, n, validUntil: 12)) }
        let picked = pool.reap(maxCount: 4, maxBytes: 1 << 20)
        #expect(picked.map(\.sender) == [alice.publicKey, bob.publicKey, alice.publicKey, bob.publicKey])
        #expect(picked[0].uniqueID == tx(alice, 0).uniqueID && picked[2].uniqueID == tx(alice, 1).uniqueID)
        let expired = pool.update(committed: [picked[0].id], height: 12)
        #expect(expired == 2)
        #expect(pool.count == 5)
        #expect(pool.reap(maxCount: 100, maxBytes: 1 << 20).allSatisfy { $0.sender == alice.publicKey })
    }

    @Test("a signature is verified once per node and then served from the cache")
    func signatureCache() {
        let cache = SignatureCache(capacity: 2)
        let first = tx(alice, 1), second = tx(alice, 2), third = tx(alice, 3)
        #expect(cache.isValid(first, id: first.id))
        #expect(cache.isValid(second, id: second.id))
        #expect(cache.isValid(third, id: third.id))
        #expect(cache.count == 2)
        var forged = tx(bob, 9)
        forged.signature = alice.sign([0])
        #expect(!cache.isValid(forged, id: forged.id))
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
    func isFailure(_ matches: (Failure) -> Bool) -> Bool {
        if case let .failure(error) = self { matches(error) } else { false }
    }
}
