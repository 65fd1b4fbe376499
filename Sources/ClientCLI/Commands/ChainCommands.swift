import ArgumentParser
import Client
import GovChainAPI
import Foundation
import Ledger

/// `govchain audit ...`: what auditors read (chain re-verification is `audit verify-chain`,
/// built separately).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read what auditors need: recorded equivocation evidence.",
        subcommands: [Evidence.self, VerifyChain.self, Reads.self])

    struct Evidence: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List recorded equivocation evidence (validators that signed twice).",
            discussion: "Example: govchain --node http://127.0.0.1:8600 audit evidence --json")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await connection.perform { client, output in
                let evidence = try await client.evidence()
                output.emitList("evidence", evidence) { record in
                    "validator \(record.validator.prefix(16)) equivocated (\(record.kind)) at "
                        + "height \(record.height) round \(record.round); reported by "
                        + "\(record.reporterOrganisation) at height \(record.recordedAtHeight)"
                }
            }
        }
    }
}

extension AuditCommand {
    /// `govchain audit reads`: one page of a node's read audit.
    struct Reads: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Page through the reads of personal data one node recorded (auditors).",
            discussion: """
                Each node keeps its own log: give one --node. Signed with an auditor's --key.
                Example: govchain --node http://127.0.0.1:8600 --key keys/audit-office.key \
                audit reads --limit 100
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Entries per page (1...500).") var limit: Int = 100
        @Option(name: .long, help: "The next_cursor of the previous page.") var cursor: String?

        func validate() throws {
            guard (1...500).contains(limit) else {
                throw ValidationError("--limit must be 1...500")
            }
            guard connection.node.count == 1 else {
                throw ValidationError("give exactly one --node: each node keeps its own read audit")
            }
        }

        func run() async throws {
            try await connection.perform { client, output in
                let page = try await client.readAudit(cursor: cursor, limit: limit)
                output.emit(page) {
                    (page.items.map { "\($0.timeMs) \($0.organisation) \($0.request)" }
                        + [page.nextCursor.map { "next: --cursor \($0)" } ?? "(last page)"])
                        .joined(separator: "\n")
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

    struct Show: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a block (default: the latest).",
            discussion: """
                With a trusted genesis (--genesis, or the config file) the block's certificate \
                is checked first; without one every line is marked unverified.
                Example: govchain --node http://127.0.0.1:8600 block show --height 12 \
                --genesis genesis.json
                Example: govchain --node http://127.0.0.1:8600 block show --latest --json
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @Option(name: .long, help: "The height.") var height: UInt64?
        @Flag(name: .long, help: "The latest committed block (the default).") var latest = false

        func validate() throws {
            guard !(latest && height != nil) else {
                throw ValidationError("give --height or --latest, not both")
            }
        }

        func run() async throws {
            try await connection.read(trust: trust) { reader, output in
                let block: BlockView
                let provenance: Provenance
                if let verifier = reader.verifier {
                    let verified =
                        if let height { try await verifier.block(height) } else {
                            try await verifier.latestBlock()
                        }
                    block = BlockView(verified)
                    provenance = .verified(height: block.height)
                } else if let height {
                    block = try await reader.client.block(height: height)
                        .orNotFound("block \(height)")
                    provenance = .unverified
                } else {
                    block = try await reader.client.latestBlock()
                    provenance = .unverified
                }
                output.emit(block, provenance) { Self.describe(block) }
            }
        }

        static func describe(_ block: BlockView) -> String {
            """
            block \(block.height) \(block.hash)
              round \(block.round), time \(block.timeMs) ms, proposer \(block.proposer.prefix(16))
              previous \(block.previousHash)
              state root \(block.stateRoot), receipts root \(block.receiptsRoot)
              certificate round \(block.certificate.round), signers \(block.certificate.signers)
              \(block.transactions.count) transaction(s)
            """ + block.transactions.map { "\n    \($0)" }.joined()
        }
    }
}

/// `govchain tx show`: a transaction's receipt.
struct TxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx", abstract: "Show a transaction and its receipt by id.",
        subcommands: [Show.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show a transaction: pending, or committed with its receipt (code 0 = success).",
            discussion: """
                With a trusted genesis (--genesis, or the config file) the transaction's \
                inclusion proof and its receipt's proof are checked against certified headers \
                (a transaction in the newest block waits up to --timeout-seconds for the next \
                block, whose header carries the receipts root); a pending transaction cannot be \
                proven and is shown unverified.
                Example: govchain --node http://127.0.0.1:8600 tx show --tx-id 9c1e...77
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @Option(name: .customLong("tx-id"), help: "The transaction id (64 hex characters).")
        var txID: String

        func validate() throws { _ = try parseHex32(txID, "--tx-id") }

        func run() async throws {
            let id = try parseHex32(txID, "--tx-id")
            try await connection.read(trust: trust) { reader, output in
                let info = try await reader.client.transactionInfo(id)
                    .orNotFound("transaction \(txID)")
                // A pending transaction has no proof; anything else must verify.
                guard let verifier = reader.verifier, info.status != "pending" else {
                    output.emit(info, .unverified) { Self.describe(info) }
                    return
                }
                guard let height = info.height else {
                    throw ClientError.verificationFailed("transaction \(txID): committed without a height")
                }
                try await verifier.awaitHeight(height + 1, seconds: connection.timeoutSeconds)
                let receipt = try await verifier.receipt(id)
                let proven = TransactionView(receipt)
                output.emit(proven, .verified(height: receipt.height + 1)) {
                    Self.describe(proven)
                }
            }
        }

        static func describe(_ info: TransactionView) -> String {
            guard info.status == "committed" else { return "tx \(info.txID): pending" }
            var lines = [
                "tx \(info.txID): committed at height \(info.height ?? 0) index \(info.index ?? 0)",
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
            output.emit(status) {
                "chain \(status.chainID) at height \(status.height) (\(status.lastBlockHash.prefix(16)))\n"
                    + "  node \(status.nodeID.prefix(16)), \(status.peers.count) peer(s), \(status.mempoolSize) pending"
                    + (status.catchingUp ? ", catching up" : "")
            }
        }
    }
}
