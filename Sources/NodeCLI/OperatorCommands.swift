import ArgumentParser

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Initialise a data directory.")
    func run() throws { throw ValidationError("not built yet") }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a node's status.")
    func run() throws { throw ValidationError("not built yet") }
}

struct BenchCryptoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-crypto", abstract: "Measure crypto speed.")
    func run() throws { throw ValidationError("not built yet") }
}
