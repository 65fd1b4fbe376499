import Consensus
import Contracts
import Execution
import Ledger

// MARK: - Carrying out replica actions over the simulated network

/// The simulator's side effects of a replica's actions: the same protocol the node
/// implements over RocksDB and TCP, here over memory and the simulated network. Actions
/// are collected and carried out by the cluster right after the shared loop returns, in
/// the order the replica emitted them.
struct SimEffects: ConsensusEffects {
    enum Effect {
        case persist(SafetyState)
        case broadcast(ConsensusMessage)
        case send(ConsensusMessage, to: Int)
        case sendDecisions(to: PublicKey, heights: ClosedRange<UInt64>)
        case schedule(TimeoutID, afterMs: UInt64)
        case report(EquivocationEvidence)
    }

    var effects: [Effect] = []

    mutating func persist(_ state: SafetyState) throws { effects.append(.persist(state)) }
    mutating func broadcast(_ message: ConsensusMessage) { effects.append(.broadcast(message)) }
    mutating func send(_ message: ConsensusMessage, to validator: Int) { effects.append(.send(message, to: validator)) }
    mutating func sendDecisions(to peer: PublicKey, heights: ClosedRange<UInt64>) {
        effects.append(.sendDecisions(to: peer, heights: heights))
    }
    mutating func schedule(_ timeout: TimeoutID, afterMs: UInt64) { effects.append(.schedule(timeout, afterMs: afterMs)) }
    mutating func report(_ evidence: EquivocationEvidence) { effects.append(.report(evidence)) }
}

extension Cluster {
    /// Runs one event through THE driver loop (`Replica.handle(_:application:effects:)`,
    /// the node's too), then carries out its effects and checks the invariants.
    mutating func handle(_ event: Replica.Event, at instance: Int) {
        guard var replica = instances[instance].replica else { return }
        // Moved out while it runs, so its dictionaries stay uniquely referenced and mutate
        // in place instead of being copied on every event.
        instances[instance].replica = nil
        var application = instances[instance].application
        var effects = SimEffects()
        // `persist` never throws here (memory), so nothing is lost to a throw.
        try? replica.handle(event, application: &application, effects: &effects)
        instances[instance].replica = replica
        proposedTxRoots.formUnion(application.proposedTxRoots)
        let delivered = application.delivered
        application.proposedTxRoots = []
        application.delivered = []
        instances[instance].application = application
        learnValidatorSets(from: instance)
        for delivery in delivered { checkDelivery(delivery, at: instance) }
        if let halt = application.executor.halt { stopOnHalt(instance, halt) }
        carryOut(effects.effects, from: instance)
        if eventsProcessed % 64 == 0 { checkFootprint(instance) }
    }

    private mutating func carryOut(_ effects: [SimEffects.Effect], from instance: Int) {
        for effect in effects {
            switch effect {
            case let .persist(state):
                // What is on disk only ever moves forward: a write of an older state (say,
                // carried out after a newer one) would let a restart sign again, differently,
                // what was already signed.
                if instances[instance].isHonest, !state.follows(instances[instance].persistedSafety) {
                    safetyViolation = "instance \(instance) persisted an older safety state "
                        + "(height \(state.height) round \(state.round) after height "
                        + "\(instances[instance].persistedSafety.height) round "
                        + "\(instances[instance].persistedSafety.round))"
                }
                instances[instance].persistedSafety = state
            case let .broadcast(message):
                // Twins hear each other too, as two separate nodes would.
                transmit(message, from: instance) { _ in true }
                if !instances[instance].isHonest { adversary.remember(message) }
            case let .send(message, to: target):
                transmit(message, from: instance) { $0 == target }
            case let .sendDecisions(to: peer, heights):
                guard let target = keys.firstIndex(where: { $0.publicKey == peer }) else { break }
                sendDecisions(from: instance, to: target, heights: heights)
            case let .schedule(id, afterMs):
                queue.push(.timer(instance: instance, incarnation: instances[instance].incarnation, id), atMs: nowMs + afterMs)
            case let .report(evidence):
                recordEvidence(evidence, from: instance)
            }
        }
    }

