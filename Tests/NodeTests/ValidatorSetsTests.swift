@testable import Client
import GovChainAPI
import Ledger
import Testing

// Setup: VerifiedValidatorSets fed node answers directly, with a stand-in for "fetch block h
// and check its certificate against this set" that records which set it was asked to use
// and returns a header naming whatever the test's chain names. No process, no network.

@Suite("Verified validator sets (client)")
struct ValidatorSetsTests {
    static func validators(_ labels: [String]) -> [Validator] {
        labels.enumerated().map { index, label in
            Validator(name: label, publicKey: SigningKey.deterministic(label: label).publicKey,
                      address: "127.0.0.1:\(7000 + index)",
                      networkKey: SigningKey.deterministic(label: "network:" + label).publicKey)
        }
    }

    static let genesis = ValidatorSet(validators(["a", "b", "c", "d"]))
    static let added = ValidatorSet(validators(["a", "b", "c", "d", "e"]))
    static let reduced = ValidatorSet(validators(["b", "c", "d", "e"]))

    static func view(_ from: UInt64, _ set: ValidatorSet) -> ValidatorSetView {
        ValidatorSetView(fromHeight: from, validators: set.validators, hash: set.hash)
    }

    /// The chain: the added set from 5 (named by block 4), the reduced one from 9 (block 8).
    static func naming(_ height: UInt64) -> ValidatorSet {
        height >= 8 ? reduced : height >= 4 ? added : genesis
    }

    /// The stand-in certified-block fetch: fails unless asked with the set that really
    /// certifies `height` in this chain, as a certificate check would.
    static func certifiedBlock() -> (UInt64, ValidatorSet) async throws(ClientError) -> Block {
        { (height: UInt64, set: ValidatorSet) async throws(ClientError) -> Block in
            let certifying = height >= 9 ? reduced : height >= 5 ? added : genesis
            guard set == certifying else { throw .verificationFailed("block \(height): wrong set") }
            let header = BlockHeader(
                chainID: "c", height: height, round: 0, previousHash: .zero, txRoot: .zero, receiptsRoot: .zero,
                stateRoot: .zero, proposer: certifying[0].publicKey, timeMs: 0, nextValidatorsHash: Self.naming(height).hash)
            return Block(header: header, transactions: [])
        }
    }

    @Test("sets are followed through the headers that name them; each height gets its own set")
    func follows() async throws {
        let start = VerifiedValidatorSets(genesis: Self.genesis)
        #expect(start.set(forHeight: 1) == nil, "nothing is known before a node's list is read")
        let listed = [Self.view(1, Self.genesis), Self.view(5, Self.added), Self.view(9, Self.reduced)]
        let sets = try await start.extended(by: listed, asOf: 12, certifiedBlock: Self.certifiedBlock())
        #expect(sets.knownThrough == 13)
        #expect(sets.set(forHeight: 4) == Self.genesis)
        #expect(sets.set(forHeight: 5) == Self.added)
        #expect(sets.set(forHeight: 8) == Self.added)
        #expect(sets.set(forHeight: 13) == Self.reduced)
        #expect(sets.set(forHeight: 14) == nil)
        // A set whose naming block is not committed yet waits for it.
        let early = try await start.extended(by: listed, asOf: 7, certifiedBlock: Self.certifiedBlock())
        #expect(early.sets.count == 2 && early.knownThrough == 8)
        let later = try await early.extended(by: listed, asOf: 12, certifiedBlock: Self.certifiedBlock())
        #expect(later == sets)
    }

    @Test("a node that lies about the sets is refused: invented, left out, reordered, altered, contradicting")
    func refusesLies() async throws {
        let start = VerifiedValidatorSets(genesis: Self.genesis)
        let forged = ValidatorSet(Self.validators(["x", "y", "z", "w"]))
        func refused(_ listed: [ValidatorSetView], asOf: UInt64 = 12, from sets: VerifiedValidatorSets? = nil) async -> Bool {
            do {
                _ = try await (sets ?? start).extended(by: listed, asOf: asOf, certifiedBlock: Self.certifiedBlock())
                return false
            } catch { return true }
        }
        // A set the chain never had: block 4 names another.
        #expect(await refused([Self.view(1, Self.genesis), Self.view(5, forged)]))
        // Another genesis.
        #expect(await refused([Self.view(1, forged)]))
        // Out of order, or a set from height 1 again.
        #expect(await refused([Self.view(1, Self.genesis), Self.view(9, Self.reduced), Self.view(5, Self.added)]))
        #expect(await refused([Self.view(1, Self.genesis), Self.view(1, Self.added)]))
        // Its hash does not match its members.
        var altered = Self.view(5, Self.added)
        altered.validators[4].address = "10.0.0.1:1"
        #expect(await refused([Self.view(1, Self.genesis), altered]))
        // Repeated keys, or too many members: refused before any ValidatorSet is built.
        var repeated = Self.view(5, Self.added)
        repeated.validators[4] = repeated.validators[0]
        #expect(await refused([Self.view(1, Self.genesis), repeated]))
        var crowded = Self.view(5, Self.added)
        crowded.validators = Array(repeating: crowded.validators[0], count: 40)
        #expect(await refused([Self.view(1, Self.genesis), crowded]))
        // Left out: the list stops at genesis, so block 5 is checked against the genesis set
        // (the stand-in refuses it, as a real certificate check would).
        let partial = try await start.extended(by: [Self.view(1, Self.genesis)], asOf: 12, certifiedBlock: Self.certifiedBlock())
        #expect(partial.set(forHeight: 5) == Self.genesis)
        // A change listed only after blocks it would have certified were verified.
        #expect(await refused([Self.view(1, Self.genesis), Self.view(5, Self.added)], from: partial))
        // A list that rewrites what was verified before.
        let verified = try await start.extended(
            by: [Self.view(1, Self.genesis), Self.view(5, Self.added)], asOf: 6, certifiedBlock: Self.certifiedBlock())
        #expect(await refused([Self.view(1, Self.genesis), Self.view(6, Self.added)], from: verified))
    }
}
