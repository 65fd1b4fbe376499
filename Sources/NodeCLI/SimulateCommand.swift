import ArgumentParser

/// Placeholder until the simulator lands (issue 4); replaced by the real command.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run the deterministic consensus simulator.")

    func run() throws {
        throw ValidationError("the consensus simulator is not built yet")
    }
}
