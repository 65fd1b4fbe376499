internal import Foundation
public import Ledger

/// What a client trusts without asking any node: the genesis document (chain id, validator
/// set, genesis hash), pinned from a file the operator handed over out of band.
public struct TrustRoot: Sendable {
    public let genesis: Genesis
    public let validators: ValidatorSet

    public init(genesis: Genesis) throws(ClientError) {
        do { try genesis.validate() } catch { throw .invalidInput("genesis: \(error)") }
        // The genesis names the chain's suite; this process now checks hashes under it.
        do { try genesis.activateSuite() } catch { throw .invalidInput("genesis: \(error)") }
        self.genesis = genesis
        self.validators = genesis.validatorSet
    }

    /// Reads a genesis JSON file (genesis/README.md).
    public init(genesisFile path: String) throws(ClientError) {
        let genesis: Genesis
        do {
            genesis = try JSONDecoder().decode(Genesis.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .invalidInput("cannot read genesis \(path): \(error)")
        }
        try self.init(genesis: genesis)
    }

    public var chainID: String { genesis.chainID }
}
