internal import AsyncHTTPClient
internal import Foundation
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
            let code = receiptCode(body.readableBytesView) ?? UInt32.max
            return code == 0 ? .committed : .failed(code: code)
        case 202:
            return .timedOut
        default:
            let json =
                (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)))
                as? [String: Any]
            let error = json?["error"] as? [String: Any]
            return .refused(error?["code"] as? String ?? "http_\(status)")
        }
    }

    /// The receipt's numeric `"code":N` found by a byte scan: parsing the whole receipt with
    /// JSONSerialization cost the generator more CPU than anything else, on cores it shares
    /// with the nodes. Event attributes are strings, so only the receipt's code is numeric.
    static func receiptCode(_ bytes: ByteBufferView) -> UInt32? {
        let key = Array(#""code":"#.utf8)
        let body = Array(bytes)
        guard body.count > key.count else { return nil }
        var index = 0
        while index + key.count < body.count {
            if body[index] == key[0], Array(body[index..<(index + key.count)]) == key {
                var cursor = index + key.count
                var value: UInt32 = 0
                var digits = 0
                while cursor < body.count, (0x30...0x39).contains(body[cursor]), digits < 10 {
                    value = value &* 10 &+ UInt32(body[cursor] - 0x30)
                    cursor += 1
                    digits += 1
                }
                if digits > 0 { return value }
            }
            index += 1
        }
        return nil
    }
}

enum HTTPClientRequestFactory {
    static func get(_ url: String) -> HTTPClientRequest { HTTPClientRequest(url: url) }
}
