import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Testing

@testable import Ledger
@testable import Node

// Setup: the real API (APIServer, its routes and error middleware) on a free loopback port,
// over a real NodeRuntime and RocksDB store holding a few blocks (SyncFixture). Consensus is
// not running: these routes only read the store.

@Suite("API errors: client mistakes are 4xx, node failures 5xx")
struct APIErrorTests {
    struct Answer {
        let status: Int
        let code: String?
    }

    /// Serves the fixture's API while `body` runs.
    static func withAPI(
        _ fixture: SyncFixture, tls: (certificateChain: String, privateKey: String)? = nil,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        try await withAPI(runtime: fixture.runtime, tls: tls, body)
    }

    /// Serves `runtime`'s API while `body` runs.
    static func withAPI(
        runtime: NodeRuntime, tls: (certificateChain: String, privateKey: String)? = nil,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let port = NIOLockedValueBox<Int?>(nil)
        let app = try APIServer.makeApplication(
            runtime: runtime, host: "127.0.0.1", port: 0, maxBodyBytes: 1 << 20, tls: tls,
            logger: Logger(label: "api-test"),
            onListening: { bound in port.withLockedValue { $0 = bound } })
        // Stopped gracefully, as a node stops: cancelling the server instead can drop a child
        // channel it accepted but had not yet served, which NIO treats as a fatal error.
        let services = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "api-test")))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var waited = 0
            while port.withLockedValue({ $0 }) == nil, waited < 500 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            let bound = try #require(port.withLockedValue { $0 })
            do { try await body(bound) } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    static func get(_ port: Int, _ path: String, postBody: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if let postBody {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: postBody))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        struct Envelope: Decodable {
            struct Inner: Decodable { let code: String }
            let error: Inner?
        }
        let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(buffer: body))
        return Answer(status: Int(response.status.code), code: envelope?.error?.code)
    }

    @Test("attack: a transaction index pointing past its block is a 500 storage_error, not a crash")
    func corruptLocationIsStorageError() async throws {
        let fixture = try SyncFixture(blocks: 2)
        // A stored location whose index is beyond block 2's one transaction and receipt.
        let id = Hash256(bytes: [UInt8](repeating: 0xAB, count: 32))
        let batch = WriteBatch(for: fixture.runtime.blockStore.database)
        batch.put(.transactions, id.bytes, StorageKey.receipt(height: 2, index: 7))
        try fixture.runtime.blockStore.database.write(batch)
        try await Self.withAPI(fixture) { port in
            let answer = try await Self.get(port, "/v1/transactions/\(id.hex)")
            #expect(answer.status == 500 && answer.code == "storage_error", "\(answer)")
            // The node still serves.
            #expect(try await Self.get(port, "/v1/blocks/1").status == 200)
        }
        try await fixture.close()
    }

    @Test("a node whose storage thread pool is gone answers 503 unavailable, not 400 bad_request")
    func storageUnavailableIs503() async throws {
        let fixture = try SyncFixture(blocks: 1)
        try await fixture.pool.shutdownGracefully()
        try await Self.withAPI(fixture) { port in
            let answer = try await Self.get(port, "/v1/blocks/1")
            #expect(answer.status == 503 && answer.code == "unavailable", "\(answer)")
        }
        try? FileManager.default.removeItem(atPath: fixture.path)
    }

    @Test("attack: a malformed height or timeout_ms is a 400, never read as the default")
    func malformedNumbersAre400() async throws {
        let fixture = try SyncFixture(blocks: 2)
        try await Self.withAPI(fixture) { port in
            for path in [
                "/v1/state/proof?key=abc&height=abc", "/v1/state/proof?key=abc&height=-1",
                "/v1/state/proof?key=abc&height=18446744073709551616", "/v1/blocks/abc",
                "/v1/blocks/18446744073709551616",
            ] {
                let answer = try await Self.get(port, path)
                #expect(answer.status == 400 && answer.code == "bad_request", "\(path): \(answer)")
            }
            #expect(
                try await Self.get(port, "/v1/state/proof?key=abc&height=18446744073709551615")
                    .status == 404)
            #expect(try await Self.get(port, "/v1/state/proof?key=abc&height=1").status == 200)
            // Checked before admission: the body (one byte, not a transaction) never matters.
            let submit = try await Self.get(
                port, "/v1/transactions?wait=true&timeout_ms=abc",
                postBody: #"{"transaction": "00"}"#)
            #expect(submit.status == 400 && submit.code == "bad_request", "\(submit)")
        }
        try await fixture.close()
    }

    @Test("attack: opening event streams without end is refused once maxSubscribers are open")
    func eventSubscribersAreBounded() async throws {
        let hub = EventHub(maxSubscribers: 3)
        let open = (0..<3).compactMap { _ in hub.subscribe() }
        #expect(open.count == 3)
        #expect(hub.subscribe() == nil)
        // A stream whose reader goes away (the HTTP client disconnected) frees its slot.
        let stream = try #require(open.last)
        let reader = Task { for await _ in stream {} }
        reader.cancel()
        var freed: AsyncStream<EventHubItem>?
        for _ in 0..<200 where freed == nil {
            try await Task.sleep(for: .milliseconds(5))
            freed = hub.subscribe()
        }
        #expect(freed != nil)
        hub.finishAll()
    }

    @Test("the server-side error mapping: storage 500, shutdown 503, anything else 500")
    func serverSideMapping() {
        #expect(APIError.serverSide(StorageError("io")).code == "storage_error")
        #expect(APIError.serverSide(StorageError("io")).status == .internalServerError)
        #expect(
            APIError.serverSide(NIOThreadPoolError.ThreadPoolInactive()).status
                == .serviceUnavailable)
        #expect(APIError.serverSide(CancellationError()).code == "unavailable")
        struct Odd: Error {}
        #expect(APIError.serverSide(Odd()).code == "internal_error")
    }
}
