import Consensus
import Contracts
import Execution
import Ledger

/// What a Byzantine validator does in the simulator, beyond crashing and equivocating: the
/// attacks of issue 17, run against the real node logic (executor, contracts, sync plan).
public enum Adversary: String, CaseIterable, Sendable, Hashable {
    /// Proposes a gossiped transaction with its signature replaced (finding 3).
    case forgedSignature = "forged-signature"
    /// Proposes a validly signed transaction from a key no organisation holds (finding 5).
    case unpermittedSender = "unpermitted-sender"
    /// Proposes blocks beyond the byte limit (finding 4).
    case oversizedProposal = "oversized-proposal"
    /// Sends signed proposals and votes for rounds far ahead (finding 4).
    case farFutureRounds = "far-future-rounds"
    /// Runs its clock just under the drift voters accept, so its blocks claim future times
    /// (finding 5: the next height must not stall).
    case futureTimestamp = "future-timestamp"
    /// Sends block-sync requests with extreme heights and counts (finding 2).
    case extremeSync = "extreme-sync"
    /// Re-sends its old votes, each of which asks honest replicas for catch-up blocks
    /// (finding 6).
    case replayedVotes = "replayed-votes"
    /// Sends every statement many times over.
    case duplicateFlood = "duplicate-flood"
    /// Runs as twins: two replicas with one key (equivocation).
    case equivocation = "equivocation"

    /// Parses "all", "none" or a comma-separated list of names.
    public static func parse(_ text: String) -> Set<Adversary>? {
        var result: Set<Adversary> = []
        for part in text.split(separator: ",").map({ String($0).filter { $0 != " " } }) {
            switch part {
            case "all": result.formUnion(Adversary.allCases)
            case "none": break
            default:
                guard let adversary = Adversary(rawValue: part) else { return nil }
                result.insert(adversary)
            }
        }
        return result
    }

    /// The canonical spelling, for replay commands.
    public static func spelled(_ set: Set<Adversary>) -> String {
        if set == Set(allCases) { return "all" }
        if set.isEmpty { return "none" }
        return allCases.filter(set.contains).map(\.rawValue).joined(separator: ",")
    }
}

/// Bugs put back on purpose (mutation tests): each re-creates one finding of issue 17, so a
/// test can show that the simulator's adversaries and invariants catch it. Never set by a
/// real node.
public enum NodeMutation: String, CaseIterable, Sendable, Hashable {
    /// Finding 2: the sync reply range computed without overflow checks.
    case uncheckedSyncArithmetic = "unchecked-sync-arithmetic"
    /// Finding 3: the signature cache keyed by transaction id only.
    case signatureCacheByIDOnly = "signature-cache-by-id-only"
    /// Finding 8: commit without comparing the certified header's roots...
    case skipCommitRootCheck = "skip-commit-root-check"
    /// ... and the fault that makes it matter: one honest replica's disk forgets bills.
    case divergentReplica = "divergent-replica"
}

/// How a Byzantine proposer tampers with the payload its executor built: at each proposal
/// it draws one of the enabled tamperings (or none, so runs also see its honest blocks).
/// A class, shared by the Byzantine instances, so the draw happens only when a payload is
/// actually built and the costly transactions it adds are signed once per run.
final class ProposalTamperer {
    private let behaviours: [Adversary]
    private var random: SeededGenerator
    private var serial: UInt64 = 0
    /// Five maximal transactions: well past the 256 KiB block limit of the simulation.
    private lazy var filler: [Transaction] = (0..<5).map { index in
        Cluster.rawTransaction(
            arguments: [UInt8](repeating: 0x5A, count: 60_000), validUntilHeight: 1_000_000,
            tag: 0xF111_0000 + UInt64(index))
    }

    init(seed: UInt64, behaviours: Set<Adversary>) {
        self.behaviours = [Adversary.forgedSignature, .unpermittedSender, .oversizedProposal]
            .filter(behaviours.contains)
        random = SeededGenerator(seed: seed ^ 0x7A3E)
    }

    var isActive: Bool { !behaviours.isEmpty }

    func tamper(_ transactions: [Transaction]) -> [Transaction] {
        guard !behaviours.isEmpty, random.chance(perMille: 800) else { return transactions }
        switch behaviours[Int.random(in: 0..<behaviours.count, using: &random)] {
        case .forgedSignature:
            guard var first = transactions.first else { return transactions }
            // A valid signature, by the wrong key: the sender's key never signed this.
            first.signature = SimChain.outsider.sign(first.signingBytes)
            return [first] + transactions.dropFirst()
        case .unpermittedSender:
            serial += 1
            return transactions + [outsiderBill(serial)]
        default:
            return transactions + filler
        }
    }

