import Ledger

// MARK: - The Tendermint rules: prevote, lock, commit

extension Replica {
    /// Rules for the first proposal of the current round (paper lines 22 and 28): prevote
    /// the block if it is valid and compatible with the lock, else nil.
    mutating func tryPrevoteOnProposal(_ actions: inout [Action]) -> Bool {
        guard let proposal = heightState.proposals[round]?.first else { return false }
        // The round's proposer proposes before it prevotes. An honest one never sees a
        // foreign proposal for its own round; a Twin does, and must still make its own.
        if isProposer(height: height, round: round), heightState.ownStatements[round] == nil {
            return false
        }
        let blockID = proposal.blockID
        guard let isValid = heightState.validity[blockID] else { return false }
        // Mutation testing (`.ignoreLock`): the lock no longer constrains the prevote.
        let ignoresLock = configuration.mutations.contains(.ignoreLock)
        let lockedID = ignoresLock ? blockID : heightState.lockedBlock?.hash
        if let polRound = proposal.polRound {
            // Re-proposal: wait for the prevote quorum of polRound (or the timeout).
            let polQuorum = heightState.prevotes[polRound]?.hasQuorum(for: .block(blockID), quorumSize: quorum)
            guard polQuorum == true else { return false }
            let unlocked = (heightState.lockedRound.map { $0 <= polRound } ?? true) || lockedID == blockID
            castVote(.prevote, blockID: isValid && unlocked ? blockID : nil, polRound: polRound, &actions)
        } else {
            let unlocked = heightState.lockedRound == nil || lockedID == blockID
            castVote(.prevote, blockID: isValid && unlocked ? blockID : nil, &actions)
        }
        return true
    }

    /// Paper line 36: a prevote quorum for a valid proposed block in this round makes it
    /// the valid block, and, while still in the prevote step, locks it and precommits it.
    mutating func tryLockOnPrevoteQuorum(_ actions: inout [Action]) -> Bool {
        guard step >= .prevote, case let .block(blockID)? = heightState.prevotes[round]?.quorum else {
            return false
        }
        guard !heightState.lockUpdateRounds.contains(round) else { return false }
        guard let block = proposedBlock(blockID, round: round) else { return false }
        guard heightState.validity[blockID] == true else { return false }
        heightState.lockUpdateRounds.insert(round)
        heightState.validBlock = block
        heightState.validRound = round
        if step == .prevote {
            heightState.lockedBlock = block
            heightState.lockedRound = round
            castVote(.precommit, blockID: blockID, block: block, &actions)
        }
        return true
    }

    private func proposedBlock(_ blockID: Hash256, round proposalRound: UInt64) -> Block? {
        heightState.proposals[proposalRound]?.first { $0.blockID == blockID }?.block
    }

    /// Paper line 49: a precommit quorum for a block of this height, in any round, decides.
    /// The quorum itself proves validity (it contains an honest validator's check).
    mutating func tryCommit(_ actions: inout [Action]) -> Bool {
        // Until the application names the next height's set, nothing commits.
        guard nextValidators != nil else { return false }
        for precommitRound in heightState.precommits.keys.sorted() {
            guard case let .block(blockID)? = heightState.precommits[precommitRound]?.quorum,
                  let block = heightState.blocks[blockID]
            else { continue }
            let signatures = heightState.precommits[precommitRound]!.signatures(for: blockID)
            let certificate = CommitCertificate(
                height: height, round: precommitRound, blockID: blockID, signatures: signatures)
            if commit(block, certificate, &actions) { return true }
        }
        // Removing the buffered decision is progress even when it does not fit our chain.
        if let decision = takeFutureDecision() {
            _ = commit(decision.block, decision.certificate, &actions)
            return true
        }
        return false
    }

    /// Delivers the block, moves to the next height, and replays what was buffered for it.
    /// - Returns: false when the block does not extend our chain (which takes more than f
    ///   faulty validators); it is then refused rather than forking the local chain.
    @discardableResult
    mutating func commit(
        _ block: Block, _ certificate: CommitCertificate, _ actions: inout [Action]
    ) -> Bool {
        precondition(block.height == height, "commits happen in height order")
        guard block.header.previousHash == tip.blockHash else { return false }
        guard let next = nextValidators else { return false }
        actions.append(.deliverBlock(block, certificate))
        // The next height is certified by the set this block's header names; the one after
        // it comes from the application once it has executed this block (`.validatorSet`).
        validators = next
        nextValidators = nil
        index = safety.select(in: next)
        tip = ChainTip(block: block)
        tipReachedAtMs = nowMs
        heightState = HeightState()
        dropPastDecisions()
        startRound(0, &actions)
        replayFutureMessages(&actions)
        return true
    }
}
