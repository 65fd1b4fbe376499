internal import Contracts
internal import Ledger

/// The state a query reads: the live state column family for the latest height, the
/// history column family for an earlier one (`HistoricalStateStore`). Either way a failed
/// read is remembered and `checkReads` throws it after the query.
enum QueryState: StateStore {
    case latest(RocksStateStore)
    case historical(HistoricalStateStore)

    static func reader(_ store: BlockStore, height: UInt64, latest: UInt64) throws -> QueryState {
        if height == latest { return .latest(RocksStateStore(database: store.database)) }
        try APIError.checkHeld("state at height \(height)", height: height, store: store)
        guard let historical = HistoricalStateStore(blocks: store, height: height) else {
            throw APIError.notFound("height \(height) (the latest is \(latest))")
        }
        return .historical(historical)
    }

    func value(for key: StateKey) -> [UInt8]? {
        switch self {
        case let .latest(store): store.value(for: key)
        case let .historical(store): store.value(for: key)
        }
    }

    func entries(withPrefix prefix: StateKey) -> [StateEntry] {
        switch self {
        case let .latest(store): store.entries(withPrefix: prefix)
        case let .historical(store): store.entries(withPrefix: prefix)
        }
    }

    func entries(withPrefix prefix: StateKey, after: StateKey?, limit: Int) -> [StateEntry] {
        switch self {
        case let .latest(store): store.entries(withPrefix: prefix, after: after, limit: limit)
        case let .historical(store): store.entries(withPrefix: prefix, after: after, limit: limit)
        }
    }

    func checkReads() throws(StorageError) {
        switch self {
        case let .latest(store): try store.checkReads()
        case let .historical(store): try store.checkReads()
        }
    }
}
