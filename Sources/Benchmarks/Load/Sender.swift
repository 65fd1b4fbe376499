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
            return Self.classify(
                status: Int(response.status.code), body: body, isQuery: operation.kind == .verify)
        } catch {
            return .error(String(describing: error).prefix(80).description)
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
