import Foundation
import Logging
import Node
import ServiceLifecycle
import UnixSignals

/// The HTTP API as a service. A graceful shutdown first ends the node's event streams and
/// commit waits, so Hummingbird's own graceful shutdown (stop accepting, let open requests
/// finish, close) drains in moments instead of waiting on a subscriber that never leaves.
struct APIService<App: Service>: Service {
    let app: App
    let runtime: NodeRuntime

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: {
            runtime.beginShutdown()
        }
    }
}

/// Runs the node runtime (peer listener and connections, consensus driver, block sync) as a
/// service. Its loops end by cancellation; that cancellation is started here, on graceful
/// shutdown, and ends here: a stop is not a failure, so the group (and the process) see a
/// normal return, and nothing else in the group is cancelled.
struct NodeService: Service {
    let runtime: NodeRuntime
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await runtime.run() }
        } catch {
            // An error while the node was being stopped is the stop itself (cancelled
            // sleeps, closed peer channels); any other error is a real failure.
            guard Task.isShuttingDownGracefully else { throw error }
            logger.debug("node runtime ended by the stop", metadata: ["reason": "\(error)"])
        }
        logger.info("consensus and peers stopped")
    }
}

/// Watches for a second SIGTERM or SIGINT while the node is stopping: the operator (or
/// systemd's or Kubernetes' stop timeout, which follow with SIGKILL anyway) wants out now.
/// The process then exits at once with status 1; every committed block is already synced
/// to disk (each commit is one fsynced batch), so the next start recovers as after a crash.
struct SignalEscalation: Service {
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        var seen = 0
        // Ends when the group finishes stopping (this service is shut down last).
        for await signal in signals.cancelOnGracefulShutdown() {
            seen += 1
            guard seen >= 2 else { continue }
            logger.warning("second stop signal: exiting now", metadata: ["signal": "\(signal)"])
            exit(1)
        }
    }
}
