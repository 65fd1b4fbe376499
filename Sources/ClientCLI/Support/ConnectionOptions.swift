import ArgumentParser
import AsyncHTTPClient
import Client
import GovChainAPI
import Contracts
import Foundation
import KeyFiles
import Ledger

/// The options every command shares. They may come before the area (`govchain --node URL
/// licence show ...`) or after the action.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long, help: "Node API base URL, e.g. http://127.0.0.1:8600; repeat to fail over.")
    var node: [String] = []

    @Option(
        name: .long,
        help: "Signing key file (from `govchain keygen`); needed for calls, not for queries.")
    var key: String?

    @Option(
        name: .customLong("chain-id"),
        help: "Chain id to sign for (default: the node's /v1/status).")
    var chainID: String?

    @Flag(name: .long, help: "Print one JSON object on stdout (for scripts) instead of text.")
    var json = false

    @Option(name: .customLong("timeout-seconds"), help: "How long to wait for a call to commit.")
    var timeoutSeconds: Int = 20

    @Option(
        name: .customLong("ca-file"),
        help: """
            PEM file of the CA that signs the nodes' API certificates: https:// nodes are \
            checked against it alone (default: `ca_file` in the config file, else the \
            system's trust store).
            """)
    var caFile: String?

    func validate() throws {
        for url in node where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ValidationError("--node \(url): give a base URL such as http://127.0.0.1:8600")
        }
        guard (1...600).contains(timeoutSeconds) else {
            throw ValidationError("--timeout-seconds must be 1...600")
        }
    }

    var output: Output { Output(json: json) }

    /// The signing key from `--key`; required when `signing`.
    func signer(signing: Bool) throws -> SigningKey? {
        guard !node.isEmpty else { throw ValidationError("give at least one --node URL") }
        guard let key else {
            if signing { throw ValidationError("this call is signed: give --key FILE") }
            return nil
        }
        do { return try KeyFile.read(from: key) } catch {
            throw ValidationError("--key \(key): \(error)")
        }
    }

    /// The CA file from `--ca-file`, else `ca_file` in the config file, else nil (the
    /// system's trust store).
    func caFilePath() throws -> String? {
        if let caFile { return caFile }
        return try ClientConfiguration.load()?.caFile
    }

    /// Runs `body` with an HTTP client that checks https:// nodes against the CA file, shut
    /// down when `body` ends.
    func withHTTP<Result>(_ body: (HTTPClient) async throws -> Result) async throws -> Result {
        try await GovChainClient.withToolHTTPClient(caFile: try caFilePath(), body)
    }

    /// Makes the chain's suite this process's, from the first node that answers /v1/status.
    /// Quiet when no node answers: the command itself then reports that with its exit code.
    func establishSuite() async {
        guard !node.isEmpty else { return }
        try? await withHTTP { http in
            try await GovChainClient(endpoints: node, chainID: "", signer: nil, http: http)
                .status().activateSuite()
        }
    }

    /// Runs `body` with a client, turning every failure into its documented exit code.
    /// - Parameter root: a trusted genesis: the chain id is the genesis's (a node serving
    ///   another chain is refused) and the suite was activated from it, not from a node.
    func perform(
        signing: Bool = false, trusting root: TrustRoot? = nil,
        _ body: (GovChainClient, Output) async throws -> Void
    ) async throws {
        let output = self.output
        do {
            // Reading a key file takes no chain hash, so it may come before the suite is known.
            let signer = try signer(signing: signing)
            try await withHTTP { http in
                // The chain id comes from --chain-id or the first node that answers
                // /v1/status, which also names the crypto suite this process then hashes
                // and signs with (a --genesis given to a command has fixed it already).
                let status = try await GovChainClient(
                    endpoints: node, chainID: "", signer: nil, http: http
                ).status()
                let chain: String
                if let root {
                    guard status.chainID == root.chainID else {
                        throw ClientError.verificationFailed(
                            "the node serves chain \(status.chainID), the trusted genesis is "
                                + "for \(root.chainID)")
                    }
                    chain = root.chainID
                } else {
                    try status.activateSuite()
                    chain = chainID ?? status.chainID
                }
                if let signer, signer.algorithm != CryptoSuite.active.signatureAlgorithm {
                    throw ValidationError(
                        "--key \(key ?? ""): an \(signer.algorithm) key cannot sign for a "
                            + "\(CryptoSuite.active) chain")
                }
                let client = try GovChainClient(
                    endpoints: node, chainID: chain, signer: signer, http: http)
                try await body(client, output)
            }
        } catch let error as ClientError {
            throw output.fail(error)
        } catch let error as NotFound {
            throw output.fail(error)
        }
    }

    /// Builds, signs and submits `call`, waits for its commit and prints the receipt.
    /// - Parameter summary: what the call did, for the human-readable line.
    func submit(_ call: ContractCall, summary: String) async throws {
        try await perform(signing: true) { client, output in
            let receipt = try await client.submit(call, deadline: .seconds(timeoutSeconds))
            output.receipt(receipt, summary: summary)
        }
    }

    /// Submits a call built from the client (for calls that sign with the chain id).
    func submit(summary: String, _ build: (GovChainClient) throws -> ContractCall) async throws {
        try await perform(signing: true) { client, output in
            let call = try build(client)
            let receipt = try await client.submit(call, deadline: .seconds(timeoutSeconds))
            output.receipt(receipt, summary: summary)
        }
    }
}

/// A query found nothing (exit code 6).
struct NotFound: Error, CustomStringConvertible {
    let what: String
    var description: String { "not found: \(what)" }
}

extension Optional {
    /// The value, or `NotFound` naming what was asked for.
    func orNotFound(_ what: String) throws -> Wrapped {
        guard let self else { throw NotFound(what: what) }
        return self
    }
}
