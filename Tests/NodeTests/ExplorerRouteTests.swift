import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

@testable import Ledger
@testable import Node

// Setup: the real API over the SyncFixture's runtime (APIErrorTests.withAPI). The explorer's
// browser behaviour is tested in a real browser by deploy/explorer-test.sh; these check the
// node's side: what the static route serves and refuses, /v1/genesis, and the metrics text.

@Suite("Explorer route, genesis and metrics")
struct ExplorerRouteTests {
    struct Answer {
        let status: Int
        let headers: HTTPHeaders
        let body: ByteBuffer
    }

    static func fetch(_ port: Int, _ path: String) async throws -> Answer {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Answer(
            status: Int(response.status.code), headers: response.headers,
            body: try await response.body.collect(upTo: 1 << 20))
    }

    @Test("the explorer's files are served with their content types and a strict CSP")
    func servesShippedFiles() async throws {
        let fixture = try SyncFixture(blocks: 1)
        try await APIErrorTests.withAPI(fixture) { port in
            let index = try await Self.fetch(port, "/explorer/")
            #expect(index.status == 200)
            #expect(index.headers["Content-Type"].first?.hasPrefix("text/html") == true)
            let policy = index.headers["Content-Security-Policy"].first ?? ""
            #expect(policy.contains("default-src 'self'"))
            #expect(index.headers["X-Content-Type-Options"].first == "nosniff")
            let script = try await Self.fetch(port, "/explorer/js/verify.js")
            #expect(script.status == 200)
            #expect(script.headers["Content-Type"].first?.hasPrefix("text/javascript") == true)
            // The shared client follows the 303 from `/`: it must land on the explorer.
            let root = try await Self.fetch(port, "/")
            #expect(root.status == 200 && root.body == index.body)
        }
        try await fixture.close()
    }

    @Test("attack: traversal, encoded dots, hidden and unknown names are 404, never a file")
    func refusesEverythingElse() async throws {
        let fixture = try SyncFixture(blocks: 1)
        let paths = [
            "/explorer/../Package.swift", "/explorer/%2e%2e/%2e%2e/etc/passwd",
            "/explorer/js/..%2f..%2fopenapi.json", "/explorer/.hidden", "/explorer/js",
            "/explorer/js/", "/explorer/index.html.bak",
            "/explorer/" + String(repeating: "a/", count: 300),
            "/explorer/%00", "/explorer/js/app.js%00.png",
        ]
        try await APIErrorTests.withAPI(fixture) { port in
            for path in paths {
                let answer = try await Self.fetch(port, path)
                #expect([400, 404].contains(answer.status), "\(path) answered \(answer.status)")
            }
        }
        try await fixture.close()
    }

    @Test("only plain names are servable")
    func servableNames() {
        for good in ["index.html", "js/app.js", "explorer.css", "a-b_c/d.js"] {
            #expect(ExplorerFiles.isServable(good), "\(good)")
        }
        for bad in ["", "..", "../x", "js/../app.js", ".env", "js/.x", "a//b", "/etc/passwd",
                    "a.b.c", "x\\y", "é.js", "a b.js", String(repeating: "a", count: 200)] {
            #expect(!ExplorerFiles.isServable(bad), "\(bad)")
        }
        #expect(ExplorerFiles.table["index.html"] != nil && ExplorerFiles.table["js/app.js"] != nil)
    }

    @Test("/v1/genesis carries the canonical bytes whose SHA-256 is the genesis hash")
    func genesisRoute() async throws {
        let fixture = try SyncFixture(blocks: 1)
        try await APIErrorTests.withAPI(fixture) { port in
            let answer = try await Self.fetch(port, "/v1/genesis")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: answer.body)) as? [String: Any])
            let bytes = try #require((object["genesis_hex"] as? String).flatMap(Hex.decode))
            #expect(SHA256.hash(bytes).hex == object["genesis_hash"] as? String)
            #expect(object["genesis_hash"] as? String == fixture.runtime.genesis.hash.hex)
            #expect(object["crypto_suite"] as? String == "ed25519-sha256")
        }
        try await fixture.close()
    }

    @Test("every metric has HELP text ending in its unit")
    func metricsHaveHelpAndUnits() throws {
        let text = NodeMetrics().exposition()
        let lines = text.split(separator: "\n")
        let types = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        let helps = lines.filter { $0.hasPrefix("# HELP ") }
        #expect(types.count >= 16)
        #expect(Set(helps.map { $0.split(separator: " ")[2] }) == Set(types))
        for help in helps { #expect(help.hasSuffix("].") , "\(help)") }
    }
}
