public import Ledger

// The paged queries a department and an auditor need (issue 18). Each walks one key range
// of state in key order, so its order is stable and a page resumes exactly where the last
// one stopped; over a state "as of a height" (the node's history store) each answers as of
// that height. A cursor is the hex of the last state key a page examined.

/// A grant's standing at a time: live, or the first reason it is not, found walking from the
/// grant up its delegation chain (the grant, its mandate, then its parent, and so on).
public enum GrantStatus: String, Hashable, Sendable, CaseIterable {
    case live
    /// Revoked, or dead through a revoked or missing parent grant or mandate.
    case revoked
    case expired
    case notYetValid = "not-yet-valid"
}

/// A holder's grant with its standing at the time asked.
public struct GrantStatusView: Hashable, Sendable {
    public let grant: GrantRecord
    public let status: GrantStatus
}

/// Whether an alert still needs an auditor (docs/contracts.md, "Open alerts").
public enum BillAlertStatus: String, Hashable, Sendable, CaseIterable {
    case open
    case closed
}

/// An alert with its standing and its bill as they are in the state asked.
public struct StandingAlert: Hashable, Sendable {
    /// The alert's state key (`RecordKeys.alert`), for its proof.
    public let key: StateKey
    public let alert: BillAlert
    public let status: BillAlertStatus
    public let bill: BillRecord
}

/// Pending (still collecting approvals) or executed.
public enum ProposalStatus: String, Hashable, Sendable, CaseIterable {
    case pending
    case executed
}

extension ContractQueries {
    // MARK: - Authorisations

    /// A holder's grants (delegations included; revoked and expired ones too) in grant-id
    /// order, each with its standing at `atMs`.
    /// - Parameters:
    ///   - status: only grants of this standing; nil for all.
    ///   - atMs: the time the standing is judged at (the block time of the height asked).
    public func grants(
        ofHolder holder: Hash256, status: GrantStatus?, atMs: UInt64, page request: PageRequest
    ) throws(QueryError) -> QueryPage<GrantStatusView> {
        let prefix = GrantKeys.byHolder(holder)
        return try page(under: prefix, request) { entry throws(StoredRecordError) in
            let id = Self.tail(of: entry.key, under: prefix)
            guard let grant = try self.grant(id) else { return nil }
            let standing = try GrantLiveness.status(
                grant, atMs: atMs,
                lookup: { id throws(StoredRecordError) in try self.grant(id) },
                mandate: { id throws(StoredRecordError) in try self.mandate(id) })
            guard status == nil || status == standing else { return nil }
            return GrantStatusView(grant: grant, status: standing)
        }
    }

    // MARK: - Licence uses

    /// Every recorded use of a licence, in chain order (height, then tx id).
    public func uses(ofLicence id: String, page request: PageRequest) throws(QueryError)
        -> QueryPage<UseRecord>
    {
        try page(under: LicenceKeys.uses(id), request) { entry throws(StoredRecordError) in
            try StoredRecords.decode(UseRecord.self, entry.value, key: entry.key)
        }
    }

    /// Every recorded use of a holder's licences, in chain order (height, tx id, licence).
    public func uses(ofHolder holder: Hash256, page request: PageRequest) throws(QueryError)
        -> QueryPage<UseRecord>
    {
        try indexedUses(LicenceKeys.usesByHolder(holder), request)
    }

    /// Every use made under a grant, in chain order.
    public func uses(ofGrant grantID: String, page request: PageRequest) throws(QueryError)
        -> QueryPage<UseRecord>
    {
        try indexedUses(LicenceKeys.usesByGrant(grantID), request)
    }

    /// Every use an organisation made, in chain order.
    public func uses(byOrganisation organisation: String, page request: PageRequest)
        throws(QueryError) -> QueryPage<UseRecord>
    {
        try indexedUses(LicenceKeys.usesByOrganisation(organisation), request)
    }

    /// Use indexes hold the key of the use record they list.
    private func indexedUses(_ prefix: StateKey, _ request: PageRequest) throws(QueryError)
        -> QueryPage<UseRecord>
    {
        try page(under: prefix, request) { entry throws(StoredRecordError) in
            let target = StateKey(bytes: entry.value)
            guard let use = try self.record(UseRecord.self, target) else {
                throw StoredRecords.corrupt(
                    UseRecord.self, at: entry.key, "index names \(target), which is absent")
            }
            return use
        }
    }

