import Consensus
import Ledger

// MARK: - Carrying out replica actions over the simulated network

extension Cluster {
    mutating func handle(_ event: Replica.Event, at instance: Int) {
        guard var replica = instances[instance].replica else { return }
        var application = instances[instance].application
        let actions = replica.handle(event, application: &application)
        instances[instance].replica = replica
        instances[instance].application = application
        proposedTxRoots.formUnion(application.proposedTxRoots)
        instances[instance].application.proposedTxRoots = []
        let delivered = application.delivered
        instances[instance].application.delivered = []
        for decision in delivered { checkDelivery(decision, at: instance) }
        execute(actions, from: instance)
    }

    private mutating func execute(_ actions: [Replica.Action], from instance: Int) {
        for action in actions {
            switch action {
            case let .persistSafetyState(state):
                instances[instance].persistedSafety = state
            case let .broadcast(message):
                // Twins hear each other too, as two separate nodes would.
                transmit(message, from: instance) { _ in true }
            case let .send(message, to: target):
                transmit(message, from: instance) { $0 == target }
            case let .sendDecisions(to: target, heights):
                // The durable chain is the block store.
                let chain = instances[instance].application.chain
                for height in heights where height >= 1 && height <= UInt64(chain.count) {
                    transmit(.decision(chain[Int(height) - 1]), from: instance) { $0 == target }
                }
            case let .scheduleTimeout(id, afterMs):
                queue.push(.timer(instance: instance, incarnation: instances[instance].incarnation, id), atMs: nowMs + afterMs)
            case let .reportEvidence(evidence):
                recordEvidence(evidence)
            case .requestPayload, .validateBlock, .deliverBlock:
                preconditionFailure("application actions are served inside Replica.handle(_:application:)")
            }
        }
    }

    private mutating func recordEvidence(_ evidence: EquivocationEvidence) {
        do {
            try evidence.verify(validators: validators)
        } catch {
            safetyViolation = "invalid evidence reported: \(error)"
            return
        }
        guard let accused = validators.index(of: evidence.validator) else { return }
        if !byzantineValidators.contains(accused) {
            safetyViolation = "honest validator \(accused) equivocated at height \(evidence.height)"
        }
        evidenceReported += 1
        if evidenceSamples.count < 64 { evidenceSamples.append(evidence) }
    }

    /// Encodes once, maybe corrupts, verifies once (every receiver holds the same validator
    /// set), then delivers copies with independent loss, delay and duplication.
    private mutating func transmit(_ message: ConsensusMessage, from source: Int, to accepts: (Int) -> Bool) {
        var bytes = message.canonicalBytes
        if random.chance(perMille: network.corruptPerMille), !bytes.isEmpty {
            let position = Int.random(in: 0..<bytes.count, using: &random)
            bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
        }
        guard let verified = verifyForDelivery(bytes) else { return }
        for target in instances.indices where target != source && accepts(instances[target].validatorIndex) {
            guard canDeliver(message, from: source, to: target) else { continue }
            guard !random.chance(perMille: network.dropPerMille) else { continue }
            let copies = random.chance(perMille: network.duplicatePerMille) ? Int.random(in: 2...3, using: &random) : 1
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
            let verified = try unverified.verify(chainID: Cluster.chainID, validators: validators)
            if verifiedByDigest.count >= Cluster.verifiedCacheLimit { verifiedByDigest = [:] }
            verifiedByDigest[digest] = verified
            return verified
        } catch {
            drops[error.label, default: 0] += 1
            return nil
        }
    }

    // MARK: - Invariants, checked on every delivery

    private mutating func checkDelivery(_ decision: Decision, at instance: Int) {
        let block = decision.block
        let blockID = block.hash
        do {
            try decision.certificate.verify(
                chainID: Cluster.chainID, validators: validators, blockID: blockID, height: block.height)
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
            safetyViolation = "agreement: height \(block.height) final as \(agreed) and \(blockID) (instance \(instance))"
            return
        }
        finalized[block.height] = blockID
        checkChainLink(decision, at: instance)
    }

    /// Honest chains must link, and carry the roots of their previous block.
    private mutating func checkChainLink(_ decision: Decision, at instance: Int) {
        let chain = instances[instance].application.chain
        let position = chain.count - 1
        guard position >= 0, chain[position] == decision else { return }
        let parent = position == 0 ? Cluster.genesisTip.blockHash : chain[position - 1].block.hash
        let header = decision.block.header
        let roots = SimApplication.expectedRoots(parent: parent)
        guard header.height == UInt64(position + 1), header.previousHash == parent,
              header.receiptsRoot == roots.receipts, header.stateRoot == roots.state
        else {
            safetyViolation = "instance \(instance) chain broken at height \(header.height)"
            return
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
            guard !instances[instance].isUp else { return }
            restart(instance, amnesia: amnesia)
        case let .partition(isolatedInstances):
            isolated = Set(isolatedInstances)
        case .isolateLeader:
            let height = maximumHonestHeight + 1
            let leader = Int(height % UInt64(validators.count))
            isolated = Set(instances.indices.filter { instances[$0].validatorIndex == leader })
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
        let configuration = replicaConfiguration(validator: validator)
        let safety = SafetyRules(
            chainID: Cluster.chainID, key: keys[validator], state: instances[instance].persistedSafety)
        instances[instance].incarnation += 1
        instances[instance].replica = Replica(
            configuration: configuration, safetyRules: safety, tip: instances[instance].application.tip)
        handle(.start(nowMs: localNow(instance)), at: instance)
    }
}
