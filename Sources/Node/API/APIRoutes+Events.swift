internal import Foundation
internal import GovChainAPI
public import Hummingbird
internal import Ledger

/// `GET /v1/events[?contract=c][&type=t]`: committed events as server-sent events, one
/// `data:` line of JSON per event, from the moment of subscription. A slow reader loses the
/// oldest events (EventHub's bounded buffer), never the node's memory.
extension APIRoutes {
    func registerEvents(on router: Router<APIRequestContext>) {
        router.get("/v1/events") { request, context -> Response in
            // Events name people's commitments across every contract: auditors read them.
            try authoriseWithoutState(try requireCaller(context), .auditors)
            let query = request.uri.queryParameters
            let contract = query.get("contract")
            let type = query.get("type")
            let identity = context.limitIdentity
            guard streams.acquire(identity) else {
                var busy = APIError(
                    .tooManyRequests, "busy", "\(streams.perCaller) event streams are open for this caller")
                busy.headers[.retryAfter] = "5"
                throw busy
            }
            guard let events = runtime.events.subscribe() else {
                streams.release(identity)
                var busy = APIError(
                    .tooManyRequests, "busy",
                    "\(runtime.events.maxSubscribers) event streams are open: retry later")
                busy.headers[.retryAfter] = "5"
                throw busy
            }
            let streams = streams
            let body = ResponseBody { writer in
                defer { streams.release(identity) }
                // A comment line first, so the client sees the stream is open at once.
                try await writer.write(ByteBuffer(string: ": govchain events\n\n"))
                for await item in events {
                    switch item {
                    case .heartbeat:
                        try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    case let .event(committed):
                        if let contract, committed.event.contract != contract { continue }
                        if let type, committed.event.type != type { continue }
                        try await writer.write(ByteBuffer(bytes: Self.serverSentEvent(committed)))
                    }
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }
    }

    static func serverSentEvent(_ committed: CommittedEvent) -> [UInt8] {
        let view = StreamEventView(
            height: committed.height, txIndex: committed.txIndex, txID: committed.txID,
            event: committed.event)
        // Encoding plain strings and integers cannot fail; an empty object is the fallback
        // that keeps the stream's framing intact if it ever did.
        let json = (try? WireJSON.encode(view)) ?? Data("{}".utf8)
        return Array("event: \(committed.event.type)\ndata: ".utf8) + Array(json) + Array("\n\n".utf8)
    }
}
