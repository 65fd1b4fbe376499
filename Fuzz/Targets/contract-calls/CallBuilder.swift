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
        switch input.index(8) {
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
                    name: "v\(serial)", publicKey: key, address: "127.0.0.1:\(serial % 9_999)"))
        default: return .removeValidator(key)
        }
    }

    private mutating func licenceCall(_ serial: UInt64) -> (ContractCall, SigningKey) {
        let id = input.pick(Pools.licenceIDs(serial: serial))
        let issuer = sender([FuzzChain.police, FuzzChain.market])
        switch input.index(6) {
        case 0, 1:
            let issue = LicenceIssue(
                licenceID: id, licenceType: input.pick(Pools.licenceTypes(serial: serial)),
                holder: input.hash(), fileDigest: Pools.digest(id),
                validFromMs: input.time(around: timeMs), validUntilMs: input.time(around: timeMs))
            return (.licence(.issue(issue)), issuer)
        case 2:
            let renewal = LicenceRenewal(
                licenceID: id, newLicenceID: input.pick(Pools.licenceIDs(serial: serial &+ 1)),
                fileDigest: Pools.digest(id), validFromMs: input.time(around: timeMs),
                validUntilMs: input.time(around: timeMs))
            return (.licence(.renew(renewal)), issuer)
        case 3: return (.licence(.suspend(licenceID: id, reason: input.text(maxCount: 12))), issuer)
        case 4: return (.licence(.resume(licenceID: id)), issuer)
        default: return (.licence(.revoke(licenceID: id, reason: "revoked")), issuer)
        }
    }

    private mutating func authorisationCall(_ serial: UInt64) -> (ContractCall, SigningKey) {
        let grantID = input.pick(Pools.grantIDs(serial: serial))
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
                chainID: FuzzChain.chainID, grantID: grantID)
            let call = AuthorisationCall.revoke(
                grantID: grantID, attestation(holderIndex, bytes))
            return (.authorisation(call), sender(Self.grantSenders))
        default:
            let call = AuthorisationCall.delegate(
                grantID: grantID, newGrantID: input.pick(Pools.grantIDs(serial: serial &+ 1)),
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
            licenceIDs: input.subset(Pools.licenceIDs(serial: serial)),
            licenceTypes: input.subset(Pools.licenceTypes(serial: serial)),
            dataCategories: input.subset(["address", "name", "bad category"]))
        return GrantTerms(
            grantID: grantID, holder: FuzzChain.holders[holder],
            granteeOrganisation: input.pick(Pools.organisationIDs(serial: serial)), scope: scope,
            purpose: input.pick(Pools.purposes), validFromMs: input.time(around: timeMs),
            validUntilMs: input.time(around: timeMs), delegable: input.bool())
    }

    /// Usually a holder's signature over `bytes` by one of the holder keys (bound or not),
    /// sometimes a forged one, sometimes the identity provider's word.
    private mutating func attestation(_ holder: Int, _ bytes: [UInt8]) -> Attestation {
        switch input.index(4) {
        case 0: return .identityProvider
        case 1: return .holderSignature(
            holderKey: FuzzChain.holderKeys[holder].publicKey, signature: Self.zeroSignature)
        default:
            let key = FuzzChain.holderKeys[input.chance(80) ? holder : input.index(3)]
            return .holderSignature(holderKey: key.publicKey, signature: key.sign(bytes))
        }
    }
}
