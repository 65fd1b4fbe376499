internal import AsyncHTTPClient
internal import Foundation
internal import GovChainAPI
public import Ledger
internal import NIOCore
internal import NIOHTTP1

/// A committed contract event, as the event stream delivers it.
public struct CommittedEventInfo: Sendable, Equatable {
    public let height: UInt64
    public let txIndex: UInt32
    public let txID: String
    public let event: Event
}

extension GovChainClient {
    /// Committed events from now on, filtered by contract and event type (for example every
    /// `licence-use`/`used` event, so a holder's app can notify them). Follows the first node
    /// that answers; the sequence ends with an error if that node goes away (subscribe again
    /// to another). Events are not proofs: verify anything that matters with `VerifiedReader`.
    public func events(contract: String? = nil, type: String? = nil) -> AsyncThrowingStream<CommittedEventInfo, any Error> {
        var query: [String] = []
        if let contract { query.append("contract=\(contract)") }
        if let type { query.append("type=\(type)") }
        let path = "/v1/events" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let endpoints = rotation()
        let http = http
        let signer = signer
        let chainID = chainID
        return AsyncThrowingStream(bufferingPolicy: .bufferingNewest(10_000)) { continuation in
            let task = Task {
                do {
                    try await Self.follow(
                        endpoints: endpoints, path: path, http: http, signer: signer, chainID: chainID,
                        into: continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func follow(
        endpoints: [String], path: String, http: HTTPClient, signer: SigningKey?, chainID: String,
        into continuation: AsyncThrowingStream<CommittedEventInfo, any Error>.Continuation
    ) async throws {
        var failures: [String] = []
        for endpoint in endpoints {
            var request = HTTPClientRequest(url: endpoint + path)
            request.method = .GET
            if let signer,
                let authorization = ReadSignature.header(
                    signer: signer, chainID: chainID, url: endpoint + path)
            {
                request.headers.add(name: "Authorization", value: authorization)
            }
            let response: HTTPClientResponse
            do { response = try await http.execute(request, deadline: .distantFuture) } catch {
                failures.append("\(endpoint): \(error)")
                continue
            }
            guard response.status == .ok else {
                failures.append("\(endpoint): HTTP \(response.status.code)")
                continue
            }
            var parser = ServerSentEventParser()
            for try await chunk in response.body {
                for data in parser.feed(Array(buffer: chunk)) {
                    if let event = Self.parseEvent(data) { continuation.yield(event) }
                }
            }
            return
        }
        throw ClientError.unreachable(failures)
    }

    static func parseEvent(_ data: [UInt8]) -> CommittedEventInfo? {
        guard let view = try? WireJSON.decode(StreamEventView.self, from: Data(data)) else { return nil }
        return CommittedEventInfo(
            height: view.height, txIndex: view.txIndex, txID: view.txID,
            event: Event(
                contract: view.contract, type: view.type,
                attributes: view.attributes.map { EventAttribute($0.key, $0.value) }))
    }
}

/// Splits a server-sent-event byte stream into the `data:` payloads of complete events.
/// Bounded: an event larger than 1 MiB is discarded rather than buffered forever.
struct ServerSentEventParser {
    private var pending: [UInt8] = []
    static let maxEventBytes = 1 << 20

    mutating func feed(_ bytes: [UInt8]) -> [[UInt8]] {
        pending += bytes
        var events: [[UInt8]] = []
        while let end = Self.eventEnd(in: pending) {
            let block = Array(pending[..<end])
            pending.removeFirst(end + 2)
            var data: [UInt8] = []
            for line in block.split(separator: UInt8(ascii: "\n")) where line.starts(with: Array("data:".utf8)) {
                data += line.dropFirst(5).drop { $0 == UInt8(ascii: " ") }
            }
            if !data.isEmpty { events.append(data) }
        }
        if pending.count > Self.maxEventBytes { pending.removeAll() }
        return events
    }

    private static func eventEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 0..<(bytes.count - 1) where bytes[index] == 10 && bytes[index + 1] == 10 { return index }
        return nil
    }
}
