import Testing
import Foundation

/// A fresh directory per test: Swift Testing runs tests in parallel in one process, and
/// RocksDB allows one open per directory.
func temporaryDirectory(_ label: String) -> String {
    let path = NSTemporaryDirectory() + "govchain-\(label)-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The built executables (`make test` builds them before running the tests).
func builtExecutable(_ name: String) -> String {
    if let directory = ProcessInfo.processInfo.environment["GOVCHAIN_BIN_DIR"] {
        return directory + "/" + name
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/\(name)").path
}

struct TimedOut: Error {}

/// Runs `body`, giving up after `seconds`: no test waits forever on a stream or a socket.
func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// The parent of every suite that starts real node processes: serialized, so at most one
/// cluster runs at a time (four processes already load two cores), while the unit suites
/// still run in parallel beside it.
@Suite("End-to-end (real processes)", .serialized)
enum EndToEnd {}
