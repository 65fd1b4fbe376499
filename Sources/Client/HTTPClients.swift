public import AsyncHTTPClient
internal import NIOCore
internal import NIOSSL

extension GovChainClient {
    /// An HTTP client for GovChain nodes: a node that is down fails at once (no connection
    /// retries, a short connect timeout) so the next node is tried instead of waiting out the
    /// request deadline on one dead node.
    /// - Parameters:
    ///   - caFile: a PEM file of the CA certificates that sign the nodes' API certificates
    ///     (a provincial network runs its own CA). When given, `https://` nodes are checked
    ///     against these certificates only, not the system's trust store, and a node whose
    ///     certificate another CA signed is refused during the handshake. Nil trusts the
    ///     system's store.
    ///   - connectTimeout: how long to wait for one TCP connection.
    /// - Throws: `.invalidInput` when the CA file cannot be read or holds no certificate.
    /// - Returns: a client the caller must `shutdown()` (or keep for the process).
    public static func makeHTTPClient(caFile: String? = nil, connectTimeout: Duration = .seconds(3))
        throws(ClientError) -> HTTPClient
    {
        var configuration = failFastConfiguration(connectTimeout: connectTimeout)
        if let caFile {
            let certificates: [NIOSSLCertificate]
            do { certificates = try NIOSSLCertificate.fromPEMFile(caFile) } catch {
                throw .invalidInput("CA file \(caFile): \(error)")
            }
            guard !certificates.isEmpty else { throw .invalidInput("CA file \(caFile) holds no certificate") }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(certificates)
            configuration.tlsConfiguration = tls
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs `body` with an HTTP client from `makeHTTPClient(caFile:connectTimeout:)`, for
    /// short-lived tools (the `govchain` CLI). The client is shut down when `body` returns or
    /// throws.
    /// - Parameter body: gets the HTTP client to pass as `GovChainClient(..., http:)`.
    public static func withToolHTTPClient<Result>(
        caFile: String? = nil, connectTimeout: Duration = .seconds(3), _ body: (HTTPClient) async throws -> Result
    ) async throws -> Result {
        let http = try makeHTTPClient(caFile: caFile, connectTimeout: connectTimeout)
        do {
            let result = try await body(http)
            try? await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }
}