    /// Reads the durable chain (the block store) and sends each height as a decision.
    /// - Parameter isCatchUp: a consensus catch-up reply (counted against the amplification
    ///   bound), not an answer to a sync request.
    mutating func sendDecisions(
        from instance: Int, to target: Int, heights: ClosedRange<UInt64>, isCatchUp: Bool = true
    ) {
        let store = instances[instance].blocks
        var sent = 0
        for height in heights {
            guard let block = try? store.block(at: height), let certificate = store.certificate(at: height)
            else { break }
            transmit(.decision(Decision(block: block, certificate: certificate)), from: instance) { $0 == target }
            sent += 1
        }
        if isCatchUp, instances[instance].isHonest, byzantineValidators.contains(target) {
            catchUpSent.record(blocks: sent, atMs: nowMs)
        }
    }

    private mutating func recordEvidence(_ evidence: EquivocationEvidence, from instance: Int) {
        guard let validatorsThen = validatorSets.set(forHeight: evidence.height) else { return }
        do {
            try evidence.verify(validators: validatorsThen)
        } catch {
            // A Byzantine replica may report anything (one that ignores a set change names
            // keys by its stale set); only an honest one must report valid evidence.
            guard instances[instance].isHonest else { return }
            safetyViolation = "invalid evidence reported: \(error)"
            return
        }
        guard let accused = keys.firstIndex(where: { $0.publicKey == evidence.validator }) else {
            return
        }
        if !byzantineValidators.contains(accused) {
            safetyViolation = "honest validator \(accused) equivocated at height \(evidence.height) "
                + "(\(evidence.kind) round \(evidence.round), reported by instance \(instance))"
        }
        evidenceReported += 1
        if evidenceSamples.count < 64 { evidenceSamples.append(evidence) }
    }

    /// Encodes once, maybe corrupts, verifies once (every receiver holds the same validator
    /// set), then delivers copies with independent loss, delay and duplication.
    mutating func transmit(_ message: ConsensusMessage, from source: Int, copies extra: Int = 0,
                           to accepts: (Int) -> Bool) {
        var bytes = message.canonicalBytes
        if random.chance(perMille: network.corruptPerMille), !bytes.isEmpty {
            let position = Int.random(in: 0..<bytes.count, using: &random)
            bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
        }
        guard let verified = verifyForDelivery(bytes) else { return }
        for target in instances.indices where target != source && accepts(instances[target].validatorIndex) {
            guard canDeliver(message, from: source, to: target) else { continue }
            guard !random.chance(perMille: network.dropPerMille) else { continue }
            let copies = (random.chance(perMille: network.duplicatePerMille) ? Int.random(in: 2...3, using: &random) : 1)
                + extra
            for _ in 0..<copies {
                let delay = random.draw(network.minDelayMs...network.maxDelayMs)
                queue.push(.deliver(instance: target, verified), atMs: nowMs + delay)
            }
        }
    }

    mutating func verifyForDelivery(_ bytes: [UInt8]) -> VerifiedMessage? {
        let digest = SHA256.hash(bytes)
        if let cached = verifiedByDigest[digest] { return cached }
        do throws(VerificationError) {
            let unverified = try UnverifiedMessage(bytes: bytes)
            let verified = try unverified.verify(chainID: SimChain.chainID, sets: validatorSets)
            if verifiedByDigest.count >= Cluster.verifiedCacheLimit { verifiedByDigest = [:] }
            verifiedByDigest[digest] = verified
            return verified
        } catch {
            drops[error.label, default: 0] += 1
            return nil
        }
    }

    // MARK: - Invariants, checked on every delivery

    private mutating func checkDelivery(_ delivery: Delivery, at instance: Int) {
        let block = delivery.decision.block
        let blockID = block.hash
        do {
            // Against the set of its own height: a removed validator's signature, or one
            // by an index of an older set, fails here.
            guard let certifying = validatorSets.set(forHeight: block.height) else {
                safetyViolation = "instance \(instance) delivered height \(block.height) of an unknown set"
                return
            }
            try delivery.decision.certificate.verify(
                chainID: SimChain.chainID, validators: certifying, blockID: blockID, height: block.height)
        } catch {
            safetyViolation = "instance \(instance) delivered height \(block.height) with a bad certificate: \(error)"
            return
        }
        guard proposedTxRoots.contains(block.header.txRoot) else {
            safetyViolation = "height \(block.height) final with a payload nobody proposed"
            return
        }
        guard instances[instance].isHonest else { return }
        if let agreed = finalized[block.height], agreed != blockID {
            safetyViolation = "agreement (I1): height \(block.height) final as \(agreed) and \(blockID) (instance \(instance))"
            return
        }
        if finalized[block.height] == nil {
            finalized[block.height] = blockID
            // The first honest delivery of a height: check it against the reference.
            if let violation = oracle.apply(delivery.decision, claimedBill: workload.claimedBill) {
                safetyViolation = violation
                return
            }
        }
        // I4: an honest replica commits block h only over the state the certified header
        // names (finding 8: one that diverged must stop, not carry on).
        if delivery.committed, delivery.resultsBefore != delivery.headerResults {
            safetyViolation = "I4 state: instance \(instance) committed height \(block.height) over a state "
                + "other than its certified header's (state root \(delivery.resultsBefore.stateRoot) vs "
                + "\(delivery.headerResults.stateRoot))"
        }
    }

