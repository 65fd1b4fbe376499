import AsyncHTTPClient
import Client
import Foundation
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import GovChainAPI
import Node

/// The status of a running node, read from its API.
struct LiveStatus {
    let status: NodeStatus
    let json: String

    /// Asks the node listening at `api` (host:port). An HTTPS API is checked against the CA
    /// certificates in `caFile`, else against the system's trust roots.
    static func fetch(api: String, https: Bool, caFile: String?) async -> LiveStatus? {
        guard https else { return await fetch(url: "http://\(api)/v1/status", client: .shared) }
        // The client library's one way of trusting a CA file (an unreadable file: no answer,
        // so `status` falls back to the data directory, as for a node that does not answer).
        guard let client = try? GovChainClient.makeHTTPClient(caFile: caFile) else { return nil }
        let live = await fetch(url: "https://\(reachable(api))/v1/status", client: client)
        try? await client.shutdown()
        return live
    }

    /// A listener on every interface (0.0.0.0, ::) is asked on loopback, the name its
    /// certificate can carry.
    static func reachable(_ api: String) -> String {
        guard let address = HostPort(api), ["0.0.0.0", "::", "[::]"].contains(address.host) else { return api }
        return "127.0.0.1:\(address.port)"
    }

    private static func fetch(url: String, client: HTTPClient) async -> LiveStatus? {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        guard let response = try? await client.execute(request, timeout: .seconds(2)),
              response.status == .ok,
              let body = try? await response.body.collect(upTo: 1 << 20),
              let status = try? WireJSON.decode(NodeStatus.self, from: Data(buffer: body))
        else { return nil }
        return LiveStatus(status: status, json: String(buffer: body))
    }

    var text: String {
        """
        node:          running
        chain id:      \(status.chainID)
        node id:       \(status.nodeID) (\(status.isValidator ? "validator" : "follower"))
        height:        \(status.height)
        last block:    \(status.lastBlockHash)
        round:         \(status.round)
        peers:         \(status.peers.count)
        catching up:   \(status.catchingUp) (best peer height \(status.bestPeerHeight))
        mempool:       \(status.mempoolSize)
        genesis hash:  \(status.genesisHash)
        """
    }
}
