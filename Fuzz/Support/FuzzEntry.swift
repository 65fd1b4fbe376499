// FuzzSupport: what every libFuzzer target of GovChain shares (docs/fuzzing.md). Built by
// deploy/fuzz.sh with swiftc, never by SwiftPM, so a normal `swift build` never needs
// -sanitize=fuzzer.
#if canImport(Glibc)
internal import Glibc
#endif
import Ledger

/// The glue between libFuzzer's C entry points and a target's Swift functions.
public enum FuzzEntry {
    /// Runs one input. libFuzzer hands a pointer that may be nil when `size` is 0.
    public static func run(
        _ data: UnsafePointer<UInt8>?, _ size: Int, _ body: ([UInt8]) -> Void
    ) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        body(bytes)
        return 0
    }

    /// Seed mode: with GOVCHAIN_FUZZ_SEED_DIR set, writes the target's valid encodings there
    /// and exits before fuzzing starts, so a corpus always begins from inputs that decode.
    /// The seeds are made by the code under test, never committed, so they cannot go stale.
    /// GOVCHAIN_FUZZ_REGRESSION_DIR likewise receives the inputs that once found a defect;
    /// deploy/fuzz.sh runs those once on their own, so a defect that is still open is
    /// reported without stopping the fuzzing of everything else.
    public static func initialize(
        seeds: () -> [[UInt8]], regressions: () -> [[UInt8]] = { [] }
    ) -> CInt {
        var wrote = false
        if let raw = getenv("GOVCHAIN_FUZZ_SEED_DIR") {
            writeAll(seeds(), into: String(cString: raw), prefix: "seed-")
            wrote = true
        }
        if let raw = getenv("GOVCHAIN_FUZZ_REGRESSION_DIR") {
            writeAll(regressions(), into: String(cString: raw), prefix: "regression-")
            wrote = true
        }
        if wrote { exit(0) }
        return 0
    }

    private static func writeAll(_ inputs: [[UInt8]], into directory: String, prefix: String) {
        for input in inputs {
            let name = prefix + SHA256.hash(input).hex.prefix(16)
            guard write(input, to: directory + "/" + name) else {
                printError("fuzz: cannot write \(name) into \(directory)")
                exit(1)
            }
        }
    }

    private static func write(_ bytes: [UInt8], to path: String) -> Bool {
        guard let file = fopen(path, "wb") else { return false }
        defer { fclose(file) }
        return bytes.withUnsafeBufferPointer { buffer in
            buffer.isEmpty || fwrite(buffer.baseAddress, 1, buffer.count, file) == buffer.count
        }
    }
}

/// Stops the run on a broken property. The message names the property; libFuzzer then
/// saves the input as crash-<sha1> and prints it, which is how a failure is reported.
public func fuzzFailure(_ message: String, _ bytes: [UInt8] = []) -> Never {
    let shown = bytes.count <= 512 ? Hex.encode(bytes) : Hex.encode(bytes.prefix(512)) + "..."
    printError("fuzz property violated: \(message)")
    if !bytes.isEmpty { printError("  bytes: \(shown)") }
    fatalError(message)
}

/// One line on standard error, written with write(2): Glibc's `stderr` is a mutable global
/// that Swift 6 refuses to touch from nonisolated code.
public func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
}
