internal import AsyncHTTPClient
internal import Foundation
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

    func request(_ method: HTTPMethod, _ url: String, body: [UInt8]?, timeoutMs: Int64) async throws -> (Int, [String: Any]) {
        let (status, json) = try await requestAny(method, url, body: body, timeoutMs: timeoutMs)
        return (status, json as? [String: Any] ?? [:])
    }

    func requestAny(_ method: HTTPMethod, _ url: String, body: [UInt8]?, timeoutMs: Int64) async throws -> (Int, Any) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .milliseconds(timeoutMs))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let json = bytes.readableBytes == 0 ? [:] : (try? JSONSerialization.jsonObject(with: Data(buffer: bytes), options: [.fragmentsAllowed])) ?? [:]
        return (Int(response.status.code), json)
    }

    func encodeJSON(_ object: [String: String]) throws(ClientError) -> Data {
        do { return try JSONSerialization.data(withJSONObject: object) } catch {
            throw .invalidInput("cannot encode request: \(error)")
        }
    }

    static func rejection(status: Int, json: [String: Any]) -> ClientError {
        let error = json["error"] as? [String: Any]
        let code = error?["code"] as? String ?? "http_\(status)"
        let message = error?["message"] as? String ?? "HTTP \(status)"
        if status == 400 && code == "malformed" { return .invalidInput(message) }
        return .rejected(status: status, code: code, message: message)
    }

    static func parseReceipt(_ json: [String: Any], txID: Hash256) throws(ClientError) -> CommittedReceipt {
        guard let height = (json["height"] as? NSNumber)?.uint64Value, let index = (json["index"] as? NSNumber)?.uint32Value,
              let code = (json["code"] as? NSNumber)?.uint32Value, let hex = json["receipt_hex"] as? String,
              let bytes = Hex.decode(hex), let receipt = try? Receipt(canonicalBytes: bytes)
        else { throw .verificationFailed("malformed receipt document") }
        guard receipt.txID == txID, receipt.code == code else { throw .verificationFailed("receipt is for another transaction") }
        return CommittedReceipt(
            txID: txID, height: height, index: index, code: receipt.code, message: receipt.message, events: receipt.events)
    }

    static func receipt(from json: [String: Any], txID: Hash256) throws(ClientError) -> CommittedReceipt {
        try check(parseReceipt(json, txID: txID))
    }

    /// A committed receipt with a non-zero code is the contract's refusal.
    static func check(_ receipt: CommittedReceipt) throws(ClientError) -> CommittedReceipt {
        guard receipt.code == Receipt.successCode else {
            throw .refused(code: receipt.code, message: receipt.message, txID: receipt.txID.hex)
        }
        return receipt
    }
}
