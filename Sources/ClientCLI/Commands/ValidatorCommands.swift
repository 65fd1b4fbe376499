import ArgumentParser
import Client
import Contracts
import GovChainAPI
import Ledger

// Validator-set changes: each certifies blocks from two heights after the block that
// commits it (docs/operations.md, "Adding and removing a department's node" and "Rotating
// a key").

extension Propose {
    struct AddValidator: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-validator",
            abstract: "Add a validator to the recorded validator set.",
            discussion: """
                The keys are those `govchain-node init` printed on the validator's host. Example: \
                govchain ... org propose add-validator --proposal-id P007 --name node4 \
                --public-key 3b6a...9f --network-key 81c0...2e --address 10.0.0.5:27000
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .long, help: "The validator's name.") var name: String
        @Option(name: .customLong("public-key"), help: "Its consensus key (signs votes only).")
        var publicKey: String
        @Option(name: .customLong("network-key"), help: "Its network key (authenticates its peer connections).")
        var networkKey: String
        @Option(name: .long, help: "Its peer endpoint host:port.") var address: String

        func validate() throws {
            try validateID(name, "--name")
            _ = try Propose.key(publicKey, "--public-key")
            _ = try Propose.key(networkKey, "--network-key")
        }

        func run() async throws {
            let validator = Validator(
                name: name, publicKey: try Propose.key(publicKey, "--public-key"), address: address,
                networkKey: try Propose.key(networkKey, "--network-key"))
            try await Propose.submit(connection, proposal, .addValidator(validator))
        }
    }

    struct RemoveValidator: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-validator", abstract: "Remove a validator from the recorded set.",
            discussion:
                "Example: govchain ... org propose remove-validator --proposal-id P008 --public-key 3b6a...9f"
        )

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("public-key"), help: "Its consensus key.") var publicKey: String

        func validate() throws { _ = try Propose.key(publicKey, "--public-key") }

        func run() async throws {
            try await Propose.submit(
                connection, proposal, .removeValidator(try Propose.key(publicKey, "--public-key")))
        }
    }

    struct RotateValidatorKeys: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-validator-keys",
            abstract: "Give a validator new consensus and network keys (either may stay the same).",
            discussion: """
                The set with the new keys certifies from two blocks after the block that commits \
                the change. Before proposing, put the new consensus key in the node's \
                next_consensus_key (config.toml) and restart it: it then signs with whichever key \
                each height's set names, so it never misses a vote. A new network key takes \
                effect when the node restarts with it as network_key; peers refuse the old \
                one as soon as the change commits, so restart the node then. Example: govchain ... org \
                propose rotate-validator-keys --proposal-id P010 --public-key 3b6a...9f \
                --new-consensus-key 5d21...07 --new-network-key 81c0...2e
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("public-key"), help: "The validator's consensus key now.")
        var publicKey: String
        @Option(name: .customLong("new-consensus-key"), help: "Its new consensus key (default: unchanged).")
        var newConsensusKey: String?
        @Option(name: .customLong("new-network-key"), help: "Its new network key (default: unchanged).")
        var newNetworkKey: String?

        func validate() throws {
            _ = try Propose.key(publicKey, "--public-key")
            guard newConsensusKey != nil || newNetworkKey != nil else {
                throw ValidationError("give --new-consensus-key, --new-network-key or both")
            }
            if let newConsensusKey { _ = try Propose.key(newConsensusKey, "--new-consensus-key") }
            if let newNetworkKey { _ = try Propose.key(newNetworkKey, "--new-network-key") }
        }

        func run() async throws {
            let current = try Propose.key(publicKey, "--public-key")
            var networkNow: PublicKey?
            if newNetworkKey == nil {
                // The unchanged network key is read from the recorded set: the change names both.
                try await connection.perform { client, _ in
                    let listed = try await client.validators().first { $0.publicKey == current.hex }
                    networkNow = listed.flatMap { PublicKey(hex: $0.networkKey) }
                }
                guard networkNow != nil else {
                    throw ValidationError("\(publicKey) is not a validator's consensus key in the recorded set")
                }
            }
            let consensus = try newConsensusKey.map { try Propose.key($0, "--new-consensus-key") } ?? current
            guard let network = try newNetworkKey.map({ try Propose.key($0, "--new-network-key") }) ?? networkNow
            else { return }
            try await Propose.submit(
                connection, proposal,
                .rotateValidatorKeys(validator: current, consensusKey: consensus, networkKey: network))
        }
    }
}
