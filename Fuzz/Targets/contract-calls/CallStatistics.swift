#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import Ledger

/// What the programs reach, for judging the fuzzer rather than the contracts: with
/// GOVCHAIN_FUZZ_STATS set, counts receipts per method and outcome and prints the table
/// at exit. Run it over a corpus with `-runs=0`; docs/fuzzing.md shows a table.
enum CallStatistics {
    /// The harness is single-threaded (libFuzzer calls one input at a time), so a plain
    /// global is safe here.
    nonisolated(unsafe) static var counts: [String: Int] = [:]
    static let enabled: Bool = {
        guard getenv("GOVCHAIN_FUZZ_STATS") != nil else { return false }
        atexit { CallStatistics.report() }
        return true
    }()

    static func record(_ transactions: [Transaction], _ receipts: [Receipt]) {
        guard enabled else { return }
        for (tx, receipt) in zip(transactions, receipts) {
            let outcome = receipt.code == Receipt.successCode ? "ok" : "refused \(receipt.code)"
            counts["\(tx.contract).\(tx.method) \(outcome)", default: 0] += 1
        }
    }

    static func report() {
        for (key, count) in counts.sorted(by: { $0.key < $1.key }) {
            printError("stats: \(key): \(count)")
        }
    }
}
