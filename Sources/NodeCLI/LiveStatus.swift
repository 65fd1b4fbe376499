import AsyncHTTPClient
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

    static func fetch(api: String) async -> LiveStatus? {
        var request = HTTPClientRequest(url: "http://\(api)/v1/status")
        request.method = .GET
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)),
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
