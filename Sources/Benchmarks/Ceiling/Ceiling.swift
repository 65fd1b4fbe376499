internal import Dispatch
internal import Foundation
public import Ledger

/// This machine's bounds, measured now, and the ceiling TPS they give an n-validator
/// cluster whose validators all share these cores.
public struct CeilingReport: Sendable {
    public var cores: Int
    public var validators: Int
    /// The suite the ceiling is derived for (the chain's, or the one asked for).
    public var suite: CryptoSuite
    public var ed25519VerifyPerSecondOneCore: Double
    public var ed25519VerifyPerSecondAllCores: Double
    public var sm2VerifyPerSecondOneCore: Double
    public var sm2VerifyPerSecondAllCores: Double
    public var sm3MBPerSecondOneCore: Double
    public var sha256MBPerSecondOneCore: Double
    public var sha256MBPerSecondAllCores: Double
    public var sha256ShortPerSecondAllCores: Double
    public var rocksSyncedBatchesPerSecond: Double
    public var rocksBatchEntries: Int
    public var rocksEntryBytes: Int

    /// Every validator verifies every transaction's signature once (admission, cached for
    /// the block): n verifications per committed tx, all on these cores.
    public var ceilingTPS: Double { ceilingTPS(of: suite) }

    public func ceilingTPS(of suite: CryptoSuite) -> Double {
        switch suite {
        case .ed25519SHA256: ed25519VerifyPerSecondAllCores / Double(validators)
        case .sm2SM3: sm2VerifyPerSecondAllCores / Double(validators)
        }
    }

    /// How many 200-byte SHA-256 hashes per tx per validator fit before hashing, not
    /// signatures, would bound the chain at `ceilingTPS` (large: hashing is not the bound).
    public var hashBudgetPerTransaction: Double {
        sha256ShortPerSecondAllCores / (ceilingTPS(of: .ed25519SHA256) * Double(validators))
    }

    /// Transactions per synced batch needed for storage to keep up with `ceilingTPS` when
    /// the n validators' fsyncs share this disk (one synced batch per block per validator).
    public var transactionsPerBlockNeeded: Double {
        ceilingTPS / (rocksSyncedBatchesPerSecond / Double(validators))
    }

    /// One JSON object (keys stable: scripts read them).
    public var json: [String: Any] {
        [
            "cores": cores, "validators": validators, "suite": suite.rawValue,
            "ed25519_verify_per_s_one_core": Int(ed25519VerifyPerSecondOneCore),
            "ed25519_verify_per_s_all_cores": Int(ed25519VerifyPerSecondAllCores),
            "sm2_verify_per_s_one_core": Int(sm2VerifyPerSecondOneCore),
            "sm2_verify_per_s_all_cores": Int(sm2VerifyPerSecondAllCores),
            "sm3_MB_per_s_one_core": Int(sm3MBPerSecondOneCore),
            "ed25519_ceiling_tps": Int(ceilingTPS(of: .ed25519SHA256)),
            "sm2_ceiling_tps": Int(ceilingTPS(of: .sm2SM3)),
            "sha256_MB_per_s_one_core": Int(sha256MBPerSecondOneCore),
            "sha256_MB_per_s_all_cores": Int(sha256MBPerSecondAllCores),
            "sha256_200B_per_s_all_cores": Int(sha256ShortPerSecondAllCores),
            "rocksdb_synced_batches_per_s": Benchmarks.rounded(rocksSyncedBatchesPerSecond),
            "rocksdb_batch": "\(rocksBatchEntries) x \(rocksEntryBytes) B",
            "ceiling_tps": Int(ceilingTPS),
            "hash_budget_per_tx": Int(hashBudgetPerTransaction),
            "txs_per_block_needed_by_storage": Benchmarks.rounded(transactionsPerBlockNeeded),
        ]
    }
}

/// Measures the primitives. Build with `-c release`: a debug build understates everything.
public enum Ceiling {
    /// - Parameters:
    ///   - validators: n, the cluster size the ceiling is derived for.
    ///   - seconds: how long each measurement runs.
    ///   - directory: where the RocksDB measurement writes (its disk is the one measured).
    ///   - suite: the suite the ceiling is derived for; both signature schemes are measured.
    public static func measure(
        validators: Int, seconds: Double, directory: String, suite: CryptoSuite
    ) throws -> CeilingReport {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let message = [UInt8](repeating: 0x5A, count: 200)
        func verifier(_ algorithm: SignatureAlgorithm) -> @Sendable () -> Void {
            let key = SigningKey.deterministic(label: "bench-ceiling", algorithm: algorithm)
            let signature = key.sign(message)
            let publicKey = key.publicKey
            // The algorithm's own rule: this process may serve either suite.
            return { precondition(publicKey.verifies(signature, for: message)) }
        }
        let verify = verifier(.ed25519)
        let verifySM2 = verifier(.sm2)
        let mebibyte = [UInt8](repeating: 0x61, count: 1 << 20)
        let hashMiB: @Sendable () -> Void = { _ = SHA256.hash(mebibyte) }
        let sm3MiB: @Sendable () -> Void = { _ = SM3.hash(mebibyte) }
        let megabytes = Double(1 << 20) / 1e6
        let rocks = try RocksBatchBenchmark.run(
            directory: directory, seconds: seconds, entries: 1_000, entryBytes: 250)
        return CeilingReport(
            cores: cores, validators: validators, suite: suite,
            ed25519VerifyPerSecondOneCore: rate(threads: 1, seconds: seconds, verify),
            ed25519VerifyPerSecondAllCores: rate(threads: cores, seconds: seconds, verify),
            sm2VerifyPerSecondOneCore: rate(threads: 1, seconds: seconds, verifySM2),
            sm2VerifyPerSecondAllCores: rate(threads: cores, seconds: seconds, verifySM2),
            sm3MBPerSecondOneCore: rate(threads: 1, seconds: seconds / 2, sm3MiB) * megabytes,
            sha256MBPerSecondOneCore: rate(threads: 1, seconds: seconds / 2, hashMiB) * megabytes,
            sha256MBPerSecondAllCores: rate(threads: cores, seconds: seconds / 2, hashMiB)
                * megabytes,
            sha256ShortPerSecondAllCores: rate(threads: cores, seconds: seconds / 2) {
                _ = SHA256.hash(message)
            },
            rocksSyncedBatchesPerSecond: rocks, rocksBatchEntries: 1_000, rocksEntryBytes: 250)
    }

    /// Operations per second of `body` run on `threads` threads for `seconds`.
    static func rate(threads: Int, seconds: Double, _ body: @escaping @Sendable () -> Void)
        -> Double
    {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
        defer { counts.deallocate() }
        nonisolated(unsafe) let shared = counts  // each thread writes only its own slot
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var count = 0
            while DispatchTime.now().uptimeNanoseconds < deadline {
                for _ in 0..<4 { body() }
                count += 4
            }
            shared[thread] = count
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(counts.reduce(0, +)) / elapsed
    }
}
