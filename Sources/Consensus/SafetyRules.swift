public import Ledger

/// One statement this validator signed, kept so it can be re-sent verbatim.
public struct SignedRecord: Hashable, Sendable, CanonicalCodable {
    public var kind: StatementKind
    public var body: [UInt8]
    public var signature: Signature

    public init(kind: StatementKind, body: [UInt8], signature: Signature) {
        self.kind = kind
        self.body = body
        self.signature = signature
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(kind.rawValue)
        encoder.encode(bytes: body)
        encoder.encode(signature)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        let rawKind = try decoder.decode(UInt8.self)
        guard let kind = StatementKind(rawValue: rawKind) else {
            throw .invalidValue(type: "SignedRecord", reason: "unknown kind \(rawKind)")
        }
        self.kind = kind
        body = try decoder.decodeBytes(limit: 64)
        signature = try decoder.decode(Signature.self)
    }
}

/// What a validator must remember across crashes so that it never signs two conflicting
/// statements: the position of its last signature, its lock, and what it signed there.
/// The node persists it (fsync) on every `.persistSafetyState` action, before releasing
/// the statement that action covers.
public struct SafetyState: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    /// Height and round of the last signed statement (0/0 with `kind` nil: nothing yet).
    public var height: UInt64
    public var round: UInt64
    /// The last kind signed at (height, round); proposal < prevote < precommit.
    public var kind: StatementKind?
    /// The round and block of this validator's last non-nil precommit at `height`.
    public var lockedRound: UInt64?
    public var lockedBlockID: Hash256?
    /// The locked block itself, so a restarted validator can still re-propose it: if every
    /// replica that held it restarted without it, locked validators would never unlock.
    public var lockedBlock: Block?
    /// Every statement signed at (height, round), at most one per kind.
    public var records: [SignedRecord]

    public init(
        height: UInt64, round: UInt64, kind: StatementKind?, lockedRound: UInt64?,
        lockedBlockID: Hash256?, lockedBlock: Block? = nil, records: [SignedRecord]
    ) {
        self.height = height
        self.round = round
        self.kind = kind
        self.lockedRound = lockedRound
        self.lockedBlockID = lockedBlockID
        self.lockedBlock = lockedBlock
        self.records = records
    }

    /// The state of a validator that has never signed anything.
    public static let initial = SafetyState(
        height: 0, round: 0, kind: nil, lockedRound: nil, lockedBlockID: nil, records: [])

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(SafetyState.version)
        encoder.encode(height)
        encoder.encode(round)
        encoder.encode(kind.map { $0.rawValue + 1 } ?? 0)
        encoder.encode(lockedRound)
        encoder.encode(lockedBlockID)
        encoder.encode(lockedBlock)
        encoder.encode(records)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "SafetyState", supported: 1...1)
        height = try decoder.decode(UInt64.self)
        round = try decoder.decode(UInt64.self)
        let rawKind = try decoder.decode(UInt8.self)
        if rawKind == 0 {
            kind = nil
        } else if let decoded = StatementKind(rawValue: rawKind - 1) {
            kind = decoded
        } else {
            throw .invalidValue(type: "SafetyState", reason: "unknown kind \(rawKind)")
        }
        lockedRound = try decoder.decodeOptionalUInt64()
        lockedBlockID = try decoder.decodeOptional(Hash256.self)
        lockedBlock = try decoder.decodeOptional(Block.self)
        records = try decoder.decodeArray(of: SignedRecord.self, limit: 3)
        guard (lockedRound == nil) == (lockedBlockID == nil) else {
            throw .invalidValue(type: "SafetyState", reason: "lock round and block must be set together")
        }
        if let lockedBlock, lockedBlock.hash != lockedBlockID {
            throw .invalidValue(type: "SafetyState", reason: "locked block does not match its id")
        }
    }
}

/// Why SafetyRules refused to sign.
public enum SafetyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// (height, round) is below the last signed one.
    case stale(height: UInt64, round: UInt64, lastHeight: UInt64, lastRound: UInt64)
    /// A kind already passed in this round was requested without a record to re-send.
    case stepPassed(kind: StatementKind, last: StatementKind)
    /// A different statement was already signed here; `previous` is the one to re-send.
    case conflicting(previous: SignedRecord)
    /// A prevote for a block other than the locked one without a newer prevote quorum.
    case lockViolation(lockedRound: UInt64, polRound: UInt64?)

    public var description: String {
        switch self {
        case let .stale(height, round, lastHeight, lastRound):
            "(\(height), \(round)) is below the last signed (\(lastHeight), \(lastRound))"
        case let .stepPassed(kind, last): "\(kind) requested after \(last) in the same round"
        case let .conflicting(previous): "a different \(previous.kind) was already signed here"
        case let .lockViolation(lockedRound, polRound):
            "locked in round \(lockedRound); polRound \(polRound.map(String.init) ?? "none") does not unlock"
        }
    }
}

/// A signature plus, when it changed the safety state, the state to persist before the
/// signed statement may leave the process.
public struct SignedStatement: Sendable {
    public var signature: Signature
    public var stateToPersist: SafetyState?
}

