import ArgumentParser
import Foundation
import KeyFiles
import Ledger
import Node

/// The three key files of a node's data directory, one use each (`NodeKeys`):
/// `consensus.key` signs votes, `network.key` authenticates peer connections,
/// `evidence.key` (an organisation key) signs the evidence transactions the node reports.
struct NodeKeyFiles {
    static let consensusFile = "consensus.key"
    static let networkFile = "network.key"
    static let evidenceFile = "evidence.key"

    let consensus: SigningKey
    let network: SigningKey
    let evidence: SigningKey

    /// Reads the three files in `directory`, making those that are missing (mode 0600) for
    /// `algorithm`; a file holding another algorithm's key is refused.
    static func loadOrCreate(in directory: String, algorithm: SignatureAlgorithm) throws -> NodeKeyFiles {
        func key(_ file: String) throws -> SigningKey {
            let path = directory + "/" + file
            guard FileManager.default.fileExists(atPath: path) else {
                let key = SigningKey.generate(algorithm)
                try KeyFile.write(key, to: path)
                return key
            }
            let key = try KeyFile.read(from: path)
            guard key.algorithm == algorithm else {
                throw ValidationError("\(path) holds an \(key.algorithm) key; this chain signs with \(algorithm)")
            }
            return key
        }
        return NodeKeyFiles(
            consensus: try key(consensusFile), network: try key(networkFile), evidence: try key(evidenceFile))
    }

    /// Prints the public keys, as `init` and operators' scripts read them.
    func printPublicKeys() {
        print("  consensus key: \(consensus.publicKey.hex)")
        print("  network key:   \(network.publicKey.hex)")
        print("  evidence key:  \(evidence.publicKey.hex)")
    }
}

extension NodeConfiguration {
    /// The node's keys as config.toml names them, checked to have one use each.
    func loadKeys() throws -> (keys: NodeKeys, network: SigningKey) {
        let network = try KeyFile.read(from: networkKey)
        let keys = try NodeKeys(
            consensus: try KeyFile.read(from: consensusKey),
            nextConsensus: try nextConsensusKey.map { try KeyFile.read(from: $0) },
            network: network.publicKey,
            evidence: try evidenceKey.map { try KeyFile.read(from: $0) })
        return (keys, network)
    }
}
