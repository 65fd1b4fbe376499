public import Ledger

extension GovernanceContract {
    /// Changes the validator set recorded in `gov/parameters`. Evidence is verified against
    /// the recorded set, and the node reads it to configure consensus from the next height.
    static func applyValidatorChange(
        _ change: GovernanceChange, in context: inout ContractContext
    ) throws(ContractError)
    {
        var parameters = parameters(in: context)
        switch change {
        case let .addValidator(validator):
            guard parameters.validators.count < ValidatorSet.maxValidators else {
                let limit = ValidatorSet.maxValidators
                throw ContractError(.invalidTransition, "the set already has \(limit) validators")
            }
            guard !parameters.validators.contains(where: { $0.publicKey == validator.publicKey })
            else {
                throw ContractError(.alreadyExists, "validator \(validator.name) is in the set")
            }
            parameters.validators.append(validator)
        case let .removeValidator(publicKey):
            guard parameters.validators.contains(where: { $0.publicKey == publicKey }) else {
                throw ContractError(.notFound, "\(publicKey.hex.prefix(16)) is not a validator")
            }
            guard parameters.validators.count > 1 else {
                throw ContractError(.invalidTransition, "the last validator cannot be removed")
            }
            parameters.validators.removeAll { $0.publicKey == publicKey }
        default:
            preconditionFailure("\(change.name) is not a validator change")
        }
        context.put(parameters, at: GovernanceKeys.parameters)
    }
}
