public import Ledger

// MARK: - What one faulty validator can make a replica store or check

extension Replica {
    /// Bytes of proposed blocks one height may hold: four full-size blocks, room for the
    /// current round's proposal, the locked and the valid block and one more; the first
    /// proposal of the current round is admitted even past it, so an honest proposer can
    /// never be crowded out.
    public static let maxProposalBytesPerHeight = 4 * ConsensusMessage.maxEncodedBytes
    /// Bytes of next-height messages buffered in all, and per signing validator: one
    /// full-size proposal plus its votes, so one validator cannot crowd out the others.
    public static let maxFutureMessageBytes = 2 * ConsensusMessage.maxEncodedBytes
    public static let maxFutureMessageBytesPerValidator =
        ConsensusMessage.maxEncodedBytes + 64 * 1024
    /// Next-height messages per signing validator: a proposal and two votes for each round
    /// a replica keeps, plus an equivocator's extra proposals.
    static let maxFutureMessagesPerValidator =
        2 * (Int(ReplicaConfiguration.maxRoundLead) + 1) + HeightState.maxProposalsPerRound
    /// Bytes of certified blocks buffered for later heights (they are real blocks, but a
    /// peer may replay up to 64 of them at once).
    public static let maxFutureDecisionBytes = 4 * ConsensusMessage.maxEncodedBytes

    /// The bytes a block takes in memory, to within a few per cent: the header plus every
    /// transaction's variable fields. Cheap (no encoding), so it can run on every arrival.
    public static func approximateByteCount(_ block: Block) -> Int {
        // Fixed-size fields: key 32, signature 64, height 8, lengths and version ~24.
        let perTransaction = 128
        let header = 512 + block.header.chainID.utf8.count
        return block.transactions.reduce(header) { total, tx in
            total + perTransaction + tx.chainID.utf8.count + tx.uniqueID.count
                + tx.contract.utf8.count + tx.method.utf8.count + tx.arguments.count
        }
    }

    static func approximateByteCount(_ message: ConsensusMessage) -> Int {
        switch message {
        case let .proposal(proposal): 256 + approximateByteCount(proposal.block)
        case let .decision(decision):
            64 * decision.certificate.signatures.count + approximateByteCount(decision.block)
        case .vote: 256
        }
    }

    /// True when `messageRound` is further ahead than the replica keeps state for.
    /// Compared before subtracting, so a round near `UInt64.max` cannot overflow.
    func isTooFarAhead(_ messageRound: UInt64) -> Bool {
        messageRound > round && messageRound - round > ReplicaConfiguration.maxRoundLead
    }

    /// Remembers the highest round each validator was heard in (one number per validator,
    /// whatever the round), so the f + 1 round skip works for rounds the replica does not
    /// keep messages for: a laggard many rounds behind still catches up.
    mutating func noteRound(_ messageRound: UInt64, from signer: Int) {
        guard signer >= 0, signer < validatorCount else { return }
        let known = heightState.highestRoundHeard[signer] ?? 0
        heightState.highestRoundHeard[signer] = max(known, messageRound)
    }

    /// The highest round that at least `count` validators have been heard in or beyond.
    func roundReachedByAtLeast(_ count: Int) -> UInt64? {
        let rounds = heightState.highestRoundHeard.values.sorted(by: >)
        guard count >= 1, rounds.count >= count else { return nil }
        return rounds[count - 1]
    }

    /// Whether a newly proposed block fits the height's byte budget. The first proposal of
    /// the current round always does: it is the one this replica acts on.
    func admitsProposedBlock(_ proposal: Proposal) -> Bool {
        if proposal.round == round, heightState.proposals[round]?.isEmpty ?? true { return true }
        let bytes = Replica.approximateByteCount(proposal.block)
        return bytes <= Replica.maxProposalBytesPerHeight - heightState.proposalBytes
    }

    mutating func storeBlock(_ block: Block) {
        let blockID = block.hash
        guard heightState.blocks[blockID] == nil else { return }
        let bytes = Replica.approximateByteCount(block)
        heightState.blocks[blockID] = block
        heightState.blockBytes[blockID] = bytes
        heightState.proposalBytes += bytes
    }

    /// Asks the application about a block only when the replica needs the answer: its
    /// round is the current one (a block for a far round may never be voted on, so a
    /// flood of them must not cost a validation each).
    mutating func requestValidationIfNeeded(_ blockID: Hash256, _ actions: inout [Action]) {
        guard heightState.validity[blockID] == nil, let block = heightState.blocks[blockID] else {
            return
        }
        guard heightState.validationRequested.insert(blockID).inserted else { return }
        if structuralProblem(block) != nil {
            heightState.validity[blockID] = false
        } else {
            actions.append(.validateBlock(block))
        }
    }

    /// On entering a round: validate its proposals (they may have arrived early), and
    /// release blocks of rounds before the previous one that nothing refers to any more.
    mutating func onRoundEntered(_ actions: inout [Action]) {
        for proposal in heightState.proposals[round] ?? [] {
            requestValidationIfNeeded(proposal.blockID, &actions)
        }
        releaseStaleBlocks()
    }

