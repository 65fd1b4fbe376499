import Ledger

// MARK: - Rounds, timeouts and proposing

extension Replica {
    mutating func startRound(_ newRound: UInt64, _ actions: inout [Action]) {
        if configuration.mutations.contains(.unlockOnHigherRound), newRound > round {
            // Mutation testing: the broken rule forgets the lock on entering a later round.
            heightState.lockedRound = nil
            heightState.lockedBlock = nil
        }
        round = newRound
        step = .propose
        onRoundEntered(&actions)
        let parameters = configuration.parameters
        // Everyone (the proposer too) arms the propose timeout: a proposer whose
        // application is slow must not stall the round.
        actions.append(.scheduleTimeout(
            TimeoutID(kind: .propose, height: height, round: round),
            afterMs: configuration.timeoutMs(base: parameters.timeoutProposeMs, round: round)))
        guard isProposer(height: height, round: round) else { return }
        if let validBlock = heightState.validBlock, let validRound = heightState.validRound {
            propose(validBlock, polRound: validRound, &actions)
        } else if let lockedBlock = heightState.lockedBlock {
            // Restored from SafetyState after a restart, without the votes that justified
            // it: offer it without a polRound; voters' own locks keep this safe.
            propose(lockedBlock, polRound: nil, &actions)
        } else {
            requestPayloadWhenDue(&actions)
        }
    }

    private mutating func requestPayloadWhenDue(_ actions: inout [Action]) {
        // From the earlier of the tip's stamped time and when this replica reached it: a
        // faulty proposer that stamped its block up to `maxClockDriftMs` ahead must not
        // make the next proposer wait that long (issue 17, finding 5). Header times stay
        // monotone anyway: a new block is stamped max(now, tip + 1).
        let due = min(tip.timeMs, tipReachedAtMs) + ReplicaConfiguration.minBlockIntervalMs
        guard nowMs >= due else {
            actions.append(.scheduleTimeout(
                TimeoutID(kind: .blockInterval, height: height, round: round), afterMs: due - nowMs))
            return
        }
        heightState.payloadRequestRound = round
        actions.append(.requestPayload(height: height, round: round))
    }

    mutating func onPayloadReady(
        height payloadHeight: UInt64, round payloadRound: UInt64, _ payload: ProposalPayload,
        _ actions: inout [Action]
    ) {
        guard started, payloadHeight == height, payloadRound == round, step == .propose else { return }
        guard heightState.payloadRequestRound == round else { return }
        heightState.payloadRequestRound = nil
        let waitMs = configuration.emptyBlockWaitMs
        if payload.transactions.isEmpty, waitMs > 0, heightState.emptyWaitRound != round {
            // Nothing to propose yet: wait once per round for transactions (or for
            // `.transactionsAvailable`), then propose whatever there is, even nothing.
            heightState.emptyWaitRound = round
            actions.append(.scheduleTimeout(
                TimeoutID(kind: .blockInterval, height: height, round: round), afterMs: waitMs))
            return
        }
        let header = BlockHeader(
            chainID: configuration.chainID, height: height, round: round, previousHash: tip.blockHash,
            txRoot: Block.transactionRoot(payload.transactions), receiptsRoot: payload.receiptsRoot,
            stateRoot: payload.stateRoot, proposer: safety.publicKey,
            timeMs: max(nowMs, tip.timeMs + 1), nextValidatorsHash: payload.nextValidatorsHash)
        let block = Block(header: header, transactions: payload.transactions)
        // Our own application built it; no need to ask it again.
        storeBlock(block)
        heightState.validity[block.hash] = true
        propose(block, polRound: nil, &actions)
    }

    private mutating func propose(_ block: Block, polRound: UInt64?, _ actions: inout [Action]) {
        guard let index else { return }
        let signed: SignedStatement
        do throws(SafetyError) {
            signed = try safety.signProposal(
                height: height, round: round, blockID: block.hash, polRound: polRound)
        } catch {
            // Already signed something else here before a restart: stay silent this round.
            return
        }
        if let state = signed.stateToPersist { actions.append(.persistSafetyState(state)) }
        let proposal = Proposal(round: round, polRound: polRound, block: block, signature: signed.signature)
        actions.append(.broadcast(.proposal(proposal)))
        heightState.ownStatements[round, default: []].append(.proposal(proposal))
        // Attach the proof of lock, so replicas that missed polRound's prevotes can accept.
        for prevote in proofOfLock() { actions.append(.broadcast(.vote(prevote))) }
        onProposal(proposal, signer: index, &actions)
    }

