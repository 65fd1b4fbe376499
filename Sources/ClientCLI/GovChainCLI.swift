import ArgumentParser

/// `govchain`: the tool of departments, verifiers and auditors.
@main
struct GovChainCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "govchain",
        abstract: "Use a GovChain network: for issuing departments, verifiers and auditors.",
        discussion: """
            Submit signed contract calls (licences, authorisations, licence use, e-bills, \
            reimbursement claims), query and verify what the chain holds, and audit it.
            """,
        subcommands: [KeygenCommand.self, DemoCommand.self, BenchCommand.self]
    )
}
