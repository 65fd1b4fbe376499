public import Contracts
public import Ledger

/// The contracts' view of committed state: the `state` column family.
public struct RocksStateStore: StateStore, Sendable {
    public let database: RocksDatabase

    public init(database: RocksDatabase) { self.database = database }

    public func value(for key: StateKey) -> [UInt8]? {
        // A failed read of committed state is not something execution can route around:
        // continuing would make this node's results differ from everyone else's.
        do { return try database.get(.state, key.bytes) } catch {
            preconditionFailure("state read failed: \(error)")
        }
    }

    public func entries(withPrefix prefix: StateKey) -> [StateEntry] {
        database.scan(.state, prefix: prefix.bytes).map { StateEntry(key: StateKey(bytes: $0.key), value: $0.value) }
    }
}