    // MARK: - Claims and alerts

    /// A reimburser's claims in claim-id order.
    /// - Parameter status: only claims in this state; nil for all.
    public func claims(
        ofReimburser reimburser: String, status: ClaimStatus?, page request: PageRequest
    ) throws(QueryError) -> QueryPage<ClaimRecord> {
        try page(under: ClaimKeys.ofReimburser(reimburser), request) {
            entry throws(StoredRecordError) in
            let claim = try StoredRecords.decode(ClaimRecord.self, entry.value, key: entry.key)
            return status == nil || status == claim.status ? claim : nil
        }
    }

    /// Alerts across all bills, in (bill id, height, tx id) order, each with its standing.
    /// An alert is open when it is its bill's latest and the bill's LOCKED + SETTLED is still
    /// above what is claimable, in all or in one category (docs/contracts.md, "Open alerts").
    /// - Parameter status: only alerts of this standing; nil for all.
    public func alerts(status: BillAlertStatus?, page request: PageRequest) throws(QueryError)
        -> QueryPage<StandingAlert>
    {
        try page(under: BillKeys.allAlerts, request) { entry throws(StoredRecordError) in
            let alert = try StoredRecords.decode(BillAlert.self, entry.value, key: entry.key)
            let billKey = BillKeys.bill(alert.billID)
            guard let bill = try self.record(BillRecord.self, billKey) else {
                throw StoredRecords.corrupt(BillRecord.self, at: billKey, "an alert names it")
            }
            let standing = alertStatus(alert, bill, key: entry.key)
            guard status == nil || status == standing else { return nil }
            return StandingAlert(key: entry.key, alert: alert, status: standing, bill: bill)
        }
    }

    private func alertStatus(_ alert: BillAlert, _ bill: BillRecord, key: StateKey)
        -> BillAlertStatus
    {
        let later = state.entries(withPrefix: BillKeys.alerts(alert.billID), after: key, limit: 1)
        guard later.isEmpty else { return .closed }
        let overCommitted =
            bill.committedFen > bill.claimableFen || !bill.overCommittedCategories.isEmpty
        return overCommitted ? .open : .closed
    }

    // MARK: - Governance

    /// Governance proposals in proposal-id order, with their approvals.
    /// - Parameter status: only pending or only executed proposals; nil for all.
    public func proposals(status: ProposalStatus?, page request: PageRequest)
        throws(QueryError) -> QueryPage<Proposal>
    {
        try page(under: GovernanceKeys.proposals, request) { entry throws(StoredRecordError) in
            let proposal = try StoredRecords.decode(Proposal.self, entry.value, key: entry.key)
            let standing: ProposalStatus = proposal.executed ? .executed : .pending
            return status == nil || status == standing ? proposal : nil
        }
    }

    /// Organisations in id order.
    public func organisations(page request: PageRequest) throws(QueryError)
        -> QueryPage<OrganisationRecord>
    {
        try page(under: GovernanceKeys.organisations, request) {
            entry throws(StoredRecordError) in
            try StoredRecords.decode(OrganisationRecord.self, entry.value, key: entry.key)
        }
    }

    /// The validator set recorded in state (at most `ValidatorSet.maxValidators`, so one
    /// list), or nil before genesis state exists.
    public var validators: [Validator]? {
        get throws(StoredRecordError) { try chainParameters?.validators }
    }

    /// The follower nodes governance admits, in key order (at most `RecordLimits.followers`,
    /// so one list).
    public var followers: [Follower] {
        get throws(StoredRecordError) { try record(FollowerList.self, GovernanceKeys.followers)?.followers ?? [] }
    }

    /// An organisation's keys with their roles, in public-key order; nil for an unknown
    /// organisation.
    public func keys(ofOrganisation id: String, page request: PageRequest) throws(QueryError)
        -> QueryPage<KeyRecord>?
    {
        let organisation: OrganisationRecord?
        do throws(StoredRecordError) {
            organisation = try self.organisation(id)
        } catch { throw .storedRecord(error) }
        guard let organisation else { return nil }
        let prefix = GovernanceKeys.keys
        let after = try request.position(under: prefix)
        let keys = organisation.keys.map(GovernanceKeys.key).sorted()
        let remaining = keys.filter { key in after.map { $0 < key } ?? true }
        var items: [KeyRecord] = []
        for key in remaining.prefix(request.limit) {
            do throws(StoredRecordError) {
                guard let keyRecord = try self.record(KeyRecord.self, key) else {
                    throw StoredRecords.corrupt(
                        KeyRecord.self, at: key, "organisation \(id) lists it")
                }
                items.append(keyRecord)
            } catch { throw .storedRecord(error) }
        }
        let more = remaining.count > request.limit
        return QueryPage(
            items: items,
            nextCursor: more ? PageRequest.cursor(after: remaining[request.limit - 1]) : nil)
    }

