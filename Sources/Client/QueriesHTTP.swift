public import AsyncHTTPClient
internal import NIOCore

extension GovChainClient {
    /// Runs `body` with an HTTP client for short-lived tools (the `govchain` CLI): a node
    /// that is down fails at once (no connection retries, a short connect timeout) instead
    /// of being retried until the request deadline, so "unreachable" is reported quickly.
    /// The client is shut down when `body` returns or throws.
    /// - Parameters:
    ///   - connectTimeout: how long to wait for one TCP connection.
    ///   - body: gets the HTTP client to pass as `GovChainClient(..., http:)`.
    public static func withToolHTTPClient<Result>(
        connectTimeout: Duration = .seconds(3), _ body: (HTTPClient) async throws -> Result
    ) async throws -> Result {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .milliseconds(connectTimeout.milliseconds)
        configuration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
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
