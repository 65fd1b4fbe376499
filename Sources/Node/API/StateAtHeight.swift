internal import Contracts
internal import Ledger

/// The state a query reads: the live state column family for the latest height.
enum StateAtHeight {
    static func reader(_ store: BlockStore, height: UInt64, latest: UInt64) throws -> RocksStateStore {
        guard height == latest else {
            throw APIError.badRequest("answers as of an earlier height are not served yet")
        }
        return RocksStateStore(database: store.database)
    }
}

extension ContractQueries {
    /// Every governance proposal, executed or not, in id order.
    var proposals: [Proposal] {
        get throws(StoredRecordError) {
            var proposals: [Proposal] = []
            for entry in state.entries(withPrefix: StateKey("gov/proposal/")) {
                do { proposals.append(try Proposal(canonicalBytes: entry.value)) } catch {
                    throw StoredRecordError(key: entry.key, recordType: "Proposal", reason: "\(error)")
                }
            }
            return proposals
        }
    }

    /// A holder's grants with the given status at `atMs`.
    func grants(ofHolder holder: Hash256, status: GrantStatusFilter, atMs: UInt64) throws(StoredRecordError) -> [GrantRecord] {
        let live = Set(try liveGrants(ofHolder: holder, atMs: atMs).map(\.terms.grantID))
        var grants: [GrantRecord] = []
        for entry in state.entries(withPrefix: StateKey("grant/")) {
            let grant: GrantRecord
            do { grant = try GrantRecord(canonicalBytes: entry.value) } catch {
                throw StoredRecordError(key: entry.key, recordType: "GrantRecord", reason: "\(error)")
            }
            guard grant.terms.holder == holder else { continue }
            let keep = switch status {
            case .all: true
            case .live: live.contains(grant.terms.grantID)
            case .revoked: grant.revoked
            case .expired: !grant.revoked && grant.terms.validUntilMs <= atMs
            }
            if keep { grants.append(grant) }
        }
        return grants
    }
}
