internal import AsyncHTTPClient
internal import Foundation
internal import GovChainAPI
internal import NIOCore
internal import NIOHTTP1

/// Why the setup phase could not make the state the mix depends on.
public struct SetupError: Error, CustomStringConvertible {
    public let description: String
}

extension Sender {
    /// GETs one node's answer to `path`, decoded as the GovChainAPI type the route answers with.
    func get<Value: Decodable>(_: Value.Type, _ path: String, nodeIndex: Int) async throws -> Value {
        let request = HTTPClientRequestFactory.get(nodes[nodeIndex % nodes.count] + path)
        let response = try await http.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 4 << 20)
        guard response.status.code == 200 else {
            throw SetupError(description: "GET \(path): HTTP \(response.status.code)")
        }
        return try WireJSON.decode(Value.self, from: Data(body.readableBytesView))
    }

    /// Waits until every node's mempool is empty (a backlog from an overloaded step would
    /// otherwise spill into the next step), up to `timeoutSeconds`.
    public func waitForEmptyMempools(timeoutSeconds: Double) async {
        let end = ContinuousClock.now.advanced(by: .seconds(timeoutSeconds))
        while ContinuousClock.now < end {
            var pending = 0
            for index in nodes.indices {
                let status = try? await get(NodeStatus.self, "/v1/status", nodeIndex: index)
                pending += status?.mempoolSize ?? 0
            }
            if pending == 0 { return }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}

extension Workload {
    /// Makes the setup state (licences, then grants and bills) and returns the workload
    /// whose measured operations draw on it.
    /// - Parameter setupCount: licences (each with a grant to the housing fund) and bills.
    public static func prepare(
        chainID: String, organisations: Organisations, sender: Sender, setupCount: Int
    ) async throws -> Workload {
        let height = try await sender.get(NodeStatus.self, "/v1/status", nodeIndex: 0).height
        let workload = Workload(
            chainID: chainID, organisations: organisations, height: height, setupCount: setupCount)
        for wave in workload.setupWaves() {
            let outcomes = await withTaskGroup(of: Outcome.self) { group in
                for (index, operation) in wave.enumerated() {
                    group.addTask { await sender.send(operation, nodeIndex: index) }
                }
                var outcomes: [Outcome] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            let bad = outcomes.filter { $0 != .committed }
            guard bad.isEmpty else {
                throw SetupError(
                    description:
                        "setup: \(bad.count) of \(outcomes.count) not committed, e.g. \(bad[0])")
            }
        }
        return workload
    }
}
