internal import Contracts
internal import Foundation
public import GovChainAPI
public import Ledger

/// Bills and claims (docs/api.md "Contract queries").
extension GovChainClient {
    public func bill(_ id: String, height: UInt64? = nil) async throws(ClientError) -> BillView? {
        try await record(
            BillView.self, "/v1/bills/\(try Self.checked(id, "bill id"))", height: height)
    }

    /// The claims and alerts of a bill and what new claims may still take; nil for an
    /// unknown bill.
    public func claims(ofBill id: String, height: UInt64? = nil) async throws(ClientError)
        -> BillClaimsView?
    {
        let path = Self.appending(
            height.map { ["height=\($0)"] } ?? [],
            to: "/v1/bills/\(try Self.checked(id, "bill id"))/claims")
        return try await get(BillClaimsView.self, path)
    }

    /// What new claims may still take from a bill, in fen; nil for an unknown bill.
    public func amountLeft(ofBill id: String) async throws(ClientError) -> UInt64? {
        try await claims(ofBill: id)?.leftFen
    }

    /// Every version of the bill record (claims, settlements, reversals), oldest first.
    public func billHistory(_ id: String, height: UInt64? = nil) async throws(ClientError)
        -> [HistoryEntryView<BillView>]
    {
        try await all(
            HistoryEntryView<BillView>.self, "/v1/bills/\(try Self.checked(id, "bill id"))/history",
            height: height)
    }

    /// A payer's bill wallet: every bill (red bills included) issued to the commitment,
    /// each with who claimed what of it.
    public func billWallet(ofPayer payer: Hash256, height: UInt64? = nil) async throws(ClientError)
        -> [WalletBillView]
    {
        try await all(WalletBillView.self, "/v1/payers/\(payer.hex)/bills", height: height)
    }

    /// A reimburser's claims in claim-id order: all, or those of one status (locked,
    /// settled, released).
    public func claims(
        ofReimburser organisation: String, status: String? = nil, height: UInt64? = nil
    )
        async throws(ClientError) -> [ClaimView]
    {
        let filter =
            try status.map { (status) throws(ClientError) in
                "?status=\(try Self.checked(status, "claim status"))"
            } ?? ""
        let path =
            "/v1/reimbursers/\(try Self.checked(organisation, "reimburser organisation id"))/claims"
            + filter
        return try await all(ClaimView.self, path, height: height)
    }

    /// Alerts across all bills with their standing: all, or the open or the closed ones.
    public func alerts(open: Bool? = nil, height: UInt64? = nil) async throws(ClientError)
        -> [AlertStandingView]
    {
        let filter = open.map { $0 ? "?status=open" : "?status=closed" } ?? ""
        return try await all(AlertStandingView.self, "/v1/alerts" + filter, height: height)
    }

    /// A reimburser's claim: claim ids are scoped by reimburser, so both name it.
    public func claim(reimburser: String, id: String, height: UInt64? = nil)
        async throws(ClientError) -> ClaimView?
    {
        let organisation = try Self.checked(reimburser, "reimburser organisation id")
        return try await record(
            ClaimView.self,
            "/v1/reimbursers/\(organisation)/claims/\(try Self.checked(id, "claim id"))",
            height: height)
    }

    /// Checks a printed bill: its id, check code and issue date (开票日期, `YYYY-MM-DD` in
    /// China time). The code never leaves this machine: its Argon2id digest
    /// (`BillCheckDigest`, about 0.1 s and 64 MiB, computed here) is compared with the
    /// record's.
    /// - Throws: `ClientError.invalidInput` for a code that is not 6 letters or digits, or
    ///   when Argon2id cannot have its memory.
    public func verifyBill(id: String, checkCode: String, issueDate: String)
        async throws(ClientError) -> BillCheck
    {
        // The salt takes the chain's hash: this process's suite, which the caller activated
        // (from a trusted genesis, or the node's status).
        let digest = try await Self.checkDigest(billID: id, checkCode: checkCode)
        let claims = try await claims(ofBill: id)
        guard let bill = try await bill(id) else {
            return BillCheck(billID: id, genuine: false, dateMatches: false, bill: nil, claims: [])
        }
        let matches = bill.checkDigest == digest.hex
        let dateMatches = ChinaCalendar.date(ofMs: bill.issuedAtMs).description == issueDate
        return BillCheck(
            billID: id, genuine: matches && dateMatches, dateMatches: dateMatches, bill: bill,
            claims: claims?.claims ?? [])
    }
}

extension GovChainClient {
    /// `BillCheckDigest.make` on a Dispatch thread: its 0.1 s of Argon2id would otherwise hold
    /// one of Swift's few cooperative threads, stalling every task queued behind it.
    static func checkDigest(billID: String, checkCode: String) async throws(ClientError) -> Hash256 {
        let result: Result<Hash256, BillCheckDigest.Failure> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(BillCheckDigest.Failure) {
                    continuation.resume(returning: .success(try BillCheckDigest.make(billID: billID, checkCode: checkCode)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        switch result {
        case let .success(digest): return digest
        case let .failure(error): throw .invalidInput("check code: \(error)")
        }
    }
}

/// The answer to `verifyBill`, computed on this machine (the check code never leaves it).
public struct BillCheck: Codable, Sendable, Hashable {
    public var billID: String
    /// The id, check code and issue date all match the recorded bill.
    public var genuine: Bool
    public var dateMatches: Bool
    @Nullable public var bill: BillView?
    public var claims: [ClaimView]

    enum CodingKeys: String, CodingKey {
        case genuine, bill, claims
        case billID = "bill_id"
        case dateMatches = "date_matches"
    }
}
