public import Ledger

/// Every bound on a list or string that a contract writes into state, in one place.
///
/// Each constant is used twice: by the record's decoder, and by the write path, which
/// refuses a call that would go past it (`StatusCode.limitReached` for lists; strings come
/// only from call arguments, decoded with the same limit). So a stored record that fails
/// to decode always means corruption, never "a participant added one too many", and no
/// participant can write a record that stops every node from reading it.
public enum RecordLimits {
    /// Red (reversal) bills one bill may list (`BillRecord.redBillIDs`).
    public static let redBillsPerBill = 256
    /// Keys one organisation may hold (`OrganisationRecord.keys`).
    public static let keysPerOrganisation = 4096
    /// Licence types one key may issue (`KeyRecord.licenceTypes`).
    public static let licenceTypesPerKey = 256
    /// Approvals one proposal may record (`Proposal.approvals`).
    public static let approvalsPerProposal = 4096
    /// Validators in the recorded set (`ChainParameters.validators`).
    public static let validators = ValidatorSet.maxValidators
    /// Admitted follower nodes (`FollowerList`): each holds a peer connection to every
    /// validator, so the bound is on what validators serve.
    public static let followers = 64
    /// Entries in each list of a grant's scope (`GrantScope`).
    public static let scopeEntriesPerList = 256
    /// Entries in each list of a registry record (a service item's organisations, licence
    /// types and data categories; a licence type's issuing organisations).
    public static let entriesPerRegistryList = 256
    /// Bytes of an id, code or organisation id in a call or record.
    public static let nameBytes = 128
    /// Bytes of an organisation's or validator's display name.
    public static let organisationNameBytes = 256
    /// Bytes of a licence's suspension or revocation reason.
    public static let statusReasonBytes = 512

    /// Refuses a write that would leave `count` entries in a list bounded by `limit`.
    static func require(_ count: Int, atMost limit: Int, _ list: String) throws(ContractError) {
        guard count <= limit else {
            throw ContractError(
                .limitReached, "\(list) would hold \(count) entries; the limit is \(limit)")
        }
    }
}
