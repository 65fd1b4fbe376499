public import Foundation
public import Ledger

/// Genesis documents on disk: JSON for people and tools (genesis/README.md describes the
/// fields); the chain itself only ever hashes the canonical binary encoding.
public enum GenesisFile {
    public static func read(from path: String) throws -> Genesis {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let genesis = try JSONDecoder().decode(Genesis.self, from: data)
        try genesis.validate()
        // The process now serves this chain: its suite is fixed before the first hash.
        try genesis.activateSuite()
        return genesis
    }

    public static func write(_ genesis: Genesis, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(genesis).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// A one-validator chain whose only organisation is a data bureau holding every role,
    /// keyed by the node's evidence key (its organisation key): enough to inspect a freshly
    /// initialised node.
    public static func singleValidatorDevnet(
        chainID: String, consensusKey: PublicKey, networkKey: PublicKey, evidenceKey: PublicKey,
        suite: CryptoSuite = .ed25519SHA256
    ) -> Genesis {
        Genesis(
            chainID: chainID, genesisTimeMs: 0, cryptoSuite: suite.rawValue,
            validators: [
                Validator(name: "node0", publicKey: consensusKey, address: "127.0.0.1:26600", networkKey: networkKey),
            ],
            organisations: [
                Organisation(
                    id: "data-bureau", name: "Provincial Data Bureau", creditCode: "11360000MB0000000X",
                    keys: [OrganisationKey(publicKey: evidenceKey, roles: Role.allCases)]),
            ],
            adminThreshold: 1, consensus: ConsensusParameters())
    }
}
