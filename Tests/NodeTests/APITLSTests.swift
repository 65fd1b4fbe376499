import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

@testable import Node

// Setup: a throwaway CA and a node certificate for 127.0.0.1 made with the openssl command
// (what deploy/localnet.sh does for `make run`), a second CA nobody signed with, and the real
// API over a SyncFixture serving HTTPS with the node certificate.

@Suite("API over TLS: a client checks the node against its CA")
struct APITLSTests {
    /// Files of a CA (`ca.pem`), a node certificate it signed (`node.pem`, `node.key`) and an
    /// unrelated CA (`other-ca.pem`).
    static func makeCertificates() throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("govchain-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(directory)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
              -subj /CN=govchain-test-ca -keyout ca.key -out ca.pem 2>/dev/null
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
              -subj /CN=other-ca -keyout other-ca.key -out other-ca.pem 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=node0 \
              -keyout node.key -out node.csr 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext
            openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
              -extfile san.ext -out node.pem 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CertificateSetupFailed() }
        return directory
    }

    struct CertificateSetupFailed: Error {}

    static func client(trusting caFile: String) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    @Test("a client with the node's CA reads /v1/status over HTTPS; one with another CA refuses the node")
    func caDecidesTrust() async throws {
        let directory = try Self.makeCertificates()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fixture = try SyncFixture(blocks: 1)
        try await APIErrorTests.withAPI(
            fixture, tls: (certificateChain: "\(directory)/node.pem", privateKey: "\(directory)/node.key")
        ) { port in
            let trusting = try Self.client(trusting: "\(directory)/ca.pem")
            let stranger = try Self.client(trusting: "\(directory)/other-ca.pem")
            let url = "https://127.0.0.1:\(port)/v1/status"
            let response = try await trusting.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            #expect(response.status == .ok)
            await #expect(throws: (any Error).self) {
                _ = try await stranger.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            }
            // Plain HTTP to the TLS port gets no API answer.
            await #expect(throws: (any Error).self) {
                let plain = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/status"), timeout: .seconds(2))
                if plain.status == .ok { throw CertificateSetupFailed() }
                _ = try await plain.body.collect(upTo: 1 << 20)
            }
            try await trusting.shutdown()
            try await stranger.shutdown()
        }
    }
}