    /// Keeps the locked and valid blocks and any block someone precommitted (it may still
    /// be decided); a released block that is needed again comes back by retransmission or
    /// as a decision from a peer.
    private mutating func releaseStaleBlocks() {
        guard round >= 2 else { return }
        let stale = heightState.proposals.keys.filter { $0 < round - 1 }
        guard !stale.isEmpty else { return }
        var keep: Set<Hash256> = []
        if let locked = heightState.lockedBlock?.hash { keep.insert(locked) }
        if let valid = heightState.validBlock?.hash { keep.insert(valid) }
        for precommits in heightState.precommits.values {
            keep.formUnion(precommits.blockIDs)
        }
        for staleRound in stale {
            let kept = heightState.proposals[staleRound, default: []]
                .filter { keep.contains($0.blockID) }
            heightState.proposals[staleRound] = kept.isEmpty ? nil : kept
        }
        var referenced = keep
        for proposals in heightState.proposals.values {
            referenced.formUnion(proposals.map(\.blockID))
        }
        for blockID in Array(heightState.blocks.keys) where !referenced.contains(blockID) {
            heightState.blocks[blockID] = nil
            heightState.validity[blockID] = nil
            heightState.validationRequested.remove(blockID)
            heightState.proposalBytes -= heightState.blockBytes.removeValue(forKey: blockID) ?? 0
        }
    }

    // MARK: - The next height's messages and later decisions

    /// Buffers a verified message for the next height, within the round bound and the
    /// count and byte budgets (in all and per signer); later heights catch up by decisions.
    mutating func bufferFutureMessage(_ verified: VerifiedMessage) {
        let message = verified.message
        guard message.height > height, message.height - height == 1 else { return }
        // Indices of the next height's set (the driver verified it against that set).
        let nextCount = nextValidators?.count ?? ValidatorSet.maxValidators
        guard let signer = verified.signer, signer >= 0, signer < nextCount else { return }
        switch message {
        case let .proposal(proposal):
            guard proposal.round <= ReplicaConfiguration.maxRoundLead else { return }
        case let .vote(vote):
            guard vote.round <= ReplicaConfiguration.maxRoundLead else { return }
        case .decision:
            return
        }
        let bytes = Replica.approximateByteCount(message)
        let signerBytes = futureMessageBytes[signer, default: 0]
        let signerCount = futureMessageCounts[signer, default: 0]
        let totalBytes = futureMessageBytes.values.reduce(0, +)
        guard futureMessages.count < Replica.maxFutureMessages,
              signerCount < Replica.maxFutureMessagesPerValidator,
              bytes <= Replica.maxFutureMessageBytesPerValidator - signerBytes,
              bytes <= Replica.maxFutureMessageBytes - totalBytes
        else { return }
        futureMessages.append(verified)
        futureMessageBytes[signer] = signerBytes + bytes
        futureMessageCounts[signer] = signerCount + 1
    }

    /// After a commit: replays what was buffered for the new height, in arrival order.
    mutating func replayFutureMessages(_ actions: inout [Action]) {
        let buffered = futureMessages
        futureMessages = []
        futureMessageBytes = [:]
        futureMessageCounts = [:]
        for message in buffered where message.message.height == height {
            onMessage(message, &actions)
        }
    }

    /// Keeps a certified block of a later height (at most `maxFutureHeights` ahead, within
    /// the byte budget) to apply once the heights before it are decided.
    mutating func bufferFutureDecision(_ decision: Decision) {
        let decisionHeight = decision.block.height
        // The current height too, while the replica waits for the next set to commit it.
        guard decisionHeight >= height, decisionHeight - height <= Replica.maxFutureHeights else {
            return
        }
        guard futureDecisions[decisionHeight] == nil else { return }
        let bytes = Replica.approximateByteCount(decision.block)
        let total = futureDecisionBytes.values.reduce(0, +)
        guard bytes <= Replica.maxFutureDecisionBytes - total else { return }
        futureDecisions[decisionHeight] = decision
        futureDecisionBytes[decisionHeight] = bytes
    }

    mutating func takeFutureDecision() -> Decision? {
        futureDecisionBytes[height] = nil
        return futureDecisions.removeValue(forKey: height)
    }

    mutating func dropPastDecisions() {
        futureDecisions = futureDecisions.filter { $0.key > tip.height }
        futureDecisionBytes = futureDecisionBytes.filter { $0.key > tip.height }
    }

    // MARK: - Inspection (tests and the simulator's memory check)

    /// Proposals kept per (height, round): one, plus an equivocator's extra ones.
    public static var maxProposalsPerRound: Int { HeightState.maxProposalsPerRound }

    /// Bytes of proposed blocks held for the current height.
    public var bufferedProposalBytes: Int { heightState.proposalBytes }
    /// Bytes of messages held for the next height, and of decisions for later heights.
    public var bufferedFutureBytes: Int {
        futureMessageBytes.values.reduce(0, +) + futureDecisionBytes.values.reduce(0, +)
    }
    /// Rounds of the current height the replica keeps proposals or votes for.
    public var keptRoundCount: Int {
        Set(heightState.proposals.keys).union(heightState.prevotes.keys)
            .union(heightState.precommits.keys).count
    }
}
