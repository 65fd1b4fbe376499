import ArgumentParser
import Client
import Foundation
import Ledger

/// `govchain audit ...`: what auditors read (chain re-verification is `audit verify-chain`,
/// built separately).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read what auditors need: recorded equivocation evidence.",
        subcommands: [Evidence.self, VerifyChain.self])

    struct Evidence: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List recorded equivocation evidence (validators that signed twice).",
            discussion: "Example: govchain --node http://127.0.0.1:8600 audit evidence --json")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.perform { client, output in
                let evidence = try await client.evidence()
                output.emitList("evidence", evidence) { record in
                    "validator \(record.evidence.validator.hex.prefix(16)) equivocated (\(record.evidence.kind)) at "
                        + "height \(record.evidence.height) round \(record.evidence.round); reported by "
                        + "\(record.reporterOrganisation) at height \(record.recordedAtHeight)"
                }
            }
        }
    }
}

/// `govchain block show`: a block header, its transactions and certificate.
struct BlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block", abstract: "Show a block by height, or the latest.",
        subcommands: [Show.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a block (default: the latest).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 block show --height 12
                Example: govchain --node http://127.0.0.1:8600 block show --latest --json
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "The height.") var height: UInt64?
        @Flag(name: .long, help: "The latest committed block (the default).") var latest = false

        func validate() throws {
            guard !(latest && height != nil) else {
                throw ValidationError("give --height or --latest, not both")
            }
        }

        func run() async throws {
            try await connection.perform { client, output in
                let block: BlockInfo
                if let height {
                    block = try await client.block(height: height).orNotFound("block \(height)")
                } else {
                    block = try await client.latestBlock()
                }
                output.emit(block) {
                    """
                    block \(block.height) \(block.hash.hex)
                      round \(block.round), time \(block.timeMs) ms, proposer \(block.proposer.hex.prefix(16))
                      previous \(block.previousHash.hex)
                      state root \(block.stateRoot.hex), receipts root \(block.receiptsRoot.hex)
                      certificate round \(block.certificate.round), signers \(block.certificate.signers)
                      \(block.transactions.count) transaction(s)
                    """ + block.transactions.map { "\n    \($0.hex)" }.joined()
                }
            }
        }
    }
}

/// `govchain tx show`: a transaction's receipt.
struct TxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx", abstract: "Show a transaction and its receipt by id.",
        subcommands: [Show.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show a transaction: pending, or committed with its receipt (code 0 = success).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 tx show --tx-id 9c1e...77
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("tx-id"), help: "The transaction id (64 hex characters).")
        var txID: String

        func validate() throws { _ = try parseHex32(txID, "--tx-id") }

        func run() async throws {
            let id = try parseHex32(txID, "--tx-id")
            try await connection.perform { client, output in
                let info = try await client.transactionInfo(id).orNotFound("transaction \(txID)")
                output.emit(info) {
                    guard info.isCommitted else { return "tx \(info.txID.hex): pending" }
                    var lines = [
                        "tx \(info.txID.hex): committed at height \(info.height ?? 0) index \(info.index ?? 0)",
                        "  code \(info.code ?? 0)\(info.message.map { ": \($0)" } ?? "")",
                    ]
                    for event in info.events {
                        let attributes = event.attributes.map { "\($0.key)=\($0.value)" }.joined(
                            separator: " ")
                        lines.append("  \(event.contract).\(event.type) \(attributes)")
                    }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }
}

/// `govchain status`: the node's view of the chain.
struct StatusCommand: AsyncParsableCommand, ConnectedCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the status of the first node that answers.",
        discussion:
            "Example: govchain --node http://127.0.0.1:8600 --node http://127.0.0.1:8601 status")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.perform { client, output in
            let status = try await client.status()
            output.emit(StatusOutput(status)) {
                "chain \(status.chainID) at height \(status.height) (\(status.lastBlockHash.prefix(16)))\n"
                    + "  node \(status.nodeID.prefix(16)), \(status.peers) peer(s), \(status.mempoolSize) pending"
                    + (status.catchingUp ? ", catching up" : "")
            }
        }
    }
}

struct StatusOutput: Codable {
    let chainID: String
    let nodeID: String
    let height: UInt64
    let lastBlockHash: String
    let catchingUp: Bool
    let peers: Int
    let mempoolSize: Int

    init(_ status: GovChainClient.Status) {
        chainID = status.chainID
        nodeID = status.nodeID
        height = status.height
        lastBlockHash = status.lastBlockHash
        catchingUp = status.catchingUp
        peers = status.peers
        mempoolSize = status.mempoolSize
    }

    enum CodingKeys: String, CodingKey {
        case chainID = "chain_id"
        case nodeID = "node_id"
        case height
        case lastBlockHash = "last_block_hash"
        case catchingUp = "catching_up"
        case peers
        case mempoolSize = "mempool_size"
    }
}
