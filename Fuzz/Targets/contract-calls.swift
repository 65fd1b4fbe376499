// Target `contract-calls`: the fuzzer's bytes are a program of blocks of calls, run
// through the real `BlockExecutor` and contracts over an in-memory state from the fixed
// fuzz genesis (`FuzzChain`). Each call is built from the bytes: its kind, its sender
// among registered and unregistered keys, and arguments drawn mostly from small pools of
// ids (so calls collide, replay and race) with edge values for amounts and times. A
// "burst" repeats one call up to 300 times with fresh ids, which is how lists a contract
// grows without bound (red-reversal ids, licence types, organisation keys) reach their
// decoder's cap.
//
// Checks after every block: nothing traps (the executor, the mempool pre-check, the
// queries at the end); one receipt per transaction with its id; a key-sorted write set;
// every record written decodes with its stored-record decoder and re-encodes to the same
// bytes (a record its own decoder refuses traps every later read: issue 17 finding 1); a
// write under a prefix no decoder covers fails; bills keep reversed <= total and settled +
// locked <= total; for one block in four, executing it again gives the same result.
import Contracts
import FuzzSupport
import Ledger

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size) { bytes in
        var program = CallProgram(bytes)
        program.run()
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    FuzzEntry.initialize(
        seeds: { CallProgram.seeds }, regressions: { CallProgram.regressionPrograms })
}

struct CallProgram {
    static let maxBlocks = 12
    static let maxCalls = 640
    static let maxBurst = 300

