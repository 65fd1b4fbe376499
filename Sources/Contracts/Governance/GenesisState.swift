public import Ledger

/// The state a chain starts from: chain parameters (chain id, admin threshold, validators
/// for checking evidence), organisations and their keys with roles, each with a history
/// record at height 0.
/// - Precondition: `genesis.validate()` passed (the node checks untrusted files first).
public func genesisState(_ genesis: Genesis) -> [StateWrite] {
    let overlay = Overlay(base: InMemoryState())
    let parameters = ChainParameters(
        chainID: genesis.chainID, adminThreshold: genesis.adminThreshold,
        validators: genesis.validators)
    overlay.put(parameters.canonicalBytes, for: GovernanceKeys.parameters)
    for organisation in genesis.organisations {
        let record = OrganisationRecord(
            id: organisation.id, name: organisation.name, creditCode: organisation.creditCode,
            keys: organisation.keys.map(\.publicKey))
        overlay.put(record.canonicalBytes, for: GovernanceKeys.organisation(organisation.id))
        for key in organisation.keys {
            let keyRecord = KeyRecord(
                publicKey: key.publicKey, organisationID: organisation.id, roles: key.roles,
                licenceTypes: key.licenceTypes)
            overlay.put(keyRecord.canonicalBytes, for: GovernanceKeys.key(key.publicKey))
        }
    }
    _ = overlay.commitTransaction(height: 0, txIndex: 0, txID: genesis.hash)
    return overlay.blockWrites
}