    // MARK: - The walk

    /// Walks the entries under `prefix` in key order from the request's cursor, turning each
    /// into an item (nil skips it), until the page is full or `PageRequest.scanBudget`
    /// entries were examined; the cursor names the last entry examined.
    func page<Item>(
        under prefix: StateKey, _ request: PageRequest,
        _ item: (StateEntry) throws(StoredRecordError) -> Item?
    ) throws(QueryError) -> QueryPage<Item> {
        var after = try request.position(under: prefix)
        var items: [Item] = []
        var examined = 0
        while true {
            let chunk = state.entries(withPrefix: prefix, after: after, limit: request.limit)
            for (index, entry) in chunk.enumerated() {
                examined += 1
                after = entry.key
                do throws(StoredRecordError) {
                    if let next = try item(entry) { items.append(next) }
                } catch { throw .storedRecord(error) }
                guard items.count == request.limit || examined >= PageRequest.scanBudget else {
                    continue
                }
                let more =
                    index + 1 < chunk.count
                    || !state.entries(withPrefix: prefix, after: entry.key, limit: 1).isEmpty
                return QueryPage(
                    items: items, nextCursor: more ? PageRequest.cursor(after: entry.key) : nil)
            }
            if chunk.count < request.limit { return QueryPage(items: items, nextCursor: nil) }
        }
    }

    /// The part of `key` after `prefix` (an index entry's id).
    static func tail(of key: StateKey, under prefix: StateKey) -> String {
        String(decoding: key.bytes.dropFirst(prefix.bytes.count), as: UTF8.self)
    }
}

extension GrantLiveness {
    /// `isLive`'s walk, telling why a grant is not live: `.live` exactly when `isLive` holds.
    static func status<Failure: Error>(
        _ grant: GrantRecord, atMs timeMs: UInt64,
        lookup: (String) throws(Failure) -> GrantRecord?,
        mandate: (String) throws(Failure) -> MandateRecord?
    ) throws(Failure) -> GrantStatus {
        var current = grant
        for _ in 0..<maxChain {
            let terms = current.terms
            if let reason = Self.standing(
                revoked: current.revoked, fromMs: terms.validFromMs, untilMs: terms.validUntilMs,
                atMs: timeMs)
            {
                return reason
            }
            if let mandateID = current.mandateID {
                guard let record = try mandate(mandateID) else { return .revoked }
                if let reason = Self.standing(
                    revoked: record.revoked, fromMs: record.mandate.validFromMs,
                    untilMs: record.mandate.validUntilMs, atMs: timeMs)
                {
                    return reason
                }
            }
            guard let parentID = current.parentGrantID else { return .live }
            guard let parent = try lookup(parentID) else { return .revoked }
            current = parent
        }
        return .revoked
    }

    private static func standing(revoked: Bool, fromMs: UInt64, untilMs: UInt64, atMs: UInt64)
        -> GrantStatus?
    {
        if revoked { return .revoked }
        if atMs < fromMs { return .notYetValid }
        if atMs > untilMs { return .expired }
        return nil
    }
}

extension ClaimKeys {
    static func ofReimburser(_ reimburser: String) -> StateKey {
        StateKey("claim/\(reimburser)/")
    }
}

extension BillKeys {
    /// Every alert of every bill lies under this prefix, bill by bill.
    static let allAlerts = StateKey("alert/")
}

extension GovernanceKeys {
    static let proposals = StateKey("gov/proposal/")
    static let organisations = StateKey("org/")
    static let keys = StateKey("key/")
}

extension ContractQueries {
    /// A grant's standing at `atMs` (its delegation chain and mandate included).
    public func status(of grant: GrantRecord, atMs: UInt64) throws(StoredRecordError) -> GrantStatus {
        try GrantLiveness.status(
            grant, atMs: atMs, lookup: { id throws(StoredRecordError) in try self.grant(id) },
            mandate: { id throws(StoredRecordError) in try self.mandate(id) })
    }
}
