public import Contracts
public import Ledger

/// A scripted day on the fuzz chain that calls every method of every contract once or
/// more. Its transactions seed the decoders' corpora, and the records it makes state write
/// seed the stored-record target, so every corpus starts from encodings the real code made.
public enum FuzzScenario {
    public static let residenceLicence = FuzzChain.licenceID(
        type: FuzzChain.residenceType, issuer: FuzzChain.policeCode, serial: "S1")
    public static let businessLicence = FuzzChain.licenceID(
        type: FuzzChain.businessType, issuer: FuzzChain.marketCode, serial: "S2")
    static let renewedLicence = LicenceIdentifier.make(
        typeCode: FuzzChain.residenceType, issuerCreditCode: FuzzChain.policeCode,
        serial: "S1", version: 2)!
    static let farFutureMs = FuzzChain.genesisTimeMs + 365 * FuzzChain.dayMs

    /// Terms of a grant the holder signs itself.
    static var holderGrant: GrantTerms {
        GrantTerms(
            grantID: "G1", holder: FuzzChain.holders[0], granteeOrganisation: "civil",
            scope: GrantScope(licenceIDs: [residenceLicence]), purpose: "P1",
            consent: Consent(mode: .remote, channel: "app"), validFromMs: 0,
            validUntilMs: farFutureMs, delegable: true)
    }

    /// Two prevotes of validator 0 for different blocks at one (height, round).
    public static var equivocation: EquivocationEvidence {
        let signer = FuzzChain.validatorKeys[0]
        func statement(_ label: String) -> ([UInt8], Signature) {
            let body = ConsensusStatement.voteBody(blockID: SHA256.hash(Array(label.utf8)))
            let bytes = ConsensusStatement.signingBytes(
                chainID: FuzzChain.chainID, kind: .prevote, height: 5, round: 1, body: body)
            return (body, signer.sign(bytes))
        }
        let (bodyA, signatureA) = statement("a")
        let (bodyB, signatureB) = statement("b")
        return EquivocationEvidence(
            chainID: FuzzChain.chainID, validator: signer.publicKey, kind: .prevote, height: 5,
            round: 1, bodyA: bodyA, signatureA: signatureA, bodyB: bodyB, signatureB: signatureB)
    }

    /// Every call of the script with its sender, in order.
    public static var calls: [(ContractCall, SigningKey)] {
        governanceCalls + licenceCalls + authorisationCalls + billCalls
    }

    /// ITEM2 is a duty of the police for residence licences: the script's statutory-duty use.
    static let dutyItem = DutyItem(
        itemCode: "ITEM2", name: "residence check", purpose: "P2", organisations: ["police"],
        licenceTypes: [FuzzChain.residenceType])

    static var governanceCalls: [(ContractCall, SigningKey)] {
        let admins = FuzzChain.admins
        let register = GovernanceChange.registerOrganisation(
            id: "newco", name: "New Co", creditCode: FuzzChain.creditCode("91360000MA0000009"))
        let addKey = GovernanceChange.addKey(
            organisationID: "newco", publicKey: FuzzChain.outsiders[0].publicKey,
            roles: [.billIssuer], licenceTypes: [])
        let grantRole = GovernanceChange.grantRole(
            publicKey: FuzzChain.police.publicKey, role: .licenceIssuer,
            licenceTypes: ["990009"])
        return [
            (.governance(.propose(proposalID: "P1", change: register)), admins[0]),
            (.governance(.approve(proposalID: "P1")), admins[1]),
            (.governance(.propose(proposalID: "P2", change: addKey)), admins[0]),
            (.governance(.approve(proposalID: "P2")), admins[2]),
            (.governance(.propose(proposalID: "P3", change: grantRole)), admins[1]),
            // The service items the script's uses name (a DutyItem record for the corpus).
            (
                .governance(.propose(proposalID: "P4", change: .registerDutyItem(dutyItem))),
                admins[0]
            ),
            (.governance(.approve(proposalID: "P4")), admins[1]),
            (.evidence(.record(equivocation)), FuzzChain.auditor),
        ]
    }

    static var licenceCalls: [(ContractCall, SigningKey)] {
        func issue(_ id: String, _ type: String) -> ContractCall {
            .licence(
                .issue(
                    LicenceIssue(
                        licenceID: id, licenceType: type, holder: FuzzChain.holders[0],
                        fileDigest: SHA256.hash(Array(id.utf8)), validFromMs: 0,
                        validUntilMs: farFutureMs)))
        }
        let renewal = LicenceRenewal(
            licenceID: residenceLicence, newLicenceID: renewedLicence,
            fileDigest: SHA256.hash(Array(renewedLicence.utf8)),
            validFromMs: FuzzChain.genesisTimeMs, validUntilMs: farFutureMs)
        return [
            (issue(residenceLicence, FuzzChain.residenceType), FuzzChain.police),
            (issue(businessLicence, FuzzChain.businessType), FuzzChain.market),
            (.licence(.suspend(licenceID: businessLicence, reason: "audit")), FuzzChain.market),
            (.licence(.resume(licenceID: businessLicence)), FuzzChain.market),
            (.licence(.revoke(licenceID: businessLicence, reason: "closed")), FuzzChain.market),
            (.licence(.renew(renewal)), FuzzChain.police),
        ]
    }

