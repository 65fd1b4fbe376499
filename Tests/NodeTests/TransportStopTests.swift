import Foundation
import Ledger
import NIOCore
import NIOPosix
import Testing

@testable import Node

// Setup: one PeerNetwork on 127.0.0.1 and bursts of raw TCP connections to it (no
// handshake) while its `run()` task is cancelled, as a node's graceful stop does.
extension TransportTests {
    @Test("stop while peers connect: accepted connections NIO still buffers are closed, never trap the process",
          .timeLimit(.minutes(2)))
    func stopWhilePeersConnect() async throws {
        for round in 0..<12 {
            let keys = Self.keys(2, label: "stop-\(round)")
            let ports = try await Self.freePorts(2)
            let node = Self.makeNode(0, keys: keys, ports: ports, validators: Self.validatorSet(keys, ports: ports))
            let running = Task { try await node.network.run() }
            #expect(await Self.eventually { node.network.localPort != nil })
            // A burst of connections, then the stop while they are being accepted.
            let connecting = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<48 {
                        group.addTask {
                            let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                                .connect(host: "127.0.0.1", port: ports[0]).get()
                            try? await Task.sleep(for: .milliseconds(50))
                            try? await channel?.close()
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 1...8)))
            running.cancel()
            _ = try? await running.value
            await connecting.value
        }
        // Reaching here is the test: a dropped accepted channel used to trap with "Deinited
        // NIOAsyncWriter without calling finish()".
        try await Task.sleep(for: .milliseconds(200))
    }
}
