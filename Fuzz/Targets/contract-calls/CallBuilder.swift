import Contracts
import FuzzSupport
import Ledger

/// Builds one call and its sender from the input. The sender is usually the key whose
/// role the call needs, so most calls reach the contract's own checks instead of stopping
/// at the permission check; one in five comes from any key, registered or not.
extension CallProgram {
    mutating func nextCall(serial: UInt64) -> (ContractCall, SigningKey) {
        switch input.index(8) {
        case 0: governanceCall(serial)
        case 1, 2: licenceCall(serial)
        case 3, 4: authorisationCall(serial)
        case 5: billCall(serial)
        case 6: reimbursementCall(serial)
        default: input.bool() ? evidenceCall() : useCall(serial)
        }
    }

    mutating func sender(_ natural: [SigningKey]) -> SigningKey {
        input.chance(80) ? input.pick(natural) : input.pick(FuzzChain.allKeys)
    }

    private mutating func governanceCall(_ serial: UInt64) -> (ContractCall, SigningKey) {
        let proposalID = input.pick(Pools.proposalIDs(serial: serial))
        let admin = sender(FuzzChain.admins)
        if input.chance(40) { return (.governance(.approve(proposalID: proposalID)), admin) }
        return (.governance(.propose(proposalID: proposalID, change: change(serial))), admin)
    }

    private mutating func change(_ serial: UInt64) -> GovernanceChange {
        let key = input.pick(Pools.publicKeys)
        let organisation = input.pick(Pools.organisationIDs(serial: serial))
        switch input.index(11) {
        case 8:
            // Mostly well-formed items, so statutory-duty uses sometimes find their basis.
            return .registerDutyItem(
                DutyItem(
                    itemCode: input.pick(Pools.itemCodes), name: "item \(serial)",
                    purpose: input.pick(Pools.purposes),
                    organisations: input.subset(Pools.organisationIDs(serial: serial)),
                    licenceTypes: input.subset(Pools.licenceTypes(serial: serial))))
        case 9: return .removeDutyItem(itemCode: input.pick(Pools.itemCodes))
        case 0:
            let digits = String(100_000 + serial % 100_000).dropFirst()
            let code = input.chance(80) ? FuzzChain.creditCode("91360000MA00" + digits)
                : input.text(maxCount: 20)
            return .registerOrganisation(id: organisation, name: "Org \(serial)", creditCode: code)
        case 1:
            return .addKey(
                organisationID: organisation, publicKey: key, roles: input.subset(Role.allCases),
                licenceTypes: input.subset(Pools.licenceTypes(serial: serial)))
        case 2: return .removeKey(key)
        case 3: return .rotateKey(old: key, new: input.pick(Pools.publicKeys))
        case 4:
            return .grantRole(
                publicKey: key, role: input.pick(Role.allCases),
                licenceTypes: input.subset(Pools.licenceTypes(serial: serial)))
        case 5: return .revokeRole(publicKey: key, role: input.pick(Role.allCases))
        case 6:
            return .addValidator(
                Validator(
                    name: "v\(serial)", publicKey: key, address: "127.0.0.1:\(serial % 9_999)",
                    networkKey: input.pick(Pools.publicKeys)))
        case 10:
            // Often a real validator's key, so rotations sometimes apply (and sometimes
            // collide with another validator's or an organisation's key).
            let validator = input.chance(70) ? input.pick(FuzzChain.validatorSet.validators).publicKey : key
            return .rotateValidatorKeys(
                validator: validator, consensusKey: input.pick(Pools.publicKeys),
                networkKey: input.pick(Pools.publicKeys))
        default: return .removeValidator(key)
        }
    }