    static var authorisationCalls: [(ContractCall, SigningKey)] {
        let terms = holderGrant
        let holderKey = FuzzChain.holderKeys[0]
        let consent = Attestation.holderSignature(
            holderKey: holderKey.publicKey,
            signature: holderKey.sign(terms.signingBytes(chainID: FuzzChain.chainID)))
        var attested = terms
        attested.grantID = "G2"
        attested.scope = GrantScope(licenceTypes: [FuzzChain.residenceType])
        let use = LicenceUseCall.use(
            useID: "U1", licenceID: renewedLicence, purpose: "P1", itemCode: "P1",
            basis: .grant(grantID: "G1"))
        let duty = LicenceUseCall.use(
            useID: "U2", licenceID: renewedLicence, purpose: "P2", itemCode: "ITEM2",
            basis: .statutoryDuty)
        let revocation = Attestation.holderSignature(
            holderKey: holderKey.publicKey,
            signature: holderKey.sign(
                AuthorisationCall.revocationSigningBytes(
                    chainID: FuzzChain.chainID, grantID: "G1")))
        return [
            (
                .authorisation(
                    .bindHolderKey(holder: FuzzChain.holders[0], holderKey: holderKey.publicKey)),
                FuzzChain.identityProvider
            ),
            (.authorisation(.grant(terms, consent)), FuzzChain.civil),
            (.authorisation(.grant(attested, .identityProvider)), FuzzChain.identityProvider),
            (.licenceUse(use), FuzzChain.civil),
            (.licenceUse(duty), FuzzChain.police),
            (
                .authorisation(
                    .delegate(
                        grantID: "G1", newGrantID: "G1D", agentOrganisation: "audit",
                        validUntilMs: farFutureMs - 1)), FuzzChain.civil
            ),
            (.authorisation(.revoke(grantID: "G2", .identityProvider)), FuzzChain.identityProvider),
            (.authorisation(.revoke(grantID: "G1", revocation)), FuzzChain.civil),
        ]
    }

    static var billCalls: [(ContractCall, SigningKey)] {
        let medical = FuzzChain.medicalBill(1)
        let split = CategoryAmounts(pooledFund: 6_000, personalAccount: 3_000, selfPaid: 1_000)
        let issue = BillIssue(
            // Stand-in check digests: the fuzzers never verify a code (Argon2id is slow).
            number: medical, checkDigest: SHA256.hash(Array("fuzz check 1".utf8)),
            issuedAtMs: FuzzChain.genesisTimeMs,
            totalFen: 10_000, categories: split, payer: FuzzChain.holders[1])
        let tax = BillIssue(
            number: .taxInvoice(number: "25362000000000000001"),
            checkDigest: SHA256.hash(Array("fuzz check 2".utf8)),
            issuedAtMs: FuzzChain.genesisTimeMs, totalFen: 5_000, categories: nil,
            payer: FuzzChain.holders[2])
        let billID = medical.billID
        let claims = [
            ClaimRequest(claimID: "C1", billID: billID, category: .pooledFund, amountFen: 2_000),
            ClaimRequest(claimID: "C2", billID: billID, category: .selfPaid, amountFen: 500),
        ]
        let reversal = BillReversal(
            billID: billID, redNumber: FuzzChain.medicalBill(900_001), amountFen: 1_000,
            categories: CategoryAmounts(pooledFund: 1_000))
        let insurer = FuzzChain.insurers[0]
        return [
            (.bill(.issue(issue)), FuzzChain.hospital),
            (.bill(.issue(tax)), FuzzChain.hospital),
            (.reimbursement(.claim(claims)), insurer),
            (.reimbursement(.settle(claimIDs: ["C1"])), insurer),
            (.reimbursement(.release(claimIDs: ["C2"])), insurer),
            (.bill(.reverse(reversal)), FuzzChain.hospital),
        ]
    }

    /// The script's transactions, signed.
    public static var transactions: [Transaction] {
        calls.enumerated().map { index, entry in
            FuzzChain.transaction(
                entry.0, by: entry.1, counter: UInt64(index), validUntilHeight: 1_000)
        }
    }

    /// Runs the script one call per block from genesis.
    /// - Returns: every value written on the way (genesis included), with its key.
    public static func run() -> [StateEntry] {
        var state = FuzzChain.genesisState
        var written = state.allEntries
        for (index, tx) in transactions.enumerated() {
            let height = UInt64(index + 1)
            let result = BlockExecutor.execute(
                transactions: [tx], height: height,
                timeMs: FuzzChain.genesisTimeMs + height * 60_000, over: state)
            state.apply(result.writes)
            for write in result.writes {
                guard let value = write.value else { continue }
                written.append(StateEntry(key: write.key, value: value))
            }
        }
        return written
    }
}
