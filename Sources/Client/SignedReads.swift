internal import Foundation
public import Ledger

/// Signed read requests (docs/api.md "Signed requests"): a node with `api.reads = "signed"`
/// answers a scoped route only to a registered key that signed the request. A client with
/// a signing key signs every GET it sends; a client without one sends them unsigned.
enum ReadSignature {
    static let domain = "govchain/request/v1"

    /// The bytes signed: the lines of `RequestSignature.message` (Node). They must stay
    /// those: domain, chain id, method, path as sent (percent-encoded), query as sent
    /// without `?`, hex of the chain hash of the body, time in ms, nonce.
    static func message(
        chainID: String, method: String, path: String, query: String, body: [UInt8], timeMs: UInt64,
        nonce: String
    ) -> [UInt8] {
        let parts = [
            domain, chainID, method, path, query, ChainHash.hash(body).hex, String(timeMs), nonce,
        ]
        return Array(parts.joined(separator: "\n").utf8)
    }

    /// The `Authorization` header for a GET of `url` (nil if the URL does not parse).
    static func header(signer: SigningKey, chainID: String, url: String) -> String? {
        guard let components = URLComponents(string: url) else { return nil }
        let timeMs = UInt64(max(0, Date().timeIntervalSince1970 * 1_000))
        var generator = SystemRandomNumberGenerator()
        let nonce = Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let signed = message(
            chainID: chainID, method: "GET", path: components.percentEncodedPath,
            query: components.percentEncodedQuery ?? "", body: [], timeMs: timeMs, nonce: nonce)
        let signature = signer.sign(signed)
        return "GovChain key=\(signer.publicKey.hex), time=\(timeMs), nonce=\(nonce), "
            + "signature=\(signature.hex)"
    }
}
