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
}