    /// A validly signed bill issue from a key no organisation holds.
    private func outsiderBill(_ serial: UInt64) -> Transaction {
        let call = ContractCall.bill(
            .issue(
                BillIssue(
                    number: .medical(
                        code: "36999999", number: String(1_000_000_000 + serial % 1_000_000_000)),
                    checkDigest: SHA256.hash(Array("outsider check".utf8)),
                    issuedAtMs: SimChain.genesisTimeMs, totalFen: 1,
                    categories: nil,
                    payer: .zero)))
        return call.transaction(
            chainID: SimChain.chainID, signer: SimChain.outsider,
            uniqueID: Array(
                SHA256.hash(Array("outsider \(serial)".utf8)).bytes.prefix(
                    Transaction.uniqueIDByteCount)),
            validUntilHeight: 1_000_000)
    }
}

/// The Byzantine validators' memory and dice.
struct AdversaryState {
    let behaviours: Set<Adversary>
    var random: SeededGenerator
    /// Statements the Byzantine instances broadcast, oldest first (bounded).
    private(set) var remembered: [ConsensusMessage] = []
    static let memory = 512

    init(seed: UInt64, behaviours: Set<Adversary>) {
        self.behaviours = behaviours
        random = SeededGenerator(seed: seed ^ 0xA11CE)
    }

    mutating func remember(_ message: ConsensusMessage) {
        guard behaviours.contains(.replayedVotes) || behaviours.contains(.duplicateFlood) else {
            return
        }
        if remembered.count >= Self.memory { remembered.removeFirst(Self.memory / 4) }
        remembered.append(message)
    }

    /// Far-future proposals' filler transactions, signed once per run (up to 200 KB).
    private(set) lazy var futureFiller: [Transaction] = (1...4).map { size in
        Cluster.rawTransaction(
            arguments: [UInt8](repeating: 0x33, count: size * 50_000), validUntilHeight: 1_000_000,
            tag: 0xFF00 + UInt64(size))
    }
}

/// Catch-up blocks honest replicas sent to Byzantine peers, per second of simulated time.
struct CatchUpLedger {
    private var windowStartMs: UInt64 = 0
    private var inWindow = 0
    private(set) var largestWindow = 0

    mutating func record(blocks: Int, atMs now: UInt64) {
        if now >= windowStartMs + 1_000 {
            windowStartMs = now
            inWindow = 0
        }
        inWindow += blocks
        largestWindow = max(largestWindow, inWindow)
    }
}

extension Cluster {
    /// Catch-up blocks all honest replicas together may send one Byzantine validator in a
    /// second: one batch (16) per replica per propose timeout (300 ms), so at most four a
    /// second, with one batch of slack for a window's edges.
    var catchUpBudgetPerSecond: Int { 16 * 5 * max(1, honestInstances.count) }

    /// The Byzantine validators' own moves, every `adversaryIntervalMs` of the fault phase.
    mutating func actAdversarially() {
        for instance in instances.indices
        where !instances[instance].isHonest && instances[instance].isUp {
            if adversary.behaviours.contains(.farFutureRounds) {
                sendFarFutureStatements(from: instance)
            }
            if adversary.behaviours.contains(.extremeSync) {
                sendExtremeSyncRequests(from: instance)
            }
            if adversary.behaviours.contains(.replayedVotes) {
                replayOldStatements(from: instance, copies: 0)
            }
            if adversary.behaviours.contains(.duplicateFlood) {
                replayRecentStatements(from: instance)
            }
        }
        if catchUpSent.largestWindow > catchUpBudgetPerSecond, safetyViolation == nil {
            safetyViolation =
                "I11 amplification: honest replicas sent \(catchUpSent.largestWindow) catch-up "
                + "blocks in one second to a Byzantine peer (budget \(catchUpBudgetPerSecond))"
        }
    }

