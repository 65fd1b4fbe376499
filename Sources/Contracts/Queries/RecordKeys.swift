public import Ledger

/// The state keys of the records clients verify with sparse-Merkle proofs
/// (`GET /v1/state/proof?key=...`). Public so a client never rebuilds a key path by hand.
///
/// Every single-record answer of `ContractQueries` is the record stored at one of these
/// keys: its proof at a height is the proof of this key under that height's state root.
public enum RecordKeys {
    public static func licence(_ id: String) -> StateKey { LicenceKeys.licence(id) }
    public static func grant(_ id: String) -> StateKey { GrantKeys.grant(id) }
    public static func bill(_ id: String) -> StateKey { BillKeys.bill(id) }
    public static func claim(reimburser: String, id: String) -> StateKey {
        ClaimKeys.claim(reimburser, id)
    }
    public static func dutyItem(_ code: String) -> StateKey { DutyKeys.item(code) }
    public static func licenceType(_ code: String) -> StateKey { LicenceTypeKeys.type(code) }
    /// A use record (`UseRecord.licenceID`, `.height` and `.txID` name it).
    public static func use(licenceID: String, height: UInt64, txID: Hash256) -> StateKey {
        LicenceKeys.use(licenceID, height: height, txID: txID)
    }
    public static func mandate(_ id: String) -> StateKey { MandateKeys.mandate(id) }
    /// The chain parameters: admin threshold and the validator set.
    public static var chainParameters: StateKey { GovernanceKeys.parameters }
    public static func proposal(_ id: String) -> StateKey { GovernanceKeys.proposal(id) }
    public static func organisation(_ id: String) -> StateKey { GovernanceKeys.organisation(id) }
    /// A registered key with its organisation and roles.
    public static func key(_ publicKey: PublicKey) -> StateKey { GovernanceKeys.key(publicKey) }
    /// An alert (`BillAlert.billID`, `.height` and the raising tx name it).
    public static func alert(billID: String, height: UInt64, txID: Hash256) -> StateKey {
        BillKeys.alert(billID, height: height, txID: txID)
    }
}
