import ArgumentParser

/// Load generator and ceiling measurement (filled in by the benchmarks work).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure throughput and latency against a cluster, and this machine's ceiling.")

    func run() async throws {
        throw ValidationError("the benchmark is not built yet")
    }
}
