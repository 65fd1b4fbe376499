public import Ledger

/// The state keys of the records clients verify with sparse-Merkle proofs
/// (`GET /v1/state/proof?key=...`). Public so a client never rebuilds a key path by hand.
public enum RecordKeys {
    public static func licence(_ id: String) -> StateKey { LicenceKeys.licence(id) }
    public static func grant(_ id: String) -> StateKey { GrantKeys.grant(id) }
    public static func bill(_ id: String) -> StateKey { BillKeys.bill(id) }
    public static func claim(reimburser: String, id: String) -> StateKey {
        ClaimKeys.claim(reimburser, id)
    }
    public static func organisation(_ id: String) -> StateKey { GovernanceKeys.organisation(id) }
    public static func mandate(_ id: String) -> StateKey { MandateKeys.mandate(id) }
    public static func dutyItem(_ code: String) -> StateKey { DutyKeys.item(code) }
    public static func licenceType(_ code: String) -> StateKey { LicenceTypeKeys.type(code) }
    public static func proposal(_ id: String) -> StateKey { GovernanceKeys.proposal(id) }
}