    /// Signs and sends a vote, falling back to nil when the lock forbids the block, and to
    /// re-sending the earlier vote when one was already signed here (e.g. before a crash).
    mutating func castVote(
        _ kind: StatementKind, blockID: Hash256?, polRound: UInt64? = nil, block: Block? = nil,
        _ actions: inout [Action]
    ) {
        step = kind == .prevote ? .prevote : .precommit
        // Not a validator at this height: follow the votes, sign nothing.
        guard let index else { return }
        let signedVote: Vote
        do throws(SafetyError) {
            let signed = try safety.signVote(
                kind: kind, height: height, round: round, blockID: blockID, polRound: polRound, block: block)
            if let state = signed.stateToPersist { actions.append(.persistSafetyState(state)) }
            signedVote = makeVote(kind, blockID: blockID, signature: signed.signature, index: index)
        } catch let .lockViolation(lockedRound, _) {
            precondition(blockID != nil, "a nil prevote never violates lock \(lockedRound)")
            castVote(kind, blockID: nil, &actions)
            return
        } catch let .conflicting(previous) {
            guard let earlier = recordedVote(previous, kind: kind, index: index) else { return }
            signedVote = earlier
        } catch {
            return
        }
        actions.append(.broadcast(.vote(signedVote)))
        heightState.ownStatements[round, default: []].append(.vote(signedVote))
        onVote(signedVote, &actions)
    }

    private func makeVote(
        _ kind: StatementKind, blockID: Hash256?, signature: Signature, index: Int
    ) -> Vote {
        Vote(
            kind: kind, height: height, round: round, blockID: blockID,
            validatorIndex: UInt16(index), signature: signature)
    }

    private func recordedVote(_ record: SignedRecord, kind: StatementKind, index: Int) -> Vote? {
        // `try?` would flatten a decoded nil vote into "undecodable"; keep them apart.
        var decoder = CanonicalDecoder(record.body)
        do {
            let blockID = try decoder.decodeOptional(Hash256.self)
            try decoder.finish()
            return makeVote(kind, blockID: blockID, signature: record.signature, index: index)
        } catch {
            return nil
        }
    }

    mutating func onTransactionsAvailable(_ actions: inout [Action]) {
        guard step == .propose, heightState.payloadRequestRound == nil,
              heightState.emptyWaitRound == round,
              isProposer(height: height, round: round),
              heightState.proposals[round] == nil
        else { return }
        requestPayloadWhenDue(&actions)
    }

    mutating func onTimeout(_ id: TimeoutID, _ actions: inout [Action]) {
        if id.kind == .retransmit {
            retransmit(&actions)
            return
        }
        guard id.height == height, id.round == round else { return }
        switch id.kind {
        case .propose where step == .propose:
            castVote(.prevote, blockID: nil, &actions)
        case .prevote where step == .prevote:
            castVote(.precommit, blockID: nil, &actions)
        case .precommit where round < UInt64.max:
            startRound(round + 1, &actions)
        case .blockInterval
            where step == .propose && heightState.payloadRequestRound == nil
                && heightState.proposals[round] == nil:
            requestPayloadWhenDue(&actions)
        default:
            break
        }
    }

    /// Gossip over a lossy network: re-send this round's own statements periodically.
    private mutating func retransmit(_ actions: inout [Action]) {
        // The previous round too: a peer still there needs our votes from it to time out
        // into this round (a stateless stand-in for Tendermint's per-peer round tracking).
        for statementRound in [round &- 1, round] where statementRound <= round {
            for statement in heightState.ownStatements[statementRound] ?? [] {
                actions.append(.broadcast(statement))
            }
        }
        for prevote in proofOfLock() { actions.append(.broadcast(.vote(prevote))) }
        actions.append(.scheduleTimeout(
            TimeoutID(kind: .retransmit, height: 0, round: 0),
            afterMs: configuration.parameters.timeoutProposeMs))
    }

    /// The prevote quorum that made the valid block valid (Tendermint gossips these for a
    /// proposal's polRound; without them a replica that missed the round cannot unlock).
    func proofOfLock() -> [Vote] {
        guard let validRound = heightState.validRound, let validBlock = heightState.validBlock else {
            return []
        }
        return heightState.prevotes[validRound]?.votes(for: .block(validBlock.hash)) ?? []
    }

    /// f + 1 validators in a higher round means at least one honest one is there: follow.
    mutating func trySkipRound(_ actions: inout [Action]) -> Bool {
        let needed = validators.maxFaulty + 1
        let kept = heightState.roundSenders.keys
            .filter { $0 > round && heightState.roundSenders[$0]!.nonzeroBitCount >= needed }
            .max()
        // Also rounds too far ahead to keep: f + 1 validators heard at or beyond a round
        // include an honest one, which only moves forward.
        let heard = roundReachedByAtLeast(needed).flatMap { $0 > round ? $0 : nil }
        guard let target = [kept, heard].compactMap({ $0 }).max() else { return false }
        startRound(target, &actions)
        return true
    }

    mutating func scheduleVoteTimeouts(_ actions: inout [Action]) {
        let parameters = configuration.parameters
        let delay = configuration.timeoutMs(base: parameters.timeoutVoteMs, round: round)
        if step >= .prevote, (heightState.prevotes[round]?.total ?? 0) >= quorum,
           heightState.prevoteTimeoutRounds.insert(round).inserted {
            actions.append(.scheduleTimeout(
                TimeoutID(kind: .prevote, height: height, round: round), afterMs: delay))
        }
        if (heightState.precommits[round]?.total ?? 0) >= quorum,
           heightState.precommitTimeoutRounds.insert(round).inserted {
            actions.append(.scheduleTimeout(
                TimeoutID(kind: .precommit, height: height, round: round), afterMs: delay))
        }
    }
}