    /// Mostly coherent: the police issue residence licences and the market bureau business
    /// ones, with ids of their own; the other calls name licences that may exist.
    private mutating func licenceCall(_ serial: UInt64) -> (ContractCall, SigningKey) {
        let police = input.bool()
        let issuer = sender([police ? FuzzChain.police : FuzzChain.market])
        let own = police ? Pools.policeLicenceIDs : Pools.marketLicenceIDs
        let fresh = Pools.freshLicenceID(serial, police: police)
        let id =
            input.rarely(10) ? input.pick(Pools.licenceIDs + ["not-a-licence"]) : input.pick(own)
        switch input.index(6) {
        case 0, 1:
            let type = police ? FuzzChain.residenceType : FuzzChain.businessType
            let issue = LicenceIssue(
                licenceID: input.bool() ? fresh : id,
                licenceType: input.rarely(10)
                    ? input.pick(Pools.licenceTypes(serial: serial)) : type,
                holder: input.hash(), fileDigest: Pools.digest(id),
                validFromMs: input.time(around: timeMs), validUntilMs: input.time(around: timeMs))
            return (.licence(.issue(issue)), issuer)
        case 2:
            let licenceSerial = input.pick(["S1", "S2"])
            let current = Pools.renewal(of: licenceSerial, police: police, version: 1)
            let later = Pools.renewal(
                of: licenceSerial, police: police, version: 2 + UInt32(input.index(2)))
            let renewal = LicenceRenewal(
                licenceID: input.rarely(10) ? id : current,
                newLicenceID: input.rarely(10) ? fresh : later,
                fileDigest: Pools.digest(fresh), validFromMs: input.time(around: timeMs),
                validUntilMs: input.time(around: timeMs))
            return (.licence(.renew(renewal)), issuer)
        case 3: return (.licence(.suspend(licenceID: id, reason: input.text(maxCount: 12))), issuer)
        case 4: return (.licence(.resume(licenceID: id)), issuer)
        default: return (.licence(.revoke(licenceID: id, reason: "revoked")), issuer)
        }
    }

    private mutating func authorisationCall(_ serial: UInt64) -> (ContractCall, SigningKey) {
        // New grants may take a fresh id; revocations and delegations name existing ones.
        let grantID = input.pick(Pools.grantIDs(serial: serial))
        let existingID = input.pick(Pools.fixedGrantIDs)
        let holderIndex = input.index(FuzzChain.holders.count)
        switch input.index(4) {
        case 0:
            let key = FuzzChain.holderKeys[input.index(FuzzChain.holderKeys.count)].publicKey
            let call = AuthorisationCall.bindHolderKey(
                holder: FuzzChain.holders[holderIndex], holderKey: key)
            return (.authorisation(call), sender([FuzzChain.identityProvider]))
        case 1:
            let terms = grantTerms(grantID, holderIndex, serial)
            let attestation = attestation(
                holderIndex, terms.signingBytes(chainID: FuzzChain.chainID))
            return (.authorisation(.grant(terms, attestation)), sender(Self.grantSenders))
        case 2:
            let bytes = AuthorisationCall.revocationSigningBytes(
                chainID: FuzzChain.chainID, grantID: existingID)
            let call = AuthorisationCall.revoke(
                grantID: existingID, attestation(holderIndex, bytes))
            return (.authorisation(call), sender(Self.grantSenders))
        default:
            let call = AuthorisationCall.delegate(
                grantID: existingID, newGrantID: input.pick(Pools.grantIDs(serial: serial)),
                agentOrganisation: input.pick(Pools.organisationIDs(serial: serial)),
                validUntilMs: input.time(around: timeMs))
            return (.authorisation(call), sender([FuzzChain.civil, FuzzChain.police]))
        }
    }

    private static let grantSenders = [FuzzChain.identityProvider, FuzzChain.civil]

    private mutating func grantTerms(_ grantID: String, _ holder: Int, _ serial: UInt64)
        -> GrantTerms
    {
        let scope = GrantScope(
            licenceIDs: input.subset(Pools.licenceIDs),
            licenceTypes: input.subset(FuzzChain.licenceTypes),
            dataCategories: input.subset(["address", "name"])
                + (input.rarely(5) ? ["bad category"] : []))
        return GrantTerms(
            grantID: grantID, holder: FuzzChain.holders[holder],
            granteeOrganisation: input.pick(Pools.organisationIDs(serial: serial)), scope: scope,
            purpose: input.rarely(5) ? "bad purpose" : input.pick(Pools.purposes),

            consent: Consent(mode: .remote, channel: "app"),
            validFromMs: input.time(around: timeMs),
            validUntilMs: input.time(around: timeMs), delegable: input.bool())
    }

    /// Usually a holder's signature over `bytes` by one of the holder keys (bound or not),
    /// sometimes a forged one, sometimes the identity provider's word.
    private mutating func attestation(_ holder: Int, _ bytes: [UInt8]) -> Attestation {
        switch input.index(4) {
        case 0: return .identityProvider
        case 1 where input.rarely(30):
            return .holderSignature(
                holderKey: FuzzChain.holderKeys[holder].publicKey, signature: Self.zeroSignature)
        default:
            let key = FuzzChain.holderKeys[input.rarely(20) ? input.index(3) : holder]
            return .holderSignature(holderKey: key.publicKey, signature: key.sign(bytes))
        }
    }
}