    var input: FuzzInput
    let bytes: [UInt8]
    var state = FuzzChain.genesisState
    var height: UInt64 = 0
    var timeMs = FuzzChain.genesisTimeMs
    var counter: UInt64 = 0
    var lastBurstBase: UInt64 = 0
    var calls = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        input = FuzzInput(bytes)
    }

    mutating func run() {
        var blocks = 0
        while !input.isExhausted, blocks < Self.maxBlocks, calls < Self.maxCalls {
            let transactions = nextBlock()
            execute(transactions)
            blocks += 1
        }
        runQueries()
    }

    // MARK: - Blocks

    private mutating func nextBlock() -> [Transaction] {
        height += 1
        timeMs += input.pick([0, 1, 1_000, 60_000, FuzzChain.dayMs, 400 * FuzzChain.dayMs])
        var transactions: [Transaction] = []
        let count = 1 + input.index(8)
        for _ in 0..<count where calls < Self.maxCalls {
            if input.chance(3) {
                transactions += burst()
            } else {
                let (call, sender) = nextCall(serial: counter)
                transactions.append(transaction(call, sender))
            }
        }
        return transactions
    }

    /// One call template repeated with fresh serials: each repetition reads the same
    /// choices from the input, so only the ids that take the serial change.
    private mutating func burst() -> [Transaction] {
        // Half the bursts are sized around 256, the cap of most stored lists.
        let wanted = input.bool() ? input.pick([2, 16, 255, 256, 257, Self.maxBurst])
            : 1 + Int(input.uint16()) % Self.maxBurst
        let repetitions = min(wanted, Self.maxCalls - calls)
        // A burst may reuse the serials of the previous one, so the approvals of a burst of
        // proposals can follow it.
        let base = input.rarely(50) ? lastBurstBase : counter
        lastBurstBase = base
        let template = input
        var transactions: [Transaction] = []
        for repetition in 0..<repetitions {
            input = template
            let (call, sender) = nextCall(serial: base + UInt64(repetition))
            transactions.append(transaction(call, sender))
        }
        return transactions
    }

    private mutating func transaction(_ call: ContractCall, _ sender: SigningKey) -> Transaction {
        counter += 1
        calls += 1
        let validUntil = input.rarely(4) ? height - 1 : height + 10
        let chainID = input.rarely(2) ? "other-chain" : FuzzChain.chainID
        return Transaction(
            chainID: chainID, sender: sender.publicKey, uniqueID: FuzzChain.uniqueID(counter),
            validUntilHeight: validUntil, contract: call.contractName, method: call.methodName,
            arguments: call.argumentBytes, signature: Self.zeroSignature)
    }

    /// Programs that once found a defect, spelled out choice by choice.
    static let regressionPrograms: [[UInt8]] = [
        // Issue 17 finding 1: the hospital issues bill M..01 for 10,000 fen, then reverses
        // it 1 fen at a time, 300 times in one block; the 257th red id makes the bill
        // undecodable and the 258th reversal traps reading it.
        [
            0, 1,  // block 1: no time step, 2 entries
            255, 5, 0, 0, 1,  // a single call: bill contract, natural sender, issue
            0, 0, 7, 0, 0, 2, 0, 0,  // no categories, 10,000 fen, bill 1, check code, now, payer
            0, 0,  // unexpired, this chain
            0, 0, 0x01, 0x2B, 0,  // a burst of 1 + 299 calls with fresh serials
            5, 0, 0, 0, 0, 0, 1, 0, 0,  // bill, hospital, reverse 1 fen of bill 1, fresh red id
            0, 0,
        ],
        // Issue 17 finding 1, second shape: admin 0 proposes 257 grantRole changes, each
        // giving the police key one new licence type; admin 1 approves them; the key record
        // outgrows its decoder's cap of 256 licence types and the next read of it traps.
        [
            0, 1,  // block 1: no time step, 2 entries
            0, 0, 0x01, 0x00, 0,  // a burst of 1 + 256 calls with fresh serials
            0, 3, 0, 0, 255,  // governance, proposal P<serial>, admin 0, propose
            4, 0, 4, 1, 8,  // police key, grantRole licence-issuer, licence type T<serial>
            0, 0,  // unexpired, this chain
            0, 0, 0x01, 0x00, 255,  // a burst of 257 calls with the previous burst's serials
            0, 3, 0, 1, 0,  // governance, proposal P<serial>, admin 1, approve
            0, 0,
        ],
    ]

    static let zeroSignature = try! Signature(bytes: [UInt8](repeating: 0, count: 64))

    /// Any bytes are a program, so the seeds are pseudo-random programs of a few sizes
    /// (SplitMix64 from fixed seeds: the same corpus start on every machine).
    static var seeds: [[UInt8]] {
        (0..<24).map { index in
            var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
            return (0..<(64 << (index % 5))).map { _ in
                state &+= 0x9E37_79B9_7F4A_7C15
                var mixed = state
                mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
                mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
                return UInt8(truncatingIfNeeded: mixed ^ (mixed >> 31))
            }
        }
    }

    private mutating func execute(_ transactions: [Transaction]) {
        // The mempool's pre-check is the executor's admission step again, over the state
        // before the block: one block in eight pays for running it on every transaction.
        if input.chance(12) {
            for tx in transactions { _ = BlockExecutor.checkTx(tx, over: state) }
        }
        let result = BlockExecutor.execute(
            transactions: transactions, height: height, timeMs: timeMs, over: state)
        guard result.receipts.count == transactions.count else {
            fuzzFailure("\(result.receipts.count) receipts for \(transactions.count) txs", bytes)
        }
        for (receipt, tx) in zip(result.receipts, transactions) {
            guard receipt.txID == tx.id else {
                fuzzFailure("a receipt names another transaction", bytes)
            }
            // Only the contracts wrote this state: a corrupt record is their defect.
            guard receipt.code != StatusCode.storedRecordCorrupt.rawValue else {
                fuzzFailure(
                    "\(tx.contract).\(tx.method) met a corrupt record: \(receipt.message)", bytes)
            }
        }
        for (earlier, later) in zip(result.writes, result.writes.dropFirst())
        where !(earlier.key < later.key) {
            fuzzFailure("write set not strictly sorted at \(later.key)", bytes)
        }
        for write in result.writes { checkWrite(write) }
        CallStatistics.record(transactions, result.receipts)
        if input.chance(25) {
            let again = BlockExecutor.execute(
                transactions: transactions, height: height, timeMs: timeMs, over: state)
            guard again == result else {
                fuzzFailure("the same block over the same state gave another result", bytes)
            }
        }
        state.apply(result.writes)
    }

    // MARK: - Properties of what the contracts wrote

    private func checkWrite(_ write: StateWrite) {
        guard let value = write.value else { return }
        if StoredRecords.isIndex(write.key) {
            guard value.isEmpty else { fuzzFailure("index entry \(write.key) has a value", bytes) }
            return
        }
        guard let kind = StoredRecords.kind(forKey: write.key) else {
            fuzzFailure(
                "a contract wrote \(write.key), which no stored-record decoder covers", bytes)
        }
        guard kind.check(value) else {
            fuzzFailure(
                "a contract wrote a \(kind.name) at \(write.key) that its own decoder refuses"
                + " (\(value.count) bytes): every later read of it traps", bytes)
        }
        if write.key.bytes.starts(with: Array("bill/".utf8)) {
            checkBill(try! BillRecord(canonicalBytes: value), at: write.key)
        }
    }

    /// I8: a bill is never reversed or reimbursed beyond its amount. Checked before the
    /// record's own accessors run, which would trap on such a bill.
    private func checkBill(_ bill: BillRecord, at key: StateKey) {
        guard bill.reversedFen <= bill.totalFen else {
            fuzzFailure("bill \(key) reversed \(bill.reversedFen) of \(bill.totalFen)", bytes)
        }
        let (committed, overflow) = bill.lockedFen.addingReportingOverflow(bill.settledFen)
        guard !overflow, committed <= bill.totalFen else {
            fuzzFailure(
                "bill \(key): locked \(bill.lockedFen) + settled \(bill.settledFen) exceed "
                + "the total \(bill.totalFen)", bytes)
        }
        if let categories = bill.categories {
            for category in BillCategory.allCases
            where bill.reversedCategories[category] > categories[category] {
                fuzzFailure("bill \(key) reversed more \(category.name) than it holds", bytes)
            }
        }
        _ = bill.leftFen
        for category in BillCategory.allCases { _ = bill.leftFen(in: category) }
    }

    /// The read side over what the calls built: the API serves these on any node. The state
    /// was written by the contracts alone, so a query that finds a corrupt record (or traps)
    /// is a defect a client can reach.
    private func runQueries() {
        do throws(StoredRecordError) {
            try queryEverything(ContractQueries(state: state))
        } catch {
            fuzzFailure("a query over contract-made state failed: \(error)", bytes)
        }
    }

    private func queryEverything(_ queries: ContractQueries<InMemoryState>)
        throws(StoredRecordError)
    {
        _ = try queries.chainParameters
        _ = try queries.organisations
        _ = try queries.evidence
        for key in FuzzChain.allKeys { _ = try queries.key(key.publicKey) }
        for id in Pools.proposalIDs(serial: counter) { _ = try queries.proposal(id) }
        for id in Pools.licenceIDs + [Pools.freshLicenceID(counter)] {
            _ = try queries.licence(id)
            _ = try queries.uses(ofLicence: id)
            _ = try queries.licenceHistory(id)
            _ = try queries.verifyLicence(id: id, fileDigest: Pools.digest(id), atMs: timeMs)
        }
        for id in Pools.grantIDs(serial: counter) + ["G1D"] { _ = try queries.grant(id) }
        for holder in FuzzChain.holders {
            _ = try queries.licences(ofHolder: holder)
            _ = try queries.liveGrants(ofHolder: holder, atMs: timeMs)
            _ = try queries.billWallet(ofPayer: holder)
            _ = try queries.billWalletClaims(ofPayer: holder)
            _ = try queries.reminders(ofHolder: holder)
            _ = try queries.dataUses(ofHolder: holder)
            _ = try queries.mandates(ofPrincipal: holder)
        }
        for number in Pools.billNumbers(serial: counter) {
            let id = number.billID
            _ = try queries.bill(id)
            _ = try queries.verifyBill(
                number: number, checkDigest: SHA256.hash(Array("fuzz check".utf8)),
                issueDate: ChinaCalendar.date(ofMs: timeMs))
            _ = try queries.claims(ofBill: id)
            _ = try queries.amountLeft(ofBill: id)
            _ = try queries.alerts(ofBill: id)
            _ = try queries.billHistory(id)
        }
        for id in Pools.claimIDs(serial: counter) {
            for reimburser in ["insurer0", "insurer1", "hospital"] {
                _ = try queries.claim(reimburser: reimburser, id: id)
            }
        }
    }
}