    private mutating func stopOnHalt(_ instance: Int, _ halt: ExecutionHalt) {
        guard instances[instance].isUp else { return }
        if instances[instance].isHonest {
            // A halt is only acceptable for the replica whose execution we corrupted.
            let expected = options.nodeMutations.contains(.divergentReplica) && instance == honestVictim
            if expected {
                halts[instance] = "\(halt)"
            } else {
                safetyViolation = "honest instance \(instance) halted: \(halt)"
            }
        }
        instances[instance].replica = nil
        instances[instance].incarnation += 1
    }

    /// I9: an honest replica's consensus buffers stay within the byte budget.
    private mutating func checkFootprint(_ instance: Int) {
        guard instances[instance].isHonest, let replica = instances[instance].replica else { return }
        let bytes = replica.footprintBytes
        largestReplicaBytes = max(largestReplicaBytes, bytes)
        if bytes > Cluster.replicaByteBudget {
            safetyViolation = "I9 memory: instance \(instance) buffers \(bytes) bytes in consensus "
                + "(budget \(Cluster.replicaByteBudget))"
        }
    }

    // MARK: - Faults

    mutating func apply(_ fault: ScriptedFault) {
        switch fault {
        case let .crash(instance):
            guard instances[instance].isUp else { return }
            instances[instance].replica = nil
            instances[instance].incarnation += 1
        case let .restart(instance, amnesia):
            guard !instances[instance].isUp, halts[instance] == nil else { return }
            restart(instance, amnesia: amnesia)
        case let .partition(isolatedInstances):
            isolated = Set(isolatedInstances)
        case .isolateLeader:
            let height = maximumHonestHeight + 1
            let set = validatorSets.set(forHeight: height) ?? validators
            let leader = set[Int(height % UInt64(set.count))].publicKey
            isolated = Set(instances.indices.filter {
                keys[instances[$0].validatorIndex].publicKey == leader
            })
        case .heal:
            isolated = []
        case let .network(conditions):
            network = conditions
        }
    }

    private mutating func restart(_ instance: Int, amnesia: Bool) {
        precondition(!amnesia || !instances[instance].isHonest, "amnesia makes a validator Byzantine")
        let validator = instances[instance].validatorIndex
        if amnesia { instances[instance].persistedSafety = .initial }
        // A process starts anew from its disk: executor state and mempool are rebuilt.
        instances[instance].application = makeApplication(
            store: instances[instance].store, isHonest: instances[instance].isHonest,
            keepsGenesisSet: instances[instance].keepsGenesisSet)
        let application = instances[instance].application
        let tip = application.executor.tip
        // The sets of the next two heights come from its own executed state, as on a node.
        guard let current = application.validatorSet(forHeight: tip.height + 1),
              let next = application.validatorSet(forHeight: tip.height + 2)
        else {
            safetyViolation = "instance \(instance) cannot name the validator sets after its tip"
            return
        }
        let configuration = replicaConfiguration(key: validator, validators: current)
        let safety = SafetyRules(
            chainID: SimChain.chainID, key: keys[validator], state: instances[instance].persistedSafety)
        instances[instance].incarnation += 1
        instances[instance].replica = Replica(
            configuration: configuration, safetyRules: safety, tip: tip, nextValidators: next)
        handle(.start(nowMs: localNow(instance)), at: instance)
    }
}

extension SafetyState {
    /// True when this state is `earlier` or comes after it: a later (height, round), or the
    /// same one with every statement `earlier` recorded.
    func follows(_ earlier: SafetyState) -> Bool {
        guard (height, round) == (earlier.height, earlier.round) else {
            return (height, round) > (earlier.height, earlier.round)
        }
        return earlier.records.allSatisfy(records.contains)
    }
}