/// The only holder of the validator's consensus keys. It signs a proposal or vote only when
/// that cannot conflict with anything it signed before (per its `SafetyState`), and it
/// returns the identical earlier signature when asked to sign the same statement again.
///
/// It may hold two keys, the current one and the next (issue 15 item 2): when governance
/// rotates this validator's consensus key, the set that names the new key takes over at a
/// height boundary, and `select(in:)` switches to it there, with no restart. The safety
/// state belongs to the validator, not the key, so it carries over the switch: the new key
/// never signs anything that conflicts with what the old one signed.
public struct SafetyRules: Sendable {
    public let chainID: String
    private let keys: [SigningKey]
    private var active = 0
    public private(set) var state: SafetyState
    /// Broken rules for mutation testing; the replica copies its configuration's set here.
    var mutations: Set<ConsensusMutation> = []

    /// - Parameters:
    ///   - key: the validator's consensus key; nothing else in the process should hold it.
    ///   - state: the last persisted state (`.initial` for a brand-new validator).
    public init(chainID: String, key: SigningKey, state: SafetyState) {
        self.init(chainID: chainID, keys: [key], state: state)
    }

    /// - Parameter keys: the consensus keys this validator holds, in order of preference
    ///   (the current, then the next after a rotation); at least one.
    public init(chainID: String, keys: [SigningKey], state: SafetyState) {
        precondition(!keys.isEmpty, "SafetyRules needs a key")
        self.chainID = chainID
        self.keys = keys
        self.state = state
    }

    /// The key that signs now.
    public var publicKey: PublicKey { keys[active].publicKey }

    /// Every consensus key held.
    public var publicKeys: [PublicKey] { keys.map(\.publicKey) }

    /// Makes the first held key that `set` names the signing key and returns its index in
    /// `set`; nil (and the signing key unchanged) when the set names none of them.
    public mutating func select(in set: ValidatorSet) -> Int? {
        for (position, key) in keys.enumerated() {
            if let index = set.index(of: key.publicKey) {
                active = position
                return index
            }
        }
        return nil
    }

    /// Signs a proposal for `blockID` at (height, round).
    public mutating func signProposal(
        height: UInt64, round: UInt64, blockID: Hash256, polRound: UInt64?
    ) throws(SafetyError) -> SignedStatement {
        try sign(
            kind: .proposal, height: height, round: round,
            body: Proposal.body(blockID: blockID, polRound: polRound), lockCheck: { _ in })
    }

    /// Signs a prevote or precommit. A prevote for a block other than the locked one needs
    /// `polRound`: a round at or after the lock in which the caller saw a prevote quorum
    /// for that block. A non-nil precommit moves the lock; pass its `block` so the lock
    /// survives a restart with the block itself.
    public mutating func signVote(
        kind: StatementKind, height: UInt64, round: UInt64, blockID: Hash256?, polRound: UInt64? = nil,
        block: Block? = nil
    ) throws(SafetyError) -> SignedStatement {
        precondition(kind != .proposal, "use signProposal")
        precondition(block == nil || block?.hash == blockID, "the block must be the one voted for")
        let lockIsBroken =
            mutations.contains(.ignoreLock) || mutations.contains(.unlockOnHigherRound)
        return try sign(
            kind: kind, height: height, round: round, body: ConsensusStatement.voteBody(blockID: blockID),
            lockCheck: { (lock: SafetyState) throws(SafetyError) in
                guard kind == .prevote, let blockID, let lockedRound = lock.lockedRound,
                      lock.lockedBlockID != blockID
                else { return }
                // Mutation testing: both broken rules let a later round's prevote pass.
                if lockIsBroken, lockedRound < round { return }
                guard let polRound, polRound >= lockedRound, polRound < round else {
                    throw .lockViolation(lockedRound: lockedRound, polRound: polRound)
                }
            })
            .applyingLock(kind == .precommit ? blockID : nil, block: block, round: round, to: &state)
    }

    private mutating func sign(
        kind: StatementKind, height: UInt64, round: UInt64, body: [UInt8],
        lockCheck: (SafetyState) throws(SafetyError) -> Void
    ) throws(SafetyError) -> SignedStatement {
        var next = state
        if (height, round) < (state.height, state.round) {
            throw .stale(height: height, round: round, lastHeight: state.height, lastRound: state.round)
        }
        if (height, round) == (state.height, state.round), let last = state.kind {
            if let record = state.records.first(where: { $0.kind == kind }) {
                guard record.body == body else { throw .conflicting(previous: record) }
                return SignedStatement(signature: record.signature, stateToPersist: nil)
            }
            guard kind.rawValue > last.rawValue else { throw .stepPassed(kind: kind, last: last) }
        } else {
            next.records = []
            if height > state.height {
                next.lockedRound = nil
                next.lockedBlockID = nil
                next.lockedBlock = nil
            }
        }
        try lockCheck(next)
        let signature = keys[active].sign(ConsensusStatement.signingBytes(
            chainID: chainID, kind: kind, height: height, round: round, body: body))
        next.height = height
        next.round = round
        next.kind = kind
        next.records.append(SignedRecord(kind: kind, body: body, signature: signature))
        state = next
        return SignedStatement(signature: signature, stateToPersist: next)
    }
}

extension SignedStatement {
    /// Moves the lock after a fresh non-nil precommit, in both the live and persisted state.
    fileprivate func applyingLock(
        _ blockID: Hash256?, block: Block?, round: UInt64, to state: inout SafetyState
    ) -> SignedStatement {
        guard let blockID, stateToPersist != nil else { return self }
        state.lockedRound = round
        state.lockedBlockID = blockID
        state.lockedBlock = block
        return SignedStatement(signature: signature, stateToPersist: state)
    }
}
