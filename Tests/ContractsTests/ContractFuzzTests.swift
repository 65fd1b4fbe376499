import Contracts
import Foundation
import Ledger
import Testing

// Setup: the test chain. `HostileCallGenerator` draws calls of every method of every
// contract with hostile arguments (huge counts and amounts, `UInt64.max`, empty, oversized
// and path-like strings, lists past every bound) and, now and then, raw random argument
// bytes, signed by registered keys and by strangers. Each call runs in its own block over
// the real contracts; after each one `FuzzInvariants` checks that the receipt is sound,
// every record written decodes (no participant can write what a reader cannot read), and
// I8 holds on the bills and uses it touched. A trap ends the process: the seed is printed
// before each run so the last line names the seed to replay.
@Suite("Fuzz: hostile contract calls")
struct ContractFuzzTests {
    /// `GOVCHAIN_FUZZ_SEED=<n>` replays one seed.
    static let seeds: [UInt64] =
        ProcessInfo.processInfo.environment["GOVCHAIN_FUZZ_SEED"].flatMap(UInt64.init).map {
            [$0]
        } ?? [101, 102, 103, 104, 105, 106]
    static let callsPerSeed = 1_000

    @Test(
        "fuzz: hostile calls from random keys never trap, and I8 holds after each",
        arguments: seeds)
    func hostileCalls(seed: UInt64) throws {
        print("contract fuzz: seed \(seed) (replay with GOVCHAIN_FUZZ_SEED=\(seed))")
        var chain = TestChain()
        var generator = HostileCallGenerator(random: SplitMix64(seed: seed))
        var codes: [UInt32: Int] = [:]
        for index in 0..<Self.callsPerSeed {
            let tx = generator.next(height: chain.height + 1, timeMs: chain.timeMs)
            let result = chain.block(transactions: [tx])
            codes[result.receipts.first?.code ?? UInt32.max, default: 0] += 1
            let breaches = try FuzzInvariants.check(result, chain: chain)
            guard breaches.isEmpty else {
                Issue.record(
                    """
                    reproduce with GOVCHAIN_FUZZ_SEED=\(seed): call \(index) \
                    \(tx.contract).\(tx.method): \(breaches)
                    """)
                return
            }
        }
        print("contract fuzz: seed \(seed) codes \(codes.sorted { $0.key < $1.key })")
        // Hostile input must not mean only refusals: state has to grow for the checks to bite.
        #expect(codes[0, default: 0] > Self.callsPerSeed / 20, "seed \(seed): too few successes")
    }
}

/// Checks after one fuzzed call (one transaction per block).
enum FuzzInvariants {
    static func check(_ result: BlockResult, chain: TestChain) throws -> [String] {
        guard result.receipts.count == 1, let receipt = result.receipts.first else {
            return ["\(result.receipts.count) receipts for one transaction"]
        }
        var breaches: [String] = []
        if StatusCode(rawValue: receipt.code) == nil { breaches.append("unknown code") }
        // Nothing the fuzzer sends corrupts state, so 500 would mean a contract wrote a
        // record that a reader cannot decode.
        if receipt.status == .storedRecordCorrupt { breaches.append(receipt.message) }
        if (try? Receipt(canonicalBytes: receipt.canonicalBytes)) != receipt {
            breaches.append("the receipt does not survive its own encoding")
        }
        // The block-end reminder sweep moves its cursor whatever the call did.
        let callWrites = result.writes.filter { !$0.key.description.hasPrefix("cursor/") }
        if !receipt.isSuccess, !callWrites.isEmpty {
            breaches.append("a refused call wrote \(callWrites.count) keys")
        }
        for write in result.writes {
            guard let value = write.value else { continue }
            if let reason = StoredRecordDecoding.failure(key: write.key, value: value) {
                breaches.append("\(write.key) does not decode: \(reason)")
            }
        }
        breaches += try billBreaches(result, chain: chain)
        breaches += try useBreaches(result, chain: chain)
        return breaches
    }

    /// I8 on every bill the call wrote: totals agree with the claim records, LOCKED +
    /// SETTLED within the total, claims above what is claimable (in all or per category)
    /// carry an alert, and no claim of a fully reversed bill was newly locked or settled.
    static func billBreaches(_ result: BlockResult, chain: TestChain) throws -> [String] {
        let queries = chain.queries
        var breaches: [String] = []
        for write in result.writes where write.key.description.hasPrefix("bill/") {
            let id = String(write.key.description.dropFirst("bill/".count))
            guard let bill = try queries.bill(id), bill.status != .red else { continue }
            let claims = try queries.claims(ofBill: id)
            let alerted = try !queries.alerts(ofBill: id).isEmpty
            let locked = claims.filter { $0.status == .locked }.reduce(0) { $0 + $1.amountFen }
            let settled = claims.filter { $0.status == .settled }.reduce(0) { $0 + $1.amountFen }
            if locked != bill.lockedFen || settled != bill.settledFen {
                breaches.append("bill \(id): claim records disagree with its totals")
            }
            if bill.committedFen > bill.totalFen { breaches.append("bill \(id): over its total") }
            if bill.committedFen > bill.claimableFen, !alerted {
                breaches.append("bill \(id): claimed above claimable without an alert")
            }
            for category in BillCategory.allCases
            where bill.committedFen(in: category) > bill.claimableFen(in: category) && !alerted {
                breaches.append("bill \(id): \(category.name) above claimable without an alert")
            }
            // One call per block: a claim it locked or settled on a bill that is now fully
            // reversed was made on a voided bill (a release only gives an amount back).
            let written = Set(result.writes.map(\.key.description))
            for claim in claims
            where bill.status == .reversed && claim.status != .released
                && written.contains("claim/\(claim.claimID)")
            {
                breaches.append("bill \(id): claim \(claim.claimID) moved on a voided bill")
            }
        }
        return breaches
    }

