internal import Foundation
internal import GovChainAPI
public import Ledger

/// Signed read requests (docs/api.md "Signed requests"): a node with `api.reads = "signed"`
/// answers a scoped route only to a registered key that signed the request. A client with
/// a signing key signs every GET it sends; a client without one sends them unsigned.
enum ReadSignature {
    /// The `Authorization` header for a GET of `url` (nil if the URL does not parse).
    static func header(signer: SigningKey, chainID: String, url: String) -> String? {
        guard let components = URLComponents(string: url) else { return nil }
        let timeMs = UInt64(max(0, Date().timeIntervalSince1970 * 1_000))
        var generator = SystemRandomNumberGenerator()
        let nonce = Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return RequestSignature.header(
            key: signer, chainID: chainID, method: "GET", path: components.percentEncodedPath,
            query: components.percentEncodedQuery ?? "", timeMs: timeMs, nonce: nonce)
    }
}
