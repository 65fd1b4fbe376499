public import Hummingbird
internal import Foundation
internal import GovChainAPI
internal import NIOPosix

/// Every API refusal: an HTTP status and a JSON body `{"error": {"code", "message"}}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try WireJSON.encode(ErrorView(code: code, message: message))
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", "\(what) not found") }
    /// A height this node does not hold because it was restored from a snapshot after it.
    static func beforeSnapshot(_ what: String, base: UInt64) -> APIError {
        APIError(
            .notFound, "before_snapshot",
            "\(what) is before this node's first block \(base): the node was restored from a snapshot "
                + "of the state after block \(base) and holds nothing older; ask a node that holds every block")
    }

    /// Throws `beforeSnapshot` when `height` precedes the store's snapshot base.
    static func checkHeld(_ what: String, height: UInt64, store: BlockStore) throws {
        if let base = try store.snapshotBase(), height < base { throw beforeSnapshot(what, base: base) }
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
}

/// Turns every error a route or the router throws into the JSON error shape, so no client
/// ever sees an HTML page or an empty 500 for bad input.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError where error.status == .notFound {
            // A documented path asked with a method it does not take: 405 and what it takes.
            if let methods = OpenAPIDocument.methods(forPath: request.uri.path), !methods.isEmpty,
               !methods.contains(request.method.rawValue) {
                var refusal = APIError(
                    .methodNotAllowed, "method_not_allowed",
                    "\(request.uri.path) takes \(methods.joined(separator: ", ")), not \(request.method.rawValue)")
                refusal.headers[.allow] = methods.joined(separator: ", ")
                throw refusal
            }
            throw APIError.notFound(request.uri.path)
        } catch let error as HTTPError {
            throw APIError(error.status, error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"),
                           error.body ?? error.status.reasonPhrase)
        } catch let error as DecodingError {
            throw APIError.badRequest("malformed JSON: \(error)")
        } catch {
            // Every client mistake is an APIError or HTTPError by the time it gets here:
            // what is left failed on the node's side, and saying 400 would send a client
            // looking for a fault in its request.
            throw APIError.serverSide(error)
        }
    }
}

extension APIError {
    /// The 5xx answer for a failure of the node itself: 500 `storage_error` when RocksDB
    /// failed or a stored record did not decode, 503 `unavailable` while the node shuts
    /// down (its thread pool is gone, or the request was cancelled), 500 `internal_error`
    /// for anything else.
    static func serverSide(_ error: any Error) -> APIError {
        switch error {
        case let storage as StorageError:
            APIError(.internalServerError, "storage_error", storage.description)
        case is CancellationError, is NIOThreadPoolError.ThreadPoolInactive:
            APIError(.serviceUnavailable, "unavailable", "the node is shutting down")
        default:
            APIError(.internalServerError, "internal_error", "\(error)")
        }
    }
}

/// An answer of one of the API's wire types (GovChainAPI), encoded by the one coder the
/// clients decode with.
struct WireResponse<Value: Encodable & Sendable>: ResponseGenerator {
    let value: Value
    let status: HTTPResponse.Status
    let headers: HTTPFields

    init(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.value = value
        self.status = status
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try WireJSON.encode(value))))
    }
}
