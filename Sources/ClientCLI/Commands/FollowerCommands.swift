import ArgumentParser
import Client
import Contracts
import GovChainAPI
import Ledger

// Follower nodes: a department's replica that syncs, executes and serves reads, and never
// votes (docs/operations.md, "Follower nodes").

extension OrgCommand {
    struct Followers: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the follower nodes governance admits.",
            discussion: "Example: govchain --node http://127.0.0.1:8600 org followers --json")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.perform { client, output in
                output.emitList("followers", try await client.followers()) { "\($0.name)  \($0.publicKey)" }
            }
        }
    }
}

extension Propose {
    struct AddFollower: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-follower",
            abstract: "Admit a follower node's key: validators then accept it as a peer.",
            discussion: """
                The key is the network key `govchain-node init` printed on the follower's host. Example: \
                govchain ... org propose add-follower --proposal-id P009 --name health-replica \
                --public-key 3b6a...9f
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .long, help: "The follower's display name.") var name: String
        @Option(name: .customLong("public-key"), help: "Its network key.") var publicKey: String

        func validate() throws {
            try validateID(name, "--name")
            _ = try Propose.key(publicKey, "--public-key")
        }

        func run() async throws {
            let follower = Follower(name: name, publicKey: try Propose.key(publicKey, "--public-key"))
            try await Propose.submit(connection, proposal, .addFollower(follower))
        }
    }

    struct RemoveFollower: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-follower",
            abstract: "Withdraw a follower's admission: validators drop its connection.",
            discussion: "Example: govchain ... org propose remove-follower --proposal-id P010 --public-key 3b6a...9f")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var proposal: ProposalOptions
        @Option(name: .customLong("public-key"), help: "Its network key.") var publicKey: String

        func validate() throws { _ = try Propose.key(publicKey, "--public-key") }

        func run() async throws {
            try await Propose.submit(
                connection, proposal, .removeFollower(try Propose.key(publicKey, "--public-key")))
        }
    }
}
