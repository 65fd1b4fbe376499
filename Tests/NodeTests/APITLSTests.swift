import AsyncHTTPClient
import Client
import GovChainAPI
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

    /// The library's own HTTP client for a network with its own CA.
    static func client(trusting caFile: String) throws -> HTTPClient {
        try GovChainClient.makeHTTPClient(caFile: caFile)
    }

    @Test("a CA file that is missing or holds no certificate is a clear error")
    func badCAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("govchain-ca-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "not a certificate\n".write(toFile: directory + "/junk.pem", atomically: true, encoding: .utf8)
        for path in [directory + "/missing.pem", directory + "/junk.pem"] {
            #expect {
                _ = try GovChainClient.makeHTTPClient(caFile: path)
            } throws: { error in
                guard case let .invalidInput(message) = error as? ClientError else { return false }
                return message.contains(path)
            }
        }
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
            // Through GovChainClient: the stranger's refusal names the certificate.
            let base = "https://127.0.0.1:\(port)"
            #expect(try await GovChainClient(endpoints: [base], chainID: "", signer: nil, http: trusting).status().height >= 1)
            await #expect {
                _ = try await GovChainClient(endpoints: [base], chainID: "", signer: nil, http: stranger).status()
            } throws: { error in
                guard case let .unreachable(reasons) = error as? ClientError else { return false }
                return reasons.joined().lowercased().contains("certificate")
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
