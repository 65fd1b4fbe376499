import Foundation
import Ledger
import Logging
import NIOPosix
import Node

/// `start --state-sync`: the join before the node proper starts. Over a transport of its
/// own (closed before the node's opens on the same port), fetch and verify a peer's
/// snapshot into a new store; the node then starts on it and follows by block sync.
enum StateSyncStart {
    static func run(
        databasePath: String, genesis: Genesis, key: SigningKey, p2p: HostPort, maxFrameBytes: Int,
        logger: Logger
    ) async throws {
        let files = FileManager.default
        var setAside: String?
        if files.fileExists(atPath: databasePath) {
            let store = try BlockStore(path: databasePath)
            let height = store.lastHeight
            let stored = try store.genesis()
            store.database.close()
            guard height == 0 else {
                logger.info("state sync skipped: the store has blocks", metadata: ["height": "\(height)"])
                return
            }
            if let stored, stored.hash != genesis.hash {
                throw StateSyncError("\(databasePath) holds another chain (\(stored.chainID))")
            }
            let aside = databasePath + ".genesis-only"
            try? files.removeItem(atPath: aside)
            try files.moveItem(atPath: databasePath, toPath: aside)
            setAside = aside
        }
        let started = Date()
        let network = PeerNetwork(
            identity: key, chainID: genesis.chainID, genesisHash: genesis.hash, validators: genesis.validatorSet,
            listenHost: p2p.host, listenPort: p2p.port, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger, limits: TransportLimits(maxFrameBytes: maxFrameBytes))
        let client = StateSyncClient(transport: network, genesis: genesis, databasePath: databasePath, logger: logger)
        do {
            let manifest = try await client.run()
            if let setAside { try? files.removeItem(atPath: setAside) }
            logger.info("state sync: done", metadata: [
                "height": "\(manifest.height)", "chunks": "\(manifest.chunks.count)",
                "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))",
            ])
        } catch {
            if let setAside, !files.fileExists(atPath: databasePath) {
                try? files.moveItem(atPath: setAside, toPath: databasePath)
            }
            throw error
        }
    }
}
