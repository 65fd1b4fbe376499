internal import AsyncHTTPClient
internal import Foundation
internal import GovChainAPI
public import Ledger
internal import NIOCore
internal import NIOFoundationCompat
internal import NIOHTTP1

extension GovChainClient {
    /// Endpoints starting at a different one per call, so load spreads and a dead node is
    /// skipped by the next attempt.
    func rotation() -> [String] {
        let start = Int.random(in: 0..<endpoints.count)
        return Array(endpoints[start...] + endpoints[..<start])
    }

    /// One request: the HTTP status and the body's bytes (decoded by the caller into the
    /// GovChainAPI type the route answers with).
    func request(_ method: HTTPMethod, _ url: String, body: [UInt8]?, timeoutMs: Int64) async throws -> (Int, Data) {
        let (status, data, _) = try await exchange(method, url, body: body, timeoutMs: timeoutMs)
        return (status, data)
    }

    /// The same, with the answer's `Retry-After` in seconds (clamped to 0...60; nil when
    /// absent or not a number of seconds), which a `429 busy` carries.
    func exchange(
        _ method: HTTPMethod, _ url: String, body: [UInt8]?, timeoutMs: Int64
    ) async throws -> (status: Int, body: Data, retryAfterSeconds: Int?) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        // Reads are signed by the client's key, if it has one; a transaction carries its own.
        if method == .GET, let signer,
            let authorization = ReadSignature.header(signer: signer, chainID: chainID, url: url)
        {
            request.headers.add(name: "Authorization", value: authorization)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .milliseconds(timeoutMs))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let retryAfter = response.headers.first(name: "Retry-After")
            .flatMap { $0.utf8.count <= 6 ? Int($0) : nil }.map { min(max($0, 0), 60) }
        return (Int(response.status.code), Data(buffer: bytes), retryAfter)
    }

    func encodeJSON(_ value: some Encodable) throws(ClientError) -> Data {
        do { return try WireJSON.encode(value) } catch {
            throw .invalidInput("cannot encode request: \(error)")
        }
    }

    /// `body` decoded as the route's type; a body of another shape is `.verificationFailed`.
    static func decode<Value: Decodable>(_: Value.Type, _ body: Data, _ path: String) throws(ClientError) -> Value {
        do { return try WireJSON.decode(Value.self, from: body) } catch {
            throw .verificationFailed("malformed answer to \(path): \(error)")
        }
    }

    /// A refusal: the node's `ErrorView` when the body is one, else the bare HTTP status.
    static func rejection(status: Int, body: Data) -> ClientError {
        let error = try? WireJSON.decode(ErrorView.self, from: body).error
        let code = error?.code ?? "http_\(status)"
        let message = error?.message ?? "HTTP \(status)"
        if status == 400 && code == "malformed" { return .invalidInput(message) }
        return .rejected(status: status, code: code, message: message)
    }

    static func parseReceipt(_ view: TransactionView, txID: Hash256) throws(ClientError) -> CommittedReceipt {
        guard let height = view.height, let index = view.index, let code = view.code,
              let hex = view.receiptHex, let bytes = Hex.decode(hex), let receipt = try? Receipt(canonicalBytes: bytes)
        else { throw .verificationFailed("malformed receipt document") }
        guard receipt.txID == txID, receipt.code == code else { throw .verificationFailed("receipt is for another transaction") }
        return CommittedReceipt(
            txID: txID, height: height, index: index, code: receipt.code, message: receipt.message, events: receipt.events)
    }

    static func receipt(from view: TransactionView, txID: Hash256) throws(ClientError) -> CommittedReceipt {
        try check(parseReceipt(view, txID: txID))
    }

    /// A committed receipt with a non-zero code is the contract's refusal.
    static func check(_ receipt: CommittedReceipt) throws(ClientError) -> CommittedReceipt {
        guard receipt.code == Receipt.successCode else {
            throw .refused(code: receipt.code, message: receipt.message, txID: receipt.txID.hex)
        }
        return receipt
    }
}
