import AsyncHTTPClient
import Client
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import Contracts
@testable import Ledger
@testable import Node

#if canImport(Glibc)
import Glibc
#endif

// Setup: a running 4-node cluster; hostile bytes on a peer port and hostile requests on the
// API. Each gets a clear refusal, and afterwards every node is still alive and committing.

extension EndToEnd {
@Suite("Hostile peers and clients (real processes)", .serialized)
struct HostileInputTests {
    /// Opens a TCP connection to 127.0.0.1:port, writes `bytes`, reads until the peer closes
    /// or 2 s pass; returns whether the node closed the connection.
    static func sendRaw(_ bytes: [UInt8], port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return true }  // closed by the node
            if count < 0 { return errno == ECONNRESET }
        }
    }

    static func post(_ url: String, body: [UInt8], contentType: String = "application/json") async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(body)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text)
    }

    @Test("random bytes, an oversized frame header and a foreign handshake on the peer port are dropped")
    func hostilePeers() async throws {
        let cluster = try LocalCluster(slot: 5)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let started = await cluster.eventually(seconds: 20) { (await cluster.height(0) ?? 0) >= 2 }
        #expect(started)
        var rng = SystemRandomNumberGenerator()
        let garbage = (0..<4_096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(Self.sendRaw(garbage, port: cluster.p2pBase), "random bytes were not dropped")
        #expect(Self.sendRaw([0xFF, 0xFF, 0xFF, 0xFF] + garbage, port: cluster.p2pBase + 1), "oversized frame not dropped")
        // A well-formed hello from a key that genesis does not list.
        let stranger = SigningKey.deterministic(label: "stranger")
        let hello = PeerHello(
            version: PeerHello.currentVersion, chainID: cluster.chainID, genesisHash: .zero,
            staticKey: stranger.publicKey, ephemeralKey: [UInt8](repeating: 7, count: 32)).canonicalBytes
        let frame = withUnsafeBytes(of: UInt32(hello.count).bigEndian) { Array($0) } + hello
        #expect(Self.sendRaw(frame, port: cluster.p2pBase + 2), "foreign handshake not dropped")
        let before = await cluster.height(0) ?? 0
        let progressed = await cluster.eventually(seconds: 15) {
            var all = true
            for node in 0..<4 {
                let height = await cluster.height(node) ?? 0
                all = all && height > before
            }
            return all
        }
        #expect(progressed, "a node stopped committing after hostile peer input")
    }

    @Test("malformed JSON, bad hex, an invalid signature, a replay and an oversized body get 4xx JSON errors")
    func hostileClients() async throws {
        let cluster = try LocalCluster(slot: 6)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let started = await cluster.eventually(seconds: 20) { (await cluster.height(0) ?? 0) >= 1 }
        #expect(started)
        let url = cluster.url(0) + "/v1/transactions"
        let (malformed, malformedBody) = try await Self.post(url, body: Array("{\"transaction\":".utf8))
        #expect(malformed == 400 && malformedBody.contains("\"error\""))
        let (badHex, _) = try await Self.post(url, body: Array("{\"transaction\":\"zz\"}".utf8))
        #expect(badHex == 400)
        let (garbage, _) = try await Self.post(url, body: [1, 2, 3], contentType: "application/octet-stream")
        #expect(garbage == 400)

        let client = try cluster.client("peoples-hospital")
        var forged = try await client.transaction(for: Workload.billIssue(1, run: "hostile"))
        forged.signature = SigningKey.deterministic(label: "forger").sign(forged.signingBytes)
        let (unsigned, unsignedBody) = try await Self.post(
            url, body: Array("{\"transaction\":\"\(Hex.encode(forged.canonicalBytes))\"}".utf8))
        #expect(unsigned == 401 && unsignedBody.contains("invalid_signature"))

        let genuine = try await client.transaction(for: Workload.billIssue(2, run: "hostile"))
        let receipt = try await client.submit(genuine)
        #expect(receipt.code == 0)
        let (replay, replayBody) = try await Self.post(
            cluster.url(1) + "/v1/transactions", body: Array("{\"transaction\":\"\(Hex.encode(genuine.canonicalBytes))\"}".utf8))
        #expect(replay == 409 && replayBody.contains("already_committed"))

        let (huge, _) = try await Self.post(url, body: [UInt8](repeating: 0x41, count: 2 << 20))
        #expect(huge == 413)
        var notFound = HTTPClientRequest(url: cluster.url(0) + "/v1/no-such-route")
        notFound.method = .GET
        let missing = try await HTTPClient.shared.execute(notFound, timeout: .seconds(5))
        let missingBody = String(buffer: try await missing.body.collect(upTo: 1 << 16))
        #expect(missing.status.code == 404 && missingBody.contains("\"error\""))
        let (badHeight, _) = try await Self.post(cluster.url(0) + "/v1/blocks/abc", body: [])
        #expect((400..<500).contains(badHeight))

        let before = await cluster.height(0) ?? 0
        let progressed = await cluster.eventually(seconds: 15) { (await cluster.height(3) ?? 0) > before }
        #expect(progressed)
        for node in 0..<4 {
            let running = cluster.isRunning(node)
            #expect(running)
        }
    }
}
}
