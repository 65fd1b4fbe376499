import ArgumentParser
import Dispatch
import Foundation
import Ledger

/// Measures the primitives that bound any chain on this machine.
struct BenchCryptoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-crypto",
        abstract: "Measure Ed25519 and SM2 sign/verify per second, SHA-256 and SM3 throughput.",
        discussion: "Build with -c release for meaningful figures. Example: govchain-node bench-crypto --seconds 2")

    @Option(name: .long, help: "Seconds to run each measurement.")
    var seconds: Double = 1.0

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        // Converted to nanoseconds as UInt64: a negative, NaN or huge value would trap.
        guard seconds >= 0.01, seconds <= 3_600 else {
            throw ValidationError("--seconds must be 0.01...3600")
        }
    }

    func run() throws {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let message = [UInt8](repeating: 0x5A, count: 200)
        let mebibyte = [UInt8](repeating: 0x61, count: 1 << 20)
        var results: [(String, Double)] = []
        for algorithm in SignatureAlgorithm.allCases {
            let key = SigningKey.deterministic(label: "bench", algorithm: algorithm)
            let signature = key.sign(message)
            // The algorithm's own rule (`verifies`): this process serves no chain.
            let verify: @Sendable () -> Void = {
                precondition(key.publicKey.verifies(signature, for: message))
            }
            results += [
                ("\(algorithm)_sign_per_s", rate(threads: 1) { _ = key.sign(message) }),
                ("\(algorithm)_verify_per_s", rate(threads: 1, verify)),
                ("\(algorithm)_verify_per_s_all_cores", rate(threads: threads, verify)),
            ]
        }
        for algorithm in HashAlgorithm.allCases {
            let name = algorithm == .sha256 ? "sha256" : "sm3"
            results += [
                ("\(name)_200B_per_s", rate(threads: 1) { _ = algorithm.hash(message) }),
                ("\(name)_MB_per_s",
                 rate(threads: 1) { _ = algorithm.hash(mebibyte) } * Double(1 << 20) / 1e6),
            ]
        }
        if json {
            let fields = results.map { "\"\($0.0)\":\(Int($0.1))" } + ["\"cores\":\(threads)"]
            print("{" + fields.joined(separator: ",") + "}")
        } else {
            print("cores: \(threads)")
            for (name, value) in results { print(name.padding(toLength: 32, withPad: " ", startingAt: 0), Int(value)) }
        }
    }

    /// Operations per second of `body` run on `threads` threads for `seconds`.
    private func rate(threads: Int, _ body: @escaping @Sendable () -> Void) -> Double {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
        defer { counts.deallocate() }
        let start = DispatchTime.now().uptimeNanoseconds
        nonisolated(unsafe) let shared = counts
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var count = 0
            while DispatchTime.now().uptimeNanoseconds < deadline {
                for _ in 0..<16 { body() }
                count += 16
            }
            shared[thread] = count
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(counts.reduce(0, +)) / elapsed
    }
}
