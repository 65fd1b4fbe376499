import ArgumentParser
import Client
import GovChainAPI
import Foundation
import Ledger

extension AuditCommand {
    /// `govchain audit verify-chain`: the auditor's walk from genesis, trusting no node.
    struct VerifyChain: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-chain",
            abstract: "Walk the chain from genesis through every certificate and hash link; optionally re-execute it.",
            discussion: """
                Trusts only the genesis file: every block's certificate must carry a quorum of valid \
                validator signatures, every block must link to the one before, every transaction must \
                carry a valid signature. With --reexecute every block is replayed through the \
                contracts and the receipts and state roots are compared with the next certified \
                header. Progress goes to standard error.
                Example: govchain --node http://127.0.0.1:8600 audit verify-chain --genesis .localnet/genesis.json --reexecute
                """)

        @OptionGroup var connection: ConnectionOptions

        /// `--genesis FILE`, or `genesis` in the config file: required here.
        @OptionGroup var trust: TrustOptions

        @Flag(name: .long, help: "Re-execute every block and compare receipts and state roots.")
        var reexecute = false

        @Option(name: .long, help: "Print progress every N blocks.")
        var progressEvery: UInt64 = 100

        struct Summary: Encodable {
            let verified: Bool
            let blocks: UInt64
            let transactions: Int
            let reexecutedThrough: UInt64?
            let tipHash: String
        }

        func run() async throws {
            guard let root = try trust.trustRoot() else {
                throw ValidationError(
                    "give --genesis FILE (or genesis = \"path\" in the config file): the audit "
                        + "trusts only a genesis handed over out of band")
            }
            try await connection.perform(trusting: root) { client, output in
                let reader = try VerifiedReader(client: client, trust: root)
                let started = Date()
                let audit = try await ChainAuditor(reader: reader).verifyChain(
                    reexecute: reexecute, progressEvery: max(1, progressEvery)
                ) { height, tip in
                    FileHandle.standardError.write(Data("verified \(height)/\(tip)\n".utf8))
                }
                let seconds = Date().timeIntervalSince(started)
                let summary = Summary(
                    verified: true, blocks: audit.blocksVerified, transactions: audit.transactions,
                    reexecutedThrough: audit.reexecutedThrough, tipHash: audit.tipHash.hex)
                output.emit(summary) {
                    var text = "chain verified from genesis: \(audit.blocksVerified) blocks, \(audit.transactions) transactions, "
                    text += "tip \(audit.tipHash.hex) (\(String(format: "%.1f", seconds)) s)"
                    if let through = audit.reexecutedThrough {
                        text += "\nre-executed: receipts and state roots match the certified headers through height \(through)"
                    }
                    return text
                }
            }
        }
    }
}
