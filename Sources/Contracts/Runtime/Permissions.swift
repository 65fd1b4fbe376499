public import Ledger

/// Which registered keys may make which call: the checks that need only the call and the
/// sender's key record, shared by the mempool pre-check and block execution. Checks that
/// need other records (issuing organisation, grantee) stay in the contracts.
enum Permissions {
    static func authorise(_ call: ContractCall, caller: KeyRecord) throws(ContractError) {
        switch call {
        case .governance:
            try require(.admin, caller, call)
        case let .licence(licenceCall):
            try require(.licenceIssuer, caller, call)
            if case let .issue(issue) = licenceCall {
                try requireLicenceType(issue.licenceType, caller)
            }
            if case let .issueBatch(issues) = licenceCall {
                for issue in issues { try requireLicenceType(issue.licenceType, caller) }
            }
        case let .authorisation(authorisationCall):
            if authorisationCall.needsIdentityProvider {
                try require(.identityProvider, caller, call)
            }
        case .licenceUse:
            try require(.licenceUser, caller, call)
        case .bill:
            try require(.billIssuer, caller, call)
        case .reimbursement:
            try require(.reimburser, caller, call)
        case .evidence:
            break  // any registered key may report evidence: it is verified, not trusted
        }
    }

    static func requireLicenceType(_ licenceType: String, _ caller: KeyRecord) throws(ContractError)
    {
        guard caller.licenceTypes.contains(licenceType) else {
            throw ContractError(
                .licenceTypeNotPermitted,
                "key \(caller.publicKey.hex.prefix(16)) of \(caller.organisationID) may not "
                + "issue licence type \(licenceType)"
            )
        }
    }

    private static func require(_ role: Role, _ caller: KeyRecord, _ call: ContractCall)
        throws(ContractError)
    {
        guard caller.has(role) else {
            throw ContractError(
                .missingRole,
                "\(call.contractName).\(call.methodName) needs the \(role.rawValue) role; key "
                + "of \(caller.organisationID) has "
                + "[\(caller.roles.map(\.rawValue).joined(separator: ", "))]"
            )
        }
    }
}

extension AuthorisationCall {
    /// Holder-signed grants and revocations carry their own proof of consent; everything
    /// attested on the holder's behalf needs the identity provider.
    var needsIdentityProvider: Bool {
        switch self {
        case .bindHolderKey, .unbindHolderKey: true
        case let .grant(_, attestation), let .revoke(_, attestation),
            let .mandate(_, attestation), let .revokeMandate(_, attestation):
            attestation == .identityProvider
        case .delegate: false
        }
    }
}
