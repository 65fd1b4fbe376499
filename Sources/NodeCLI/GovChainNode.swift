import ArgumentParser

/// `govchain-node`: the operator's tool for one GovChain peer.
@main
struct GovChainNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "govchain-node",
        abstract: "Run and operate a GovChain peer node (for node operators).",
        discussion: """
            GovChain is a permissioned BFT blockchain for government services: e-licences, \
            authorisations, licence use records, medical e-bills and reimbursement \
            deduplication. This tool initialises a node's data directory and keys, \
            inspects it, measures this machine, and runs the consensus simulator.
            """,
        subcommands: [
            InitCommand.self, GenesisCommand.self, StatusCommand.self, BenchCryptoCommand.self,
            SimulateCommand.self, StartCommand.self, ExportCommand.self, ImportCommand.self,
            VerifyDatabaseCommand.self, SnapshotCommand.self,
            StorageTortureCommand.self,
        ]
    )
}
