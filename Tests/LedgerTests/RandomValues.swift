@testable import Ledger

/// SplitMix64: a tiny seeded generator, so every random test replays from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random but valid values of every Ledger type, from a seeded generator.
struct RandomValues {
    var rng: SplitMix64
    let keys: [SigningKey] = (0..<4).map { SigningKey.deterministic(label: "random-\($0)") }

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) } }
    mutating func bytes(upTo limit: Int) -> [UInt8] { bytes(Int.random(in: 0...limit, using: &rng)) }
    mutating func string(upTo limit: Int) -> String {
        let alphabet = Array("abcXYZ019-/ 电子证照票据")
        return String((0..<Int.random(in: 0...limit, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }
    mutating func u64() -> UInt64 { rng.next() }
    mutating func hash() -> Hash256 { Hash256(bytes: bytes(32)) }
    mutating func key() -> SigningKey { keys.randomElement(using: &rng)! }

    mutating func transaction() -> Transaction {
        Transaction.signed(
            chainID: string(upTo: 20), signer: key(), uniqueID: bytes(16), validUntilHeight: u64(),
            contract: string(upTo: 12), method: string(upTo: 12), arguments: bytes(upTo: 300))
    }

    mutating func header() -> BlockHeader {
        BlockHeader(
            chainID: string(upTo: 20), height: u64(), round: u64(), previousHash: hash(), txRoot: hash(),
            receiptsRoot: hash(), stateRoot: hash(), proposer: key().publicKey, timeMs: u64(),
            nextValidatorsHash: hash())
    }

    mutating func block() -> Block {
        let count = Int.random(in: 0...5, using: &rng)
        return Block(header: header(), transactions: (0..<count).map { _ in transaction() })
    }

    mutating func certificate() -> CommitCertificate {
        let count = Int.random(in: 0...4, using: &rng)
        let signatures = (0..<count).map { index in
            ValidatorSignature(validatorIndex: UInt16(index), signature: key().sign(bytes(8)))
        }
        return CommitCertificate(height: u64(), round: u64(), blockID: hash(), signatures: signatures)
    }

    mutating func event() -> Event {
        let count = Int.random(in: 0...3, using: &rng)
        return Event(contract: string(upTo: 10), type: string(upTo: 10),
                     attributes: (0..<count).map { _ in EventAttribute(string(upTo: 8), string(upTo: 30)) })
    }

    mutating func receipt() -> Receipt {
        let count = Int.random(in: 0...3, using: &rng)
        return Receipt(txID: hash(), code: UInt32.random(in: 0...500, using: &rng),
                       message: string(upTo: 40), events: (0..<count).map { _ in event() })
    }

    mutating func genesis() -> Genesis {
        let validators = (0..<Int.random(in: 1...4, using: &rng)).map { index in
            Validator(name: "v\(index)", publicKey: keys[index].publicKey, address: "127.0.0.1:\(26000 + index)", networkKey: SigningKey.deterministic(label: "network:" + (keys[index].publicKey).hex).publicKey)
        }
        let roles = Role.allCases.filter { _ in Bool.random(using: &rng) }
        let organisation = Organisation(
            id: string(upTo: 10), name: string(upTo: 20), creditCode: "91360000MA35XXXXXX",
            keys: [OrganisationKey(publicKey: key().publicKey, roles: roles + [.admin], licenceTypes: ["11100"])])
        return Genesis(
            chainID: string(upTo: 20), genesisTimeMs: u64(), validators: validators,
            organisations: [organisation], adminThreshold: 1,
            consensus: ConsensusParameters(timeoutProposeMs: u64() % 10_000 + 1))
    }

    mutating func evidence() -> EquivocationEvidence {
        let signer = key()
        let first = bytes(upTo: 40), second = bytes(upTo: 40)
        return EquivocationEvidence(
            chainID: string(upTo: 10), validator: signer.publicKey, kind: .prevote, height: u64(), round: u64(),
            bodyA: first, signatureA: signer.sign(first), bodyB: second, signatureB: signer.sign(second))
    }

    mutating func proof() -> MerkleProof {
        MerkleProof(leafIndex: u64(), leafCount: u64(), siblings: (0..<Int.random(in: 0...6, using: &rng)).map { _ in hash() })
    }
}
