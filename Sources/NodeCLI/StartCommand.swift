import ArgumentParser
import Foundation
import Hummingbird
import KeyFiles
import Ledger
import Logging
import NIOPosix
import Node
import ServiceLifecycle
import UnixSignals

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a node: peers over TCP, consensus, execution, HTTP API. Stops gracefully on SIGTERM.",
        discussion: """
            Reads DATA-DIR/config.toml (see `govchain-node init` and `genesis devnet`).
            Example: govchain-node start --data-dir .localnet/node0
            """)

    @OptionGroup var options: DataDirectoryOptions

    func run() async throws {
        let configuration = try NodeConfiguration.load(from: options.configPath)
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "govchain.node")
        logger[metadataKey: "node"] = "\(URL(fileURLWithPath: options.dataDir).lastPathComponent)"
        let genesis = try GenesisFile.read(from: configuration.genesis)
        if let problem = configuration.frameLimitProblem(
            for: genesis.consensus, validators: genesis.validators.count) {
            throw ValidationError(problem)
        }
        let key = try KeyFile.read(from: configuration.key)
        guard let p2p = HostPort(configuration.p2p.listen), let api = HostPort(configuration.api.listen) else {
            throw ValidationError("p2p.listen and api.listen must be host:port")
        }
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        let network = PeerNetwork(
            identity: key, chainID: genesis.chainID, genesisHash: genesis.hash, validators: genesis.validatorSet,
            listenHost: p2p.host, listenPort: p2p.port, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger, limits: TransportLimits(maxFrameBytes: configuration.p2p.maxFrameBytes))
        let runtime = try NodeRuntime(
            genesis: genesis, signingKey: key, databasePath: configuration.database,
            mempoolLimits: Mempool.Limits(
                maxTransactions: configuration.mempool.maxTransactions, maxBytes: configuration.mempool.maxBytes,
                maxPerSender: configuration.mempool.maxPerSender),
            transport: network, threadPool: threadPool, logger: logger)
        let app = APIServer.makeApplication(
            runtime: runtime, host: api.host, port: api.port, maxBodyBytes: configuration.api.maxBodyBytes, logger: logger)
        let services = ServiceGroup(
            configuration: .init(
                // Shut down in reverse order: the node first (ending event streams), then the
                // HTTP server, which waits for its open requests.
                services: [.init(service: app), .init(service: NodeService(runtime: runtime))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("api listening", metadata: ["address": "\(api)"])
        try await services.run()
        try await threadPool.shutdownGracefully()
        logger.info("node stopped")
    }
}

/// Runs the node runtime as a service: a graceful shutdown cancels it.
struct NodeService: Service {
    let runtime: NodeRuntime

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await runtime.run() }
    }
}
