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

    @Flag(
        name: .long,
        help: """
            Join from a peer's snapshot when the store is new (absent or genesis only): fetch \
            the latest snapshot's chunks, check each against the certified state root, then \
            follow blocks from the snapshot's height + 1. Ignored when the store has blocks.
            """)
    var stateSync = false

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
        let (keys, networkKey) = try configuration.loadKeys()
        guard let p2p = HostPort(configuration.p2p.listen), let api = HostPort(configuration.api.listen) else {
            throw ValidationError("p2p.listen and api.listen must be host:port")
        }
        if stateSync {
            try await StateSyncStart.run(
                databasePath: configuration.database, genesis: genesis, key: networkKey, p2p: p2p,
                maxFrameBytes: configuration.p2p.maxFrameBytes, logger: logger)
        }
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        let network = PeerNetwork(
            identity: networkKey, chainID: genesis.chainID, genesisHash: genesis.hash, validators: genesis.validatorSet,
            listenHost: p2p.host, listenPort: p2p.port, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger, limits: TransportLimits(maxFrameBytes: configuration.p2p.maxFrameBytes))
        let runtime = try NodeRuntime(
            genesis: genesis, keys: keys, databasePath: configuration.database,
            mempoolLimits: Mempool.Limits(
                maxTransactions: configuration.mempool.maxTransactions, maxBytes: configuration.mempool.maxBytes,
                maxPerSender: configuration.mempool.maxPerSender),
            admissionLimits: configuration.mempool.admission,
            transport: network, threadPool: threadPool, logger: logger)
        let tls = configuration.api.tlsCertificate.flatMap { chain in
            configuration.api.tlsKey.map { (certificateChain: chain, privateKey: $0) }
        }
        let app = try APIServer.makeApplication(
            runtime: runtime, host: api.host, port: api.port, maxBodyBytes: configuration.api.maxBodyBytes,
            tls: tls, access: configuration.api.access, logger: logger)
        // Stopping runs in reverse order of this list: the API first (stop accepting, drain
        // open requests and event streams), then the node (peer listener, connections,
        // consensus), then the signal watcher; the database is closed once all have ended.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: SignalEscalation(logger: logger)),
                .init(service: NodeService(runtime: runtime, logger: logger)),
                .init(service: APIService(app: app, runtime: runtime)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Draining is bounded: after this the group cancels what is left (a client stalled
        // mid-request), so a stop ends well inside systemd's and Kubernetes' stop timeouts.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(20)
        let services = ServiceGroup(configuration: groupConfiguration)
        logger.info("api listening", metadata: ["address": "\(api)", "scheme": "\(tls == nil ? "http" : "https")",
                                            "reads": "\(configuration.api.access.reads.rawValue)"])
        do {
            try await services.run()
        } catch {
            // Whatever ended the group, the database is closed here, once, before exit.
            runtime.close()
            try? await threadPool.shutdownGracefully()
            throw error
        }
        try await threadPool.shutdownGracefully()
        runtime.close()
        logger.info("node stopped")
    }
}
