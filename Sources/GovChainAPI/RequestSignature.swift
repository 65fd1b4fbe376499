public import Ledger

/// The bytes a caller signs for a request (docs/api.md "Signed requests"), shared by the
/// node that checks them and every Swift client that signs. Every part is taken from the
/// request as sent (path still percent-encoded, query in its order), so the node checks
/// exactly what the client signed:
///
///     govchain/request/v1 \n chain id \n METHOD \n path \n query \n
///     hex(chain hash of the body) \n time in ms \n nonce
public enum RequestSignature {
    public static let domain = "govchain/request/v1"
    public static let scheme = "GovChain"

    public static func message(
        chainID: String, method: String, path: String, query: String, body: [UInt8], timeMs: UInt64, nonce: String
    ) -> [UInt8] {
        let parts = [domain, chainID, method, path, query, ChainHash.hash(body).hex, String(timeMs), nonce]
        return Array(parts.joined(separator: "\n").utf8)
    }

    /// The `Authorization` header value for a request signed by `key`.
    public static func header(
        key: SigningKey, chainID: String, method: String, path: String, query: String, body: [UInt8] = [],
        timeMs: UInt64, nonce: String
    ) -> String {
        let signature = key.sign(
            message(chainID: chainID, method: method, path: path, query: query, body: body, timeMs: timeMs, nonce: nonce))
        return "\(scheme) key=\(key.publicKey.hex), time=\(timeMs), nonce=\(nonce), signature=\(signature.hex)"
    }
}
