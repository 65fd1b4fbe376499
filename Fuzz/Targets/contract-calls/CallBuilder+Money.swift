import Contracts
import FuzzSupport
import Ledger

/// Bills, claims, licence uses and evidence.
extension CallProgram {
    mutating func billCall(_ serial: UInt64) -> (ContractCall, SigningKey) {
        let issuer = sender([FuzzChain.hospital])
        let numbers = Pools.billNumbers(serial: serial)
        if input.bool() {
            let categories: CategoryAmounts? = input.bool() ? input.categories() : nil
            let total = categories.flatMap { input.chance(80) ? $0.total : nil } ?? input.amount()
            let number = input.pick(numbers)
            // Any digest, all zero (refused) among them.
            let checkDigest = input.bool() ? Hash256.zero : input.hash()
            let issue = BillIssue(
                number: number, checkDigest: checkDigest, issuedAtMs: input.time(around: timeMs),
                totalFen: total, categories: categories, payer: input.hash())
            return (.bill(.issue(issue)), issuer)
        }
        let categories: CategoryAmounts? = input.bool() ? input.categories() : nil
        let amount = categories.flatMap { input.chance(80) ? $0.total : nil } ?? input.amount()
        let reversal = BillReversal(
            billID: input.pick(Pools.billIDs),
            redNumber: input.chance(90)
                ? FuzzChain.medicalBill(5_000_000 + serial) : input.pick(numbers),
            amountFen: amount, categories: categories)
        return (.bill(.reverse(reversal)), issuer)
    }

    mutating func reimbursementCall(_ serial: UInt64) -> (ContractCall, SigningKey) {
        let insurer = sender(FuzzChain.insurers)
        let claimIDs = Pools.claimIDs(serial: serial)
        switch input.index(3) {
        case 0:
            let requests = (0..<1 + input.index(3)).map { _ in
                ClaimRequest(
                    claimID: input.pick(claimIDs),
                    billID: input.pick(Pools.billIDs),
                    category: input.bool() ? input.pick(BillCategory.allCases) : nil,
                    amountFen: input.amount())
            }
            return (.reimbursement(.claim(requests)), insurer)
        case 1:
            return (.reimbursement(.settle(claimIDs: input.subset(Pools.fixedClaimIDs))), insurer)
        default:
            return (.reimbursement(.release(claimIDs: input.subset(Pools.fixedClaimIDs))), insurer)
        }
    }

    mutating func useCall(_ serial: UInt64) -> (ContractCall, SigningKey) {
        let basis: UseBasis =
            input.chance(70) ? .grant(grantID: input.pick(Pools.fixedGrantIDs + ["G1D"]))
            : .statutoryDuty
        let call = LicenceUseCall.use(
            useID: input.pick(Pools.itemCodes), licenceID: input.pick(Pools.licenceIDs),
            purpose: input.pick(Pools.purposes), itemCode: input.pick(Pools.itemCodes),
            basis: basis)
        return (.licenceUse(call), sender([FuzzChain.civil, FuzzChain.police]))
    }

    /// Two statements by one validator key: conflicting and validly signed most of the
    /// time, otherwise identical, forged or for another chain.
    mutating func evidenceCall() -> (ContractCall, SigningKey) {
        let validator = FuzzChain.validatorKeys[input.index(FuzzChain.validatorKeys.count)]
        let kind = input.pick(StatementKind.allCases)
        let height = input.chance(70) ? UInt64(input.byte()) : input.edgyUInt64()
        let round = input.chance(70) ? UInt64(input.byte() % 4) : input.edgyUInt64()
        let chainID = input.chance(90) ? FuzzChain.chainID : "other-chain"
        let bodyA = input.chance(80) ? ConsensusStatement.voteBody(blockID: input.hash())
            : input.bytes(maxCount: 40)
        let bodyB = input.chance(80) ? ConsensusStatement.voteBody(blockID: input.hash())
            : input.bytes(maxCount: 40)
        func signature(_ body: [UInt8]) -> Signature {
            let bytes = ConsensusStatement.signingBytes(
                chainID: chainID, kind: kind, height: height, round: round, body: body)
            return validator.sign(bytes)
        }
        let forged = input.rarely(15)
        let evidence = EquivocationEvidence(
            chainID: chainID, validator: validator.publicKey, kind: kind, height: height,
            round: round, bodyA: bodyA, signatureA: forged ? Self.zeroSignature : signature(bodyA),
            bodyB: bodyB, signatureB: signature(bodyB))
        return (.evidence(.record(evidence)), sender([FuzzChain.auditor] + FuzzChain.allKeys))
    }
}
