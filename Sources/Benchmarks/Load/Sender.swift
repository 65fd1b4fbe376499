internal import AsyncHTTPClient
internal import Foundation
internal import GovChainAPI
internal import NIOCore
internal import NIOHTTP1

/// What one request came to.
public enum Outcome: Sendable, Equatable {
    /// Committed with code 0 (a transaction), or answered 200 (a query).
    case committed
    /// Committed, but the contract refused it (its status code).
    case failed(code: UInt32)
    /// Refused at admission: the API's error code (`busy`, `not_permitted`, ...).
    case refused(String)
    /// Admitted but not committed before the wait timeout (202 pending).
    case timedOut
    /// No answer: connection or client-side timeout.
    case error(String)
}

/// Sends operations with AsyncHTTPClient over a connection pool big enough that no request
/// ever queues inside the client (that queueing would hide in the latency).
public final class Sender: Sendable {
    public let nodes: [String]
    let http: HTTPClient
    let waitTimeoutMs: Int

    /// - Parameters:
    ///   - connectionsPerNode: the pool size per node; give at least the in-flight bound.
    ///   - waitTimeoutMs: how long a node holds a `wait=true` request before answering 202.
    public init(nodes: [String], connectionsPerNode: Int, waitTimeoutMs: Int = 10_000) {
        self.nodes = nodes.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(120),
            concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerNode)
        configuration.httpVersion = .http1Only
        configuration.timeout = .init(connect: .seconds(5))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.waitTimeoutMs = waitTimeoutMs
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends `operation` to node `nodeIndex % nodes.count` and classifies the answer.
    public func send(_ operation: Operation, nodeIndex: Int) async -> Outcome {
        await attempt(operation, nodeIndex: nodeIndex).outcome
    }

    /// One request: its outcome and, on a 429, the node's `Retry-After` in seconds
    /// (clamped to 1...30: a node's header is outside input too).
    func attempt(_ operation: Operation, nodeIndex: Int) async -> (outcome: Outcome, retryAfter: Int?) {
        let base = nodes[nodeIndex % nodes.count]
        var request: HTTPClientRequest
        switch operation {
        case .transaction(_, let body):
            request = HTTPClientRequest(
                url: base + "/v1/transactions?wait=true&timeout_ms=\(waitTimeoutMs)")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.body = .bytes(ByteBuffer(bytes: body))
        case .query(_, let path):
            request = HTTPClientRequest(url: base + path)
        }
        do {
            let response = try await http.execute(
                request, timeout: .milliseconds(Int64(waitTimeoutMs) + 5_000))
            let body = try await response.body.collect(upTo: 4 << 20)
            let outcome = Self.classify(
                status: Int(response.status.code), body: body, isQuery: operation.kind == .verify)
            guard response.status.code == 429 else { return (outcome, nil) }
            let seconds = response.headers.first(name: "Retry-After").flatMap { Int($0) } ?? 1
            return (outcome, min(max(seconds, 1), 30))
        } catch {
            return (.error(String(describing: error).prefix(80).description), nil)
        }
    }

    /// What one operation came to after its retries, and how many `429 busy` answers it met.
    public struct Delivery: Sendable {
        public let outcome: Outcome
        public let busyRefusals: Int
    }

    /// Sends `operation` as `send` does; a `429 busy` answer is retried after its
    /// `Retry-After` (plus up to a fifth more, so refused senders do not return in step),
    /// while the retry still fits in the wait timeout counted from the first send. A client
    /// that honours the node's shedding gets through once the node has room.
    public func sendRetryingBusy(_ operation: Operation, nodeIndex: Int) async -> Delivery {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(waitTimeoutMs))
        var refusals = 0
        while true {
            let (outcome, retryAfter) = await attempt(operation, nodeIndex: nodeIndex)
            guard outcome == .refused("busy"), let retryAfter else {
                return Delivery(outcome: outcome, busyRefusals: refusals)
            }
            refusals += 1
            let pause = Duration.milliseconds(retryAfter * 1_000 + Int.random(in: 0...(retryAfter * 200)))
            guard clock.now.advanced(by: pause) < deadline else {
                return Delivery(outcome: outcome, busyRefusals: refusals)
            }
            try? await Task.sleep(for: pause)
        }
    }

    static func classify(status: Int, body: ByteBuffer, isQuery: Bool) -> Outcome {
        switch status {
        case 200 where isQuery:
            return .committed
        case 200:
            let view = try? WireJSON.decode(TransactionView.self, from: Data(body.readableBytesView))
            let code = view?.code ?? UInt32.max
            return code == 0 ? .committed : .failed(code: code)
        case 202:
            return .timedOut
        default:
            let error = try? WireJSON.decode(ErrorView.self, from: Data(body.readableBytesView))
            return .refused(error?.error.code ?? "http_\(status)")
        }
    }
}

enum HTTPClientRequestFactory {
    static func get(_ url: String) -> HTTPClientRequest { HTTPClientRequest(url: url) }
}
