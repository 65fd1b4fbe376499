public import Ledger
public import NIOPosix

/// The async face of `BlockStore`: every blocking RocksDB call runs on a NIOThreadPool
/// thread, never on an event loop or the cooperative pool's threads.
public struct AsyncBlockStore: Sendable {
    public let store: BlockStore
    private let pool: NIOThreadPool

    public init(store: BlockStore, pool: NIOThreadPool) {
        self.store = store
        self.pool = pool
    }

    public func run<T: Sendable>(_ body: @escaping @Sendable (BlockStore) throws -> T) async throws -> T {
        let store = store
        return try await pool.runIfActive { try body(store) }
    }

    public func commit(_ committed: CommittedBlock) async throws {
        try await run { try $0.commit(committed) }
    }

    public func block(at height: UInt64) async throws -> Block? {
        try await run { try $0.block(at: height) }
    }

    public func saveSafetyState(_ bytes: [UInt8]) async throws {
        try await run { try $0.saveSafetyState(bytes) }
    }
}
