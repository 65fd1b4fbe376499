import ArgumentParser
import Dispatch
import Foundation
import Ledger

/// Measures the primitives that bound any chain on this machine.
struct BenchCryptoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-crypto",
        abstract: """
            Measure Ed25519 and SM2 sign/verify per second, SHA-256 and SM3 throughput, and \
            what brute-forcing a bill's check code costs.
            """,
        discussion: """
            The bill_check lines time one guess at a bill's 6-character check code against \
            the old digest (one SHA-256 of domain, bill id and code) and against the Argon2id \
            digest the chain stores now, per core, and the time to try all 36^6 codes of one \
            bill on all this machine's cores. Build with -c release for meaningful figures.
            Example: govchain-node bench-crypto --seconds 2
            """)

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
        results += checkCodeBruteForce(cores: threads)
        if json {
            let fields = results.map { "\"\($0.0)\":\(Int($0.1))" } + ["\"cores\":\(threads)"]
            print("{" + fields.joined(separator: ",") + "}")
        } else {
            print("cores: \(threads)")
            for (name, value) in results { print(name.padding(toLength: 36, withPad: " ", startingAt: 0), Int(value)) }
        }
    }

    /// What a reader of the chain pays to recover one bill's check code by trying all
    /// 36^6 codes: against the old fast digest, and against the Argon2id digest.
    private func checkCodeBruteForce(cores: Int) -> [(String, Double)] {
        let billID = "M360120260000000001"
        // The old (v1) digest, inline: nothing in the chain computes it any more.
        let oldDigestInput = Array("govchain/bill-check/v1\u{0}\(billID)\u{0}A1B2C3".utf8)
        let sha256Measured = rate(threads: 1) { _ = SHA256.hash(oldDigestInput) }
        // One Argon2id per call (0.1 s): batches of one, so short runs stay short.
        let argon2idMeasured = rate(threads: 1, batch: 1) {
            _ = try? BillCheckDigest.make(billID: billID, checkCode: "A1B2C3")
        }
        let codes = pow(36.0, Double(BillCheckDigest.codeLength))
        // Rates are floored so the divisions below stay finite (Int(.infinity) traps).
        let sha256PerCore = max(sha256Measured, 1e-3)
        let argon2idPerCore = max(argon2idMeasured, 1e-3)
        let machine = Double(max(cores, 1))
        return [
            ("bill_check_sha256_per_s_per_core", sha256PerCore),
            ("bill_check_sha256_all_codes_s", codes / (sha256PerCore * machine)),
            ("bill_check_argon2id_per_s_per_core", argon2idPerCore),
            ("bill_check_argon2id_ms_each", 1_000 / argon2idPerCore),
            ("bill_check_argon2id_all_codes_s", codes / (argon2idPerCore * machine)),
        ]
    }

    /// Operations per second of `body` run on `threads` threads for `seconds`, checking the
    /// clock every `batch` operations.
    private func rate(threads: Int, batch: Int = 16, _ body: @escaping @Sendable () -> Void)
        -> Double
    {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
        defer { counts.deallocate() }
        let start = DispatchTime.now().uptimeNanoseconds
        nonisolated(unsafe) let shared = counts
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var count = 0
            while DispatchTime.now().uptimeNanoseconds < deadline {
                for _ in 0..<batch { body() }
                count += batch
            }
            shared[thread] = count
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(counts.reduce(0, +)) / elapsed
    }
}
