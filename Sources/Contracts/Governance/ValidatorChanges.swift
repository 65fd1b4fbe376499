public import Ledger

extension GovernanceContract {
    // These change the validator set recorded in `gov/parameters`. Evidence is verified
    // against the recorded set, and the node reads it to configure consensus from the next
    // height. The checks keep what `ValidatorSet` requires (1...31 distinct keys), so the
    // recorded set can always be built into one.

    static func addValidator(_ validator: Validator, in context: inout ContractContext)
        throws(ContractError)
    {
        var parameters = try parameters(in: context)
        guard parameters.validators.count < RecordLimits.validators else {
            throw ContractError(
                .invalidTransition, "the set already has \(RecordLimits.validators) validators")
        }
        guard !parameters.validators.contains(where: { $0.publicKey == validator.publicKey })
        else {
            throw ContractError(.alreadyExists, "validator \(validator.name) is in the set")
        }
        if let conflict = Validator.keyConflict(in: parameters.validators + [validator]) {
            throw ContractError(.alreadyExists, conflict)
        }
        try requireUnused([validator.publicKey, validator.networkKey], in: context)
        parameters.validators.append(validator)
        context.put(parameters, at: GovernanceKeys.parameters)
    }

    static func removeValidator(_ publicKey: PublicKey, in context: inout ContractContext)
        throws(ContractError)
    {
        var parameters = try parameters(in: context)
        guard parameters.validators.contains(where: { $0.publicKey == publicKey }) else {
            throw ContractError(.notFound, "\(publicKey.hex.prefix(16)) is not a validator")
        }
        guard parameters.validators.count > 1 else {
            throw ContractError(.invalidTransition, "the last validator cannot be removed")
        }
        parameters.validators.removeAll { $0.publicKey == publicKey }
        context.put(parameters, at: GovernanceKeys.parameters)
    }

    /// Replaces the keys of the validator whose consensus key is `validator`, keeping its
    /// name, address and position (so indexes in certificates mean the same validator).
    static func rotateValidatorKeys(
        _ validator: PublicKey, consensusKey: PublicKey, networkKey: PublicKey,
        in context: inout ContractContext
    ) throws(ContractError) {
        var parameters = try parameters(in: context)
        guard let position = parameters.validators.firstIndex(where: { $0.publicKey == validator }) else {
            throw ContractError(.notFound, "\(validator.hex.prefix(16)) is not a validator's consensus key")
        }
        let old = parameters.validators[position]
        guard old.publicKey != consensusKey || old.networkKey != networkKey else {
            throw ContractError(.invalidTransition, "the rotation changes no key of \(old.name)")
        }
        // A key keeps its one use for life: the old network key (which signed handshakes)
        // never becomes the consensus key, nor the old consensus key the network key.
        guard consensusKey != old.networkKey, networkKey != old.publicKey else {
            throw ContractError(.alreadyExists, "the rotation swaps \(old.name)'s keys between their uses")
        }
        var rotated = parameters.validators
        rotated[position].publicKey = consensusKey
        rotated[position].networkKey = networkKey
        if let conflict = Validator.keyConflict(in: rotated) {
            throw ContractError(.alreadyExists, conflict)
        }
        try requireUnused(
            [consensusKey, networkKey].filter { $0 != old.publicKey && $0 != old.networkKey }, in: context)
        parameters.validators = rotated
        context.put(parameters, at: GovernanceKeys.parameters)
    }

    /// Whether `key` is a consensus or network key of the recorded (latest) set.
    static func isValidatorKey(_ key: PublicKey, in context: ContractContext) throws(ContractError) -> Bool {
        try parameters(in: context).validators.contains { $0.publicKey == key || $0.networkKey == key }
    }

    /// Refuses a new validator key that already serves as an organisation key (it would sign
    /// transactions) or a follower's network key (two nodes would claim one identity).
    private static func requireUnused(_ keys: [PublicKey], in context: ContractContext) throws(ContractError) {
        let followerList = try followers(in: context)
        for key in keys {
            guard !context.exists(GovernanceKeys.key(key)) else {
                throw ContractError(.alreadyExists, "\(key.hex.prefix(16)) is an organisation key")
            }
            guard !followerList.contains(key) else {
                throw ContractError(.alreadyExists, "\(key.hex.prefix(16)) is a follower's key")
            }
        }
    }
}