    private mutating func sendFarFutureStatements(from instance: Int) {
        let validator = instances[instance].validatorIndex
        let key = keys[validator]
        let tip = instances[instance].application.executor.tip
        let height = tip.height + 1
        let lead = random.draw(2...3_000)
        let base = instances[instance].replica?.round ?? 0
        // A proposal is only accepted from the round's proposer: pick such a round.
        var round = base &+ lead
        let count = UInt64(validators.count)
        round &+= (UInt64(validator) &+ count &- (height &+ round) % count) % count
        let results = instances[instance].application.executor.tipResults
        let size = Int(random.draw(0...4))
        let transactions = size == 0 ? [] : [adversary.futureFiller[size - 1]]
        let header = BlockHeader(
            chainID: SimChain.chainID, height: height, round: round, previousHash: tip.blockHash,
            txRoot: Block.transactionRoot(transactions), receiptsRoot: results.receiptsRoot,
            stateRoot: results.stateRoot, proposer: key.publicKey,
            timeMs: max(localNow(instance), tip.timeMs + 1),
            nextValidatorsHash: instances[instance].application.validatorSet(
                forHeight: height + 1)?.hash ?? .zero)
        let block = Block(header: header, transactions: transactions)
        let signature = key.sign(
            ConsensusStatement.signingBytes(
                chainID: SimChain.chainID, kind: .proposal, height: height, round: round,
                body: Proposal.body(blockID: block.hash, polRound: nil)))
        let proposal = Proposal(round: round, polRound: nil, block: block, signature: signature)
        transmit(.proposal(proposal), from: instance) { _ in true }
        for kind in [StatementKind.prevote, .precommit] {
            let voteRound = base &+ random.draw(2...3_000)
            let vote = Vote(
                kind: kind, height: height, round: voteRound, blockID: nil,
                validatorIndex: UInt16(validator),
                signature: key.sign(
                    ConsensusStatement.voteSigningBytes(
                        chainID: SimChain.chainID, kind: kind, height: height, round: voteRound,
                        blockID: nil)))
            transmit(.vote(vote), from: instance) { _ in true }
        }
    }

    private mutating func sendExtremeSyncRequests(from instance: Int) {
        let extremes: [(UInt64, UInt32)] = [
            (UInt64.max, UInt32.max), (UInt64.max, 64), (UInt64.max - 1, 2), (0, UInt32.max),
            (1, UInt32.max), (UInt64.max / 2, UInt32.max),
            (random.draw(0...UInt64.max), UInt32.random(in: 0...UInt32.max, using: &random)),
        ]
        let (fromHeight, count) = extremes[Int.random(in: 0..<extremes.count, using: &random)]
        for target in honestInstances where instances[target].isUp {
            queue.push(
                .syncRequest(
                    instance: target, from: instance, fromHeight: fromHeight, count: count),
                atMs: nowMs + random.draw(1...20))
        }
    }

    private mutating func replayOldStatements(from instance: Int, copies: Int) {
        let old = adversary.remembered.filter { $0.height + 1 < maximumHonestHeight }
        guard !old.isEmpty else { return }
        for _ in 0..<4 {
            let message = old[Int.random(in: 0..<old.count, using: &random)]
            transmit(message, from: instance, copies: copies) { _ in true }
        }
    }

    private mutating func replayRecentStatements(from instance: Int) {
        for message in adversary.remembered.suffix(8) {
            transmit(message, from: instance, copies: 10) { _ in true }
        }
    }

    /// A validly signed transaction from the outsider key with arbitrary argument bytes.
    static func rawTransaction(arguments: [UInt8], validUntilHeight: UInt64, tag: UInt64)
        -> Transaction
    {
        var encoder = CanonicalEncoder()
        encoder.encode(tag)
        let uniqueID = Array(SHA256.hash(encoder.bytes).bytes.prefix(Transaction.uniqueIDByteCount))
        return Transaction.signed(
            chainID: SimChain.chainID, signer: SimChain.outsider, uniqueID: uniqueID,
            validUntilHeight: validUntilHeight, contract: "bill", method: "issue",
            arguments: arguments)
    }

    /// A peer's block-sync request, answered the way the node answers it (the shared plan).
    mutating func answerSync(at instance: Int, from peer: Int, fromHeight: UInt64, count: UInt32) {
        guard instances[instance].isUp else { return }
        let tip = instances[instance].blocks.lastHeight
        let maxBatch: UInt32 = 64
        if options.nodeMutations.contains(.uncheckedSyncArithmetic) {
            let bounds = BlockSyncPlan.uncheckedBounds(
                fromHeight: fromHeight, count: count, maxBatch: maxBatch)
            if bounds.overflowed || bounds.lower > bounds.upper {
                safetyViolation =
                    "I10 hostile input: sync request from \(fromHeight) for \(count) blocks "
                    + "overflows the reply range (\(bounds.lower)...\(bounds.upper)); the node traps here"
            }
            return
        }
        guard
            let heights = BlockSyncPlan.heights(
                fromHeight: fromHeight, count: count, tip: tip, maxBatch: maxBatch)
        else { return }
        guard heights.lowerBound >= 1, heights.upperBound <= tip, heights.count <= Int(maxBatch)
        else {
            safetyViolation = "I10 hostile input: sync plan \(heights) outside 1...\(tip)"
            return
        }
        sendDecisions(
            from: instance, to: instances[peer].validatorIndex, heights: heights, isCatchUp: false)
    }
}
