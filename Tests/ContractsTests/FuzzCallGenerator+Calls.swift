import Contracts
import Ledger

extension HostileCallGenerator {
    mutating func governance() -> GovernanceCall {
        guard chance(60) else { return .approve(proposalID: id("p", 8)) }
        let change: GovernanceChange
        switch Int.random(in: 0..<10, using: &random) {
        case 8:
            change = .registerDutyItem(
                DutyItem(
                    itemCode: pick(["P1", hostileString()]), name: hostileString(),
                    purpose: pick(["P1", "P2", hostileString()]),
                    organisations: list { $0.pick(Self.organisations) },
                    licenceTypes: list { $0.id("T", 400) }))
        case 9: change = .removeDutyItem(itemCode: pick(["P1", hostileString()]))
        case 0:
            let code =
                chance(70) ? TestChain.creditCode("11360000MB00001\(counterDigits())") : "X"
            change = .registerOrganisation(
                id: id("org", 6), name: hostileString(), creditCode: code)
        case 1:
            change = .addKey(
                organisationID: pick(Self.organisations), publicKey: key(),
                roles: list { $0.pick(Role.allCases) }, licenceTypes: list { $0.id("T", 400) })
        case 2: change = .removeKey(key())
        case 3: change = .rotateKey(old: key(), new: key())
        case 4:
            change = .grantRole(
                publicKey: key(), role: pick(Role.allCases), licenceTypes: list { $0.id("T", 400) })
        case 5: change = .revokeRole(publicKey: key(), role: pick(Role.allCases))
        case 6:
            // Validators and followers: both are node keys governance admits.
            if chance(50) {
                change = .addValidator(Validator(name: hostileString(), publicKey: key(), address: "h:1", networkKey: key()))
            } else {
                change = .addFollower(Follower(name: hostileString(), publicKey: key()))
            }
        default:
            switch pick([0, 1, 2]) {
            case 0: change = .removeValidator(key())
            case 1: change = .removeFollower(key())
            default: change = .rotateValidatorKeys(validator: key(), consensusKey: key(), networkKey: key())
            }
        }
        return .propose(proposalID: id("p", 8), change: change)
    }

    private mutating func counterDigits() -> String {
        String(Int.random(in: 10...99, using: &random))
    }

    mutating func licence(timeMs: UInt64) -> LicenceCall {
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            let id = licenceID()
            let type = chance(80) ? (id.hasPrefix("330002") ? "330002" : "110001") : "999"
            return .issue(
                LicenceIssue(
                    licenceID: id, licenceType: type, holder: holder(),
                    fileDigest: Licences.digest(id), validFromMs: time(around: 0),
                    validUntilMs: time(around: timeMs)))
        case 1:
            return .renew(
                LicenceRenewal(
                    licenceID: licenceID(), newLicenceID: licenceID(),
                    fileDigest: SHA256.hash([1]), validFromMs: time(around: 0),
                    validUntilMs: time(around: timeMs)))
        case 2: return .suspend(licenceID: licenceID(), reason: hostileString())
        case 3: return .resume(licenceID: licenceID())
        default: return .revoke(licenceID: licenceID(), reason: hostileString())
        }
    }

    mutating func authorisation(timeMs: UInt64) -> AuthorisationCall {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return .bindHolderKey(holder: holder(), holderKey: key())
        case 1:
            let scope = GrantScope(
                licenceIDs: chance(60) ? list { $0.licenceID() } : [],
                licenceTypes: chance(50) ? list { $0.pick(["110001", "330002"]) } : [],
                dataCategories: chance(20) ? list { $0.id("d", 300) } : [])
            let terms = GrantTerms(
                grantID: id("g", 12), holder: holder(),
                granteeOrganisation: pick(Self.organisations), scope: scope,
                purpose: pick(["P1", "P2", hostileString()]),

                consent: Consent(mode: .remote, channel: "app"),
                validFromMs: chance(80) ? timeMs - 1 : time(around: timeMs),
                validUntilMs: time(around: timeMs), delegable: chance(50))
            let attestation: Attestation =
                chance(85)
                ? .identityProvider
                : .holderSignature(holderKey: key(), signature: TestChain.civil.sign([0]))
            return .grant(terms, attestation)
        case 2: return .revoke(grantID: id("g", 12), .identityProvider)
        default:
            return .delegate(
                grantID: id("g", 12), newGrantID: id("g", 12),
                agentOrganisation: pick(Self.organisations), validUntilMs: time(around: timeMs))
        }
    }

    mutating func bill() -> BillCall {
        if chance(45) {
            let total = amount()
            return .issue(
                BillIssue(
                    // All zero is the one digest the contract refuses.
                    number: billNumber(),
                    checkDigest: chance(90) ? Bills.standInCheckDigest : .zero,
                    issuedAtMs: time(around: 0), totalFen: total,
                    categories: categories(total: total),
                    payer: holder()))
        }
        // Reversals: mostly small, so bills live through many of them.
        let amountFen = chance(70) ? UInt64.random(in: 1...60, using: &random) : amount()
        let parts: CategoryAmounts? =
            chance(50)
            ? CategoryAmounts(
                pooledFund: amountFen / 2, personalAccount: 0, selfPaid: amountFen - amountFen / 2)
            : (chance(20) ? CategoryAmounts(pooledFund: amountFen) : nil)
        return .reverse(
            BillReversal(
                billID: billNumber().billID,
                redNumber: Bills.medical(1_000 + Int.random(in: 0..<5_000, using: &random)),
                amountFen: amountFen, categories: parts))
    }

    mutating func reimbursement() -> ReimbursementCall {
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<6:
            return .claim(
                list { generator in
                    ClaimRequest(
                        claimID: generator.id("c", 40), billID: generator.billNumber().billID,
                        category: generator.chance(50)
                            ? generator.pick(BillCategory.allCases) : nil,
                        amountFen: generator.amount())
                })
        case 6..<8: return .settle(claimIDs: list { $0.id("c", 40) })
        default: return .release(claimIDs: list { $0.id("c", 40) })
        }
    }

    mutating func evidence() -> EquivocationEvidence {
        let signer = chance(80) ? pick(TestChain.validators) : pick(Self.strangers)
        let height = chance(70) ? UInt64.random(in: 1...50, using: &random) : UInt64.max
        let round = chance(70) ? UInt64.random(in: 0...3, using: &random) : UInt64.max
        let bodies = [Hash256.zero, SHA256.hash([UInt8.random(in: 0...3, using: &random)])].map {
            ConsensusStatement.voteBody(blockID: $0)
        }
        let signatures = bodies.map {
            signer.sign(
                ConsensusStatement.signingBytes(
                    chainID: TestChain.chainID, kind: .precommit, height: height, round: round,
                    body: $0))
        }
        return EquivocationEvidence(
            chainID: chance(95) ? TestChain.chainID : "other", validator: signer.publicKey,
            kind: .precommit, height: height, round: chance(90) ? round : round &+ 1,
            bodyA: bodies[0], signatureA: signatures[0], bodyB: bodies[1],
            signatureB: signatures[1])
    }
}