    /// Every use the call recorded rests on a current licence and, with a grant, on a live
    /// grant that covers licence, grantee, holder and purpose at the block time.
    static func useBreaches(_ result: BlockResult, chain: TestChain) throws -> [String] {
        let queries = chain.queries
        var breaches: [String] = []
        for write in result.writes where write.key.description.hasPrefix("use/") {
            guard let value = write.value else { continue }
            let use = try UseRecord(canonicalBytes: value)
            guard let licence = try queries.licence(use.licenceID),
                licence.isCurrent(atMs: use.blockTimeMs)
            else {
                breaches.append("use of \(use.licenceID) without a current licence")
                continue
            }
            guard let grantID = use.grantID else { continue }
            let live = try queries.liveGrants(ofHolder: licence.holder, atMs: use.blockTimeMs)
            let covering = live.contains { grant in
                grant.terms.grantID == grantID
                    && grant.terms.granteeOrganisation == use.userOrganisation
                    && grant.terms.purpose == use.purpose
                    && grant.terms.scope.covers(
                        licenceID: licence.id, licenceType: licence.licenceType)
            }
            if !covering { breaches.append("use of \(use.licenceID) without a covering grant") }
        }
        return breaches
    }
}

/// Decodes a stored value with the record type its key prefix names.
enum StoredRecordDecoding {
    static func failure(key: StateKey, value: [UInt8]) -> String? {
        let path = key.bytes
        let history = Array("history/".utf8)
        if path.starts(with: history) {
            // history/<key> 0x00 <height u64> <tx index u32>: the record, then the value it
            // holds under the original key's type.
            guard path.count > history.count + 13 else { return "short history key" }
            let inner = StateKey(bytes: Array(path[history.count..<(path.count - 13)]))
            do {
                let record = try HistoryRecord(canonicalBytes: value)
                return record.value.flatMap { failure(key: inner, value: $0) }
            } catch { return error.description }
        }
        let text = key.description
        do {
            switch true {
            case text == "gov/parameters": _ = try ChainParameters(canonicalBytes: value)
            case text == "gov/followers": _ = try FollowerList(canonicalBytes: value)
            case text.hasPrefix("gov/proposal/"): _ = try Proposal(canonicalBytes: value)
            case text.hasPrefix("org/"): _ = try OrganisationRecord(canonicalBytes: value)
            case text.hasPrefix("key/"): _ = try KeyRecord(canonicalBytes: value)
            case text.hasPrefix("licence/"): _ = try LicenceRecord(canonicalBytes: value)
            case text.hasPrefix("use/"): _ = try UseRecord(canonicalBytes: value)
            case text.hasPrefix("grant/"): _ = try GrantRecord(canonicalBytes: value)
            case text.hasPrefix("bill/"): _ = try BillRecord(canonicalBytes: value)
            case text.hasPrefix("alert/"): _ = try BillAlert(canonicalBytes: value)
            case text.hasPrefix("claim/"): _ = try ClaimRecord(canonicalBytes: value)
            case text.hasPrefix("evidence/"): _ = try EvidenceRecord(canonicalBytes: value)
            case text.hasPrefix("duty/"): _ = try DutyItem(canonicalBytes: value)
            case text.hasPrefix("datause/"): _ = try DataUseRecord(canonicalBytes: value)
            case text.hasPrefix("datauseid/"):
                guard value.starts(with: Array("datause/".utf8)) else {
                    return "a data-use id points at no data-use record"
                }
            case text.hasPrefix("licencetype/"): _ = try LicenceType(canonicalBytes: value)
            case text.hasPrefix("reminder/"): _ = try ExpiryReminder(canonicalBytes: value)
            case text == "cursor/reminders": _ = try ReminderCursor(canonicalBytes: value)
            case text.hasPrefix("useid/"):
                // The key of the use record the id made.
                guard value.starts(with: Array("use/".utf8)) else {
                    return "a use id points at no use record"
                }
            case text.hasPrefix("holderkeyowner/"): _ = try Hash256(canonicalBytes: value)
            case text.hasPrefix("idx/"), text.hasPrefix("holderkey/"):
                return value.isEmpty ? nil : "an index entry holds a value"
            default: return "no record type for this key"
            }
        } catch {
            return error.description
        }
        return nil
    }
}
