import Foundation
import Ledger
import Node

/// A one-validator devnet for tests, with the node's keys kept apart as a real node's are:
/// `consensus` signs votes, a key derived from it authenticates connections, and the data
/// bureau's key (every role, the node's evidence key) is `organisation`.
enum Solo {
    static func networkKey(of consensus: SigningKey) -> SigningKey {
        SigningKey.deterministic(label: "network:" + consensus.publicKey.hex)
    }

    static func organisationKey(of consensus: SigningKey) -> SigningKey {
        SigningKey.deterministic(label: "organisation:" + consensus.publicKey.hex)
    }

    static func genesis(chainID: String, consensus: SigningKey, organisation: SigningKey? = nil) -> Genesis {
        GenesisFile.singleValidatorDevnet(
            chainID: chainID, consensusKey: consensus.publicKey, networkKey: networkKey(of: consensus).publicKey,
            evidenceKey: (organisation ?? organisationKey(of: consensus)).publicKey)
    }

    static func keys(consensus: SigningKey, organisation: SigningKey? = nil) throws -> NodeKeys {
        try NodeKeys(
            consensus: consensus, network: networkKey(of: consensus).publicKey,
            evidence: organisation ?? organisationKey(of: consensus))
    }
}
