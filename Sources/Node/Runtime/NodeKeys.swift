public import Ledger

/// A node's keys, one use each (issue 15 item 2; Diem keeps the consensus key in SafetyRules
/// alone):
/// - `consensus`: signs proposals and votes, held by `SafetyRules` and nothing else. A
///   second key is the next one during a governance rotation (`rotateValidatorKeys`): the
///   node signs with whichever key the validator set of each height names.
/// - `network`: the peer handshake's static key (the transport holds its private half).
/// - `evidence`: an organisation key that signs equivocation evidence transactions;
///   optional (without it evidence is only logged).
public struct NodeKeys: Sendable {
    public let consensus: [SigningKey]
    public let network: PublicKey
    public let evidence: SigningKey?

    /// - Throws: `NodeKeysError` when one key would serve two uses.
    public init(
        consensus: SigningKey, nextConsensus: SigningKey? = nil, network: PublicKey, evidence: SigningKey?
    ) throws(NodeKeysError) {
        let named: [(String, PublicKey)] = [("consensus_key", consensus.publicKey)]
            + (nextConsensus.map { [("next_consensus_key", $0.publicKey)] } ?? [])
            + [("network_key", network)]
            + (evidence.map { [("evidence_key", $0.publicKey)] } ?? [])
        for (position, (name, key)) in named.enumerated() {
            if let earlier = named[..<position].first(where: { $0.1 == key }) {
                throw NodeKeysError(first: earlier.0, second: name)
            }
        }
        self.consensus = [consensus] + (nextConsensus.map { [$0] } ?? [])
        self.network = network
        self.evidence = evidence
    }
}

/// Two of a node's key files hold the same key.
public struct NodeKeysError: Error, CustomStringConvertible {
    public let first: String
    public let second: String
    public var description: String {
        "\(first) and \(second) are the same key: each key has one use (consensus votes, "
            + "peer connections, evidence transactions), so each needs its own key file"
    }
}
