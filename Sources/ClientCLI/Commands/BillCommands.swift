import ArgumentParser
import Client
import GovChainAPI
import Contracts
import Ledger

/// A bill number from options: medical (code + number) or tax e-invoice (20 digits).
struct BillNumberOptions: ParsableArguments {
    @Option(
        name: .long, help: "medical (fiscal medical e-bill) or tax (fully digitised tax e-invoice)."
    )
    var kind: String = "medical"
    @Option(name: .long, help: "Medical bill: the 8-digit 票据代码.") var code: String?
    @Option(name: .long, help: "Medical: the 10-digit 票据号码; tax: the 20-digit number.") var number:
        String

    func validate() throws { _ = try billNumber() }

    func billNumber() throws -> BillNumber {
        let value: BillNumber
        switch kind {
        case "medical":
            guard let code else { throw ValidationError("a medical bill needs --code (8 digits)") }
            value = .medical(code: code, number: number)
        case "tax":
            guard code == nil else { throw ValidationError("a tax e-invoice has no --code") }
            value = .taxInvoice(number: number)
        default: throw ValidationError("--kind must be medical or tax")
        }
        do { try value.validate() } catch { throw ValidationError("\(error)") }
        return value
    }
}

/// Optional split of an amount by reimbursement category.
struct CategoryOptions: ParsableArguments {
    @Option(name: .customLong("pooled-fund-fen"), help: "Pooled fund (统筹) share in fen.")
    var pooledFundFen: UInt64?
    @Option(name: .customLong("personal-account-fen"), help: "Personal account share in fen.")
    var personalAccountFen: UInt64?
    @Option(name: .customLong("self-paid-fen"), help: "Self-paid share in fen.") var selfPaidFen:
        UInt64?

    var amounts: CategoryAmounts? {
        guard pooledFundFen != nil || personalAccountFen != nil || selfPaidFen != nil else {
            return nil
        }
        return CategoryAmounts(
            pooledFund: pooledFundFen ?? 0, personalAccount: personalAccountFen ?? 0,
            selfPaid: selfPaidFen ?? 0)
    }

    func check(total: UInt64) throws {
        guard let amounts else { return }
        guard amounts.total == total else {
            throw ValidationError("the category amounts must sum to \(total) fen")
        }
    }
}

