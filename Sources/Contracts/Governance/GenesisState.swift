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
    // Genesis is the first governance decision: every licence type a genesis key may issue
    // is registered, issued by those keys' organisations, with no validity limit and no
    // reminder; governance registers more types, or replaces these rules, afterwards.
    var issuers: [String: Set<String>] = [:]
    for organisation in genesis.organisations {
        for key in organisation.keys {
            for type in key.licenceTypes { issuers[type, default: []].insert(organisation.id) }
        }
    }
    for code in issuers.keys.sorted() {
        let type = LicenceType(code: code, name: code, issuers: Array(issuers[code] ?? []))
        overlay.put(type.canonicalBytes, for: LicenceTypeKeys.type(code))
    }
    _ = overlay.commitTransaction(height: 0, txIndex: 0, txID: genesis.hash)
    return overlay.blockWrites
}
