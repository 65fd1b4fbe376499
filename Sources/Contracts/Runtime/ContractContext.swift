public import Ledger

/// What a contract sees during one call: the caller, the block's height and time (from
/// the header, never the clock), the state with read-your-writes, and its events.
public struct ContractContext {
    /// The sender's registered key: organisation, roles and licence types.
    public let caller: KeyRecord
    public let txID: Hash256
    public let blockHeight: UInt64
    /// Block time from the header, in integer milliseconds since the Unix epoch.
    public let blockTimeMs: UInt64
    public private(set) var events: [Event] = []
    let overlay: Overlay

    init(
        caller: KeyRecord, txID: Hash256, blockHeight: UInt64, blockTimeMs: UInt64, overlay: Overlay
    ) {
        self.caller = caller
        self.txID = txID
        self.blockHeight = blockHeight
        self.blockTimeMs = blockTimeMs
        self.overlay = overlay
    }

    /// The caller's organisation id.
    public var organisationID: String { caller.organisationID }

    /// Reads and decodes the record at `key`.
    /// - Throws: `storedRecordCorrupt` if the stored bytes do not decode.
    public func get<Record: CanonicalDecodable>(_: Record.Type, at key: StateKey)
        throws(ContractError) -> Record?
    {
        guard let bytes = overlay.value(for: key) else { return nil }
        return try Self.decodeStored(Record.self, bytes, key: key)
    }

    /// Reads a record that state guarantees (a claim's bill, a key's organisation): its
    /// absence is corruption, refused as `storedRecordCorrupt`.
    func require<Record: CanonicalDecodable>(
        _: Record.Type, at key: StateKey, _ reason: @autoclosure () -> String
    ) throws(ContractError) -> Record {
        guard let record = try get(Record.self, at: key) else {
            throw StoredRecords.corrupt(Record.self, at: key, reason()).contractError
        }
        return record
    }

    /// Whether anything is stored at `key`.
    public func exists(_ key: StateKey) -> Bool { overlay.value(for: key) != nil }

    /// Writes a record into this call's write set.
    public mutating func put(_ record: some CanonicalEncodable, at key: StateKey) {
        overlay.put(record.canonicalBytes, for: key)
    }

    /// Writes raw bytes (index entries hold an empty value: the key is the information).
    public mutating func putBytes(_ bytes: [UInt8], at key: StateKey) {
        overlay.put(bytes, for: key)
    }

    public mutating func delete(_ key: StateKey) { overlay.delete(key) }

    /// Entries under `prefix` in key order.
    public func scan(prefix: StateKey) -> [StateEntry] { overlay.entries(withPrefix: prefix) }

    /// Decoded records under `prefix` in key order.
    public func scan<Record: CanonicalDecodable>(_: Record.Type, prefix: StateKey)
        throws(ContractError) -> [Record]
    {
        var records: [Record] = []
        for entry in scan(prefix: prefix) {
            records.append(try Self.decodeStored(Record.self, entry.value, key: entry.key))
        }
        return records
    }

    /// Earlier versions of `key`, oldest first (those of this block included).
    public func history(of key: StateKey) throws(ContractError) -> [HistoryRecord] {
        try scan(HistoryRecord.self, prefix: HistoryKeys.prefix(of: key))
    }

    /// Announces something to subscribers; attributes keep the order given.
    public mutating func emit(_ contract: String, _ type: String, _ attributes: [(String, String)])
    {
        events.append(
            Event(
                contract: contract, type: type,
                attributes: attributes.map { EventAttribute($0.0, $0.1) }))
    }

    /// State was written by this code through `put`, within the bounds the decoders
    /// enforce, so a record that no longer decodes means corrupt storage or a broken
    /// upgrade. The call is refused (`storedRecordCorrupt`) rather than executed on
    /// garbage; a trap here would stop every validator on the same bytes, again after
    /// each restart.
    static func decodeStored<Record: CanonicalDecodable>(
        _: Record.Type, _ bytes: [UInt8], key: StateKey
    ) throws(ContractError) -> Record {
        do {
            return try StoredRecords.decode(Record.self, bytes, key: key)
        } catch {
            throw error.contractError
        }
    }
}
