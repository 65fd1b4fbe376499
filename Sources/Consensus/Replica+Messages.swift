import Ledger

// MARK: - Message intake: buffering, catch-up, equivocation

extension Replica {
    mutating func onMessage(_ verified: VerifiedMessage, _ actions: inout [Action]) {
        let message = verified.message
        if case let .decision(decision) = message {
            onDecision(decision, &actions)
            return
        }
        if message.height < height {
            replyWithDecisions(to: verified.signerKey, from: message.height, &actions)
            return
        }
        if message.height > height {
            bufferFutureMessage(verified)
            return
        }
        switch message {
        case let .proposal(proposal):
            guard let signer = verified.signer else { return }
            onProposal(proposal, signer: signer, &actions)
        case let .vote(vote):
            onVote(vote, &actions)
        case .decision:
            preconditionFailure("decisions are handled above")
        }
    }

    /// A peer still works on an older height: ask the driver to send it the decisions it
    /// lacks from the block store, at most once per peer per propose timeout, so neither a
    /// chatty laggard nor a replayer of old votes can make us flood it.
    private mutating func replyWithDecisions(
        to peer: PublicKey?, from peerHeight: UInt64, _ actions: inout [Action]
    ) {
        guard let peer, !safety.publicKeys.contains(peer), peerHeight >= 1 else { return }
        // Per peer, whatever height it claims: a replayed old vote names an old height, and
        // replaying votes of many heights must not buy many replies (issue 17, finding 6).
        if let last = catchUpReplies[peer], nowMs < last.timeMs + configuration.parameters.timeoutProposeMs {
            return
        }
        let last = min(tip.height, peerHeight + Replica.catchUpBatch - 1)
        actions.append(.sendDecisions(to: peer, heights: peerHeight...last))
        catchUpReplies[peer] = (peerHeight, nowMs)
    }

    private mutating func onDecision(_ decision: Decision, _ actions: inout [Action]) {
        let decisionHeight = decision.block.height
        if decisionHeight == height, nextValidators != nil {
            commit(decision.block, decision.certificate, &actions)
        } else {
            bufferFutureDecision(decision)
        }
    }

    mutating func onProposal(_ proposal: Proposal, signer: Int, _ actions: inout [Action]) {
        noteRound(proposal.round, from: signer)
        guard !isTooFarAhead(proposal.round) else { return }
        var known = heightState.proposals[proposal.round, default: []]
        if known.contains(proposal) { return }
        if let first = known.first {
            reportEquivocation(
                kind: .proposal, round: proposal.round, signer: signer,
                first: (Proposal.body(blockID: first.blockID, polRound: first.polRound), first.signature),
                second: (Proposal.body(blockID: proposal.blockID, polRound: proposal.polRound),
                         proposal.signature),
                &actions)
            guard known.count < HeightState.maxProposalsPerRound else { return }
        }
        let blockID = proposal.blockID
        let isNewBlock = heightState.blocks[blockID] == nil
        // Over the byte budget: drop it unstored; its proposer re-sends it while its round
        // is current, when it is admitted first.
        if isNewBlock, !admitsProposedBlock(proposal) { return }
        known.append(proposal)
        heightState.proposals[proposal.round] = known
        markSender(signer, round: proposal.round)
        if isNewBlock { storeBlock(proposal.block) }
        // Lazily: a block for a later round is validated when that round starts.
        if proposal.round == round { requestValidationIfNeeded(blockID, &actions) }
    }

    /// The checks consensus itself owns; the application checks the rest.
    func structuralProblem(_ block: Block) -> String? {
        let header = block.header
        guard header.height == height else { return "wrong height" }
        guard header.previousHash == tip.blockHash else { return "wrong parent" }
        guard header.timeMs > tip.timeMs else { return "time not after parent" }
        guard header.nextValidatorsHash == nextValidators?.hash else {
            return "names another next validator set"
        }
        guard header.timeMs <= nowMs + ReplicaConfiguration.maxClockDriftMs else {
            return "time too far ahead"
        }
        guard block.transactions.count <= Int(configuration.parameters.maxBlockTransactions) else {
            return "too many transactions"
        }
        return nil
    }

    mutating func onVote(_ vote: Vote, _ actions: inout [Action]) {
        noteRound(vote.round, from: Int(vote.validatorIndex))
        guard !isTooFarAhead(vote.round) else { return }
        let empty = VoteSet(validatorCount: validatorCount)
        let outcome: VoteSet.Outcome
        if vote.kind == .prevote {
            outcome = heightState.prevotes[vote.round, default: empty].add(vote, quorumSize: quorum)
        } else {
            outcome = heightState.precommits[vote.round, default: empty].add(vote, quorumSize: quorum)
        }
        switch outcome {
        case .added:
            markSender(Int(vote.validatorIndex), round: vote.round)
        case .duplicate:
            break
        case let .conflicting(first):
            reportEquivocation(
                kind: vote.kind, round: vote.round, signer: Int(vote.validatorIndex),
                first: (ConsensusStatement.voteBody(blockID: first.blockID), first.signature),
                second: (ConsensusStatement.voteBody(blockID: vote.blockID), vote.signature),
                &actions)
        }
    }

    private mutating func markSender(_ signer: Int, round messageRound: UInt64) {
        heightState.roundSenders[messageRound, default: 0] |= UInt32(1) << UInt32(signer)
    }

    private mutating func reportEquivocation(
        kind: StatementKind, round messageRound: UInt64, signer: Int,
        first: ([UInt8], Signature), second: ([UInt8], Signature), _ actions: inout [Action]
    ) {
        guard first.0 != second.0 else { return }
        let evidence = EquivocationEvidence(
            chainID: configuration.chainID, validator: validators[signer].publicKey,
            kind: kind, height: height, round: messageRound,
            bodyA: first.0, signatureA: first.1, bodyB: second.0, signatureB: second.1)
        guard heightState.reportedEvidence.insert(evidence.hash).inserted else { return }
        actions.append(.reportEvidence(evidence))
    }
}