/// `govchain bill ...`: e-bills (medical and tax e-invoices) and their reversal (冲红).
struct BillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bill",
        abstract: "Issue and reverse e-bills; show, verify, list a payer's wallet, trace a bill.",
        subcommands: [
            Issue.self, Reverse.self, Show.self, Verify.self, Wallet.self, History.self,
            Import.self, Alerts.self,
        ])

    struct Issue: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Issue a medical e-bill or a tax e-invoice (bill-issuer key). Amounts in fen.",
            discussion: """
                Both kinds carry the printed 6-character check code (校验码). It is never sent: \
                its Argon2id digest, salted by the bill id, is computed here (about 0.1 s, \
                64 MiB) and only the digest goes on chain.
                Example: govchain --node http://127.0.0.1:8600 --key keys/peoples-hospital.key \
                bill issue \
                --kind medical --code 36012026 --number 0000000001 --check-code 7F3K9Q \
                --total-fen 50000 --payer-commitment 5f0c...e1
                Example: ... bill issue --kind tax --number 26362000000000000001 --check-code \
                K8M2Q4 --total-fen 12000 --payer-commitment 5f0c...e1
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var bill: BillNumberOptions
        @Option(
            name: .customLong("check-code"),
            help: "The printed 6-character 校验码 (0-9 A-Z); only its digest is sent.")
        var checkCode: String
        @Option(name: .customLong("total-fen"), help: "Total in fen (1/100 yuan).") var totalFen:
            UInt64
        @OptionGroup var categories: CategoryOptions
        @Option(
            name: .customLong("issued-at-ms"), help: "开票日期 in ms since the epoch (default: now).")
        var issuedAtMs: UInt64?
        @OptionGroup var payer: PayerOptions

        func validate() throws {
            guard totalFen > 0 else { throw ValidationError("--total-fen must be positive") }
            try categories.check(total: totalFen)
            do { _ = try BillCheckDigest.normalise(checkCode) } catch {
                throw ValidationError("--check-code: \(error)")
            }
        }

        func run() async throws {
            let number = try bill.billNumber()
            let payer = try payer.commitment()
            let issuedAtMs = issuedAtMs ?? nowMs()
            try await connection.submit(summary: "issued bill \(number.billID) of \(yuan(totalFen))") { _ in
                // Here, once the chain's suite is active: the salt takes the chain's hash
                // (SM3 on an sm2-sm3 chain), and a digest salted otherwise never verifies.
                let digest: Hash256
                do {
                    digest = try BillCheckDigest.make(billID: number.billID, checkCode: checkCode)
                } catch {
                    throw ValidationError("--check-code: \(error)")
                }
                return .bill(.issue(BillIssue(
                    number: number, checkDigest: digest, issuedAtMs: issuedAtMs, totalFen: totalFen,
                    categories: categories.amounts, payer: payer)))
            }
        }
    }

    struct Reverse: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reverse (冲红) all or part of a bill with a red bill.",
            discussion: """
                The red bill's number is given with --kind/--code/--number.
                Example: govchain --node http://127.0.0.1:8600 --key keys/peoples-hospital.key \
                bill reverse \
                --bill-id M360120260000000001 --kind medical --code 36012026 --number 0000000002 \
                --amount-fen 10000
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(
            name: .customLong("bill-id"),
            help: "The bill to reverse (M<code><number> or T<number>).")
        var billID: String
        @OptionGroup var red: BillNumberOptions
        @Option(name: .customLong("amount-fen"), help: "Amount reversed, in fen.") var amountFen:
            UInt64
        @OptionGroup var categories: CategoryOptions

        func validate() throws {
            try validateID(billID, "--bill-id")
            guard amountFen > 0 else { throw ValidationError("--amount-fen must be positive") }
            try categories.check(total: amountFen)
        }

        func run() async throws {
            let reversal = BillReversal(
                billID: billID, redNumber: try red.billNumber(), amountFen: amountFen,
                categories: categories.amounts)
            try await connection.submit(
                .bill(.reverse(reversal)), summary: "reversed \(yuan(amountFen)) of \(billID)")
        }
    }

    struct Show: AsyncParsableCommand, VerifyingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a bill with its claimed and remaining amounts.",
            discussion: """
                \(verifyingNote)
                Example: govchain --node http://127.0.0.1:8600 bill show --bill-id \
                M360120260000000001
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var trust: TrustOptions
        @OptionGroup var asOf: AsOfOptions
        @Option(name: .customLong("bill-id"), help: "The bill.") var billID: String

        func validate() throws { try validateID(billID, "--bill-id") }

        func run() async throws {
            try await connection.read(trust: trust) { reader, output in
                let (bill, provenance) = try await reader.record(
                    "bill \(billID)", proven: { try await $0.bill(billID, height: asOf.height) },
                    view: BillView.init, unproven: { try await $0.bill(billID, height: asOf.height) })
                output.emit(bill, provenance) { BillCommand.describe(bill) }
            }
        }
    }

    struct Verify: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a printed bill: number, check code and issue date.",
            discussion: """
                Prints genuine or not, what was claimed and what is left; exits 0 either way. \
                The issue date (开票日期, China time) is part of the check. The code never \
                leaves this machine: its Argon2id digest is computed here and compared with \
                the bill's record. Both kinds (medical, tax) verify by their check code.
                Example: govchain --node http://127.0.0.1:8600 bill verify --bill-id \
                M360120260000000001 --check-code 7F3K9Q --issue-date 2026-12-07
                Example: govchain --node http://127.0.0.1:8600 bill verify --bill-id \
                T26362000000000000001 --check-code K8M2Q4 --issue-date 2026-12-07
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("bill-id"), help: "The bill.") var billID: String
        @Option(name: .customLong("check-code"), help: "The printed 6-character check code.")
        var checkCode: String
        @Option(name: .customLong("issue-date"), help: "The printed issue date, YYYY-MM-DD.")
        var issueDate: String

        func validate() throws {
            try validateID(billID, "--bill-id")
            do { _ = try BillCheckDigest.normalise(checkCode) } catch {
                throw ValidationError("--check-code: \(error)")
            }
            let parts = issueDate.split(separator: "-")
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
            else { throw ValidationError("--issue-date must be YYYY-MM-DD") }
        }

        func run() async throws {
            try await connection.perform { client, output in
                let check = try await client.verifyBill(
                    id: billID, checkCode: checkCode, issueDate: issueDate)
                output.emit(check) {
                    "\(billID): \(check.genuine ? "GENUINE" : "NOT GENUINE")"
                        + (check.bill == nil ? " (no such bill on chain)" : "")
                        + (check.dateMatches || check.bill == nil ? "" : " (issue date differs)")
                        + (check.bill.map {
                            ", status \($0.status), \(yuan($0.leftFen)) left to claim"
                        } ?? "")
                        + ", \(check.claims.count) claim(s)"
                }
            }
        }
    }

    struct Wallet: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a payer's bills (red bills included).",
            discussion: """
                Example: govchain --node http://127.0.0.1:8600 bill wallet --payer-commitment \
                5f0c...e1
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var payer: PayerOptions

        func run() async throws {
            let commitment = try payer.commitment()
            try await connection.perform { client, output in
                let bills = try await client.billWallet(ofPayer: commitment)
                output.emitList("bills", bills) { entry in
                    let bill = entry.bill
                    // Who claimed what of the bill, one line each.
                    let claims = entry.claims.map { claim in
                        "\n    \(claim.reimburserOrganisation) claim \(claim.claimID): "
                            + "\(yuan(claim.amountFen)) \(claim.category ?? "whole bill") \(claim.status)"
                    }
                    return "\(bill.id) \(bill.status) total \(yuan(bill.totalFen)), \(yuan(bill.leftFen)) left, by \(bill.issuerOrganisation)"
                        + claims.joined()
                }
            }
        }
    }

    struct History: AsyncParsableCommand, ConnectedCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show every version of a bill (claims, settlements, reversals): the bill trail.",
            discussion:
                "Example: govchain --node http://127.0.0.1:8600 bill history --bill-id M360120260000000001"
        )

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("bill-id"), help: "The bill.") var billID: String

        func validate() throws { try validateID(billID, "--bill-id") }

        func run() async throws {
            try await connection.perform { client, output in
                let versions = try await client.billHistory(billID)
                output.emitList("versions", versions) { version in
                    "height \(version.height) tx \(version.txID.prefix(16)): "
                        + (version.record.map { bill in
                            "\(bill.status), locked \(bill.lockedFen), settled \(bill.settledFen), reversed \(bill.reversedFen) fen"
                        } ?? "deleted")
                }
            }
        }
    }

    static func describe(_ bill: BillView) -> String {
        """
        bill \(bill.id) (\(bill.kind)), issued by \(bill.issuerOrganisation)
          status \(bill.status), total \(yuan(bill.totalFen)) (\(bill.totalFen) fen)
          reversed \(bill.reversedFen), locked \(bill.lockedFen), settled \(bill.settledFen), left \(bill.leftFen) fen
          payer \(bill.payer)
        """
            + (bill.redBillIDs.isEmpty
                ? "" : "\n  red bills \(bill.redBillIDs.joined(separator: ", "))")
            + (bill.reversesBillID.map { "\n  reverses \($0)" } ?? "")
    }
}
