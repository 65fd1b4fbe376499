import Contracts
import Foundation
import Ledger

/// A JSON object of the vector file (docs/encoding.md section 10), with typed field readers
/// that fail with the field's name instead of trapping.
struct ReadableObject {
    let fields: [String: Any]
    let path: String

    init(_ value: Any?, path: String) throws(VectorError) {
        guard let fields = value as? [String: Any] else { throw .field(path, "not an object") }
        self.fields = fields
        self.path = path
    }

    func object(_ key: String) throws(VectorError) -> ReadableObject {
        try ReadableObject(fields[key], path: "\(path).\(key)")
    }

    /// nil when the field is JSON null (an absent optional).
    func optionalObject(_ key: String) throws(VectorError) -> ReadableObject? {
        fields[key] is NSNull ? nil : try object(key)
    }

    func objects(_ key: String) throws(VectorError) -> [ReadableObject] {
        guard let list = fields[key] as? [Any] else { throw .field("\(path).\(key)", "not a list") }
        var objects: [ReadableObject] = []
        for (index, value) in list.enumerated() {
            objects.append(try ReadableObject(value, path: "\(path).\(key)[\(index)]"))
        }
        return objects
    }

    func string(_ key: String) throws(VectorError) -> String {
        guard let value = fields[key] as? String else {
            throw .field("\(path).\(key)", "not a string")
        }
        return value
    }

    func optionalString(_ key: String) throws(VectorError) -> String? {
        fields[key] is NSNull ? nil : try string(key)
    }

    func strings(_ key: String) throws(VectorError) -> [String] {
        guard let value = fields[key] as? [String] else {
            throw .field("\(path).\(key)", "not a list of strings")
        }
        return value
    }

    func uint64(_ key: String) throws(VectorError) -> UInt64 {
        // (Foundation on Linux bridges JSON numbers and booleans alike to NSNumber.)
        guard let number = fields[key] as? NSNumber,
            let value = UInt64(exactly: number.doubleValue), value < 1 << 53
        else { throw .field("\(path).\(key)", "not an integer below 2^53") }
        return value
    }

    func bool(_ key: String) throws(VectorError) -> Bool {
        guard let value = fields[key] as? Bool else { throw .field("\(path).\(key)", "not a bool") }
        return value
    }

    func bytes(_ key: String) throws(VectorError) -> [UInt8] {
        guard let value = Hex.decode(try string(key)) else {
            throw .field("\(path).\(key)", "not hex")
        }
        return value
    }

    func hash(_ key: String) throws(VectorError) -> Hash256 {
        let bytes = try bytes(key)
        guard bytes.count == 32 else { throw .field("\(path).\(key)", "not 32 bytes") }
        return Hash256(bytes: bytes)
    }

    func publicKey(_ key: String) throws(VectorError) -> PublicKey {
        do { return try PublicKey(bytes: try bytes(key)) } catch {
            throw .field("\(path).\(key)", "\(error)")
        }
    }

    /// A signing key from its 32 secret bytes (an Ed25519 seed or an SM2 scalar).
    func signingKey(_ key: String, _ algorithm: SignatureAlgorithm) throws(VectorError)
        -> SigningKey
    {
        do { return try SigningKey(seed: try bytes(key), algorithm: algorithm) } catch {
            throw .field("\(path).\(key)", "\(error)")
        }
    }
}

enum VectorError: Error, CustomStringConvertible {
    case field(String, String)

    var description: String {
        switch self {
        case let .field(path, problem): "\(path): \(problem)"
        }
    }
}

/// A signature made inside a call's arguments (a holder's consent, a validator's statement).
struct InnerSignature {
    var publicKey: PublicKey
    var signed: [UInt8]
    var signature: Signature
}

/// Rebuilds a `ContractCall` from a vector's readable `contract`, `method` and `args`, with
/// the project's own types; signatures inside the arguments are made with `algorithm` and
/// collected in `inner`.
struct ReadableCallBuilder {
    let chainID: String
    let algorithm: SignatureAlgorithm
    var inner: [InnerSignature] = []
    /// Signatures to use, in order, instead of signing afresh: SM2 signatures are
    /// randomised, so an sm2-sm3 vector is rebuilt with the file's own (which must verify).
    private var given: [Signature]

    init(chainID: String, algorithm: SignatureAlgorithm, given: [Signature] = []) {
        self.chainID = chainID
        self.algorithm = algorithm
        self.given = given
    }

    mutating func call(contract: String, method: String, args: ReadableObject) throws(VectorError)
        -> ContractCall
    {
        switch contract {
        case "governance": return .governance(try governance(method, args))
        case "licence": return .licence(try licence(method, args))
        case "authorisation": return .authorisation(try authorisation(method, args))
        case "licence-use": return .licenceUse(try licenceUse(method, args))
        case "bill": return .bill(try bill(method, args))
        case "reimbursement": return .reimbursement(try reimbursement(method, args))
        case "evidence": return .evidence(.record(try evidence(args)))
        default: throw .field(args.path, "unknown contract \(contract)")
        }
    }

    // MARK: - governance

    private func governance(_ method: String, _ args: ReadableObject) throws(VectorError)
        -> GovernanceCall
    {
        switch method {
        case "propose":
            return .propose(
                proposalID: try args.string("proposal_id"),
                change: try change(args.object("change")))
        case "approve": return .approve(proposalID: try args.string("proposal_id"))
        default: throw .field(args.path, "unknown method governance.\(method)")
        }
    }

    private func change(_ args: ReadableObject) throws(VectorError) -> GovernanceChange {
        switch try args.string("kind") {
        case "registerOrganisation":
            return .registerOrganisation(
                id: try args.string("id"), name: try args.string("name"),
                creditCode: try args.string("credit_code"))
        case "addKey":
            return .addKey(
                organisationID: try args.string("organisation_id"),
                publicKey: try args.publicKey("public_key_hex"), roles: try roles(args, "roles"),
                licenceTypes: try args.strings("licence_types"))
        case "removeKey": return .removeKey(try args.publicKey("public_key_hex"))
        case "rotateKey":
            return .rotateKey(
                old: try args.publicKey("old_hex"), new: try args.publicKey("new_hex"))
        case "grantRole":
            return .grantRole(
                publicKey: try args.publicKey("public_key_hex"), role: try role(args, "role"),
                licenceTypes: try args.strings("licence_types"))
        case "revokeRole":
            return .revokeRole(
                publicKey: try args.publicKey("public_key_hex"), role: try role(args, "role"))
        case "addValidator":
            return .addValidator(
                Validator(
                    name: try args.string("name"), publicKey: try args.publicKey("public_key_hex"),
                    address: try args.string("address"), networkKey: try args.publicKey("network_key_hex")))
        case "removeValidator": return .removeValidator(try args.publicKey("public_key_hex"))
        case "addFollower":
            return .addFollower(Follower(name: try args.string("name"), publicKey: try args.publicKey("public_key_hex")))
        case "removeFollower": return .removeFollower(try args.publicKey("public_key_hex"))
        case "rotateValidatorKeys":
            return .rotateValidatorKeys(
                validator: try args.publicKey("validator_hex"), consensusKey: try args.publicKey("consensus_key_hex"),
                networkKey: try args.publicKey("network_key_hex"))
        case "registerDutyItem":
            return .registerDutyItem(
                DutyItem(
                    itemCode: try args.string("item_code"), name: try args.string("name"),
                    purpose: try args.string("purpose"),
                    organisations: try args.strings("organisations"),
                    licenceTypes: try args.strings("licence_types"),
                    dataCategories: try args.strings("data_categories")))
        case "removeDutyItem": return .removeDutyItem(itemCode: try args.string("item_code"))
        case "registerLicenceType":
            return .registerLicenceType(
                LicenceType(
                    code: try args.string("code"), name: try args.string("name"),
                    issuers: try args.strings("issuers"),
                    maxValidityDays: try uint32(args, "max_validity_days"),
                    reminderDays: try uint32(args, "reminder_days")))
        case let kind: throw .field(args.path, "unknown governance change \(kind)")
        }
    }

    private func role(_ args: ReadableObject, _ key: String) throws(VectorError) -> Role {
        let name = try args.string(key)
        guard let role = Role(rawValue: name) else {
            throw .field(args.path, "unknown role \(name)")
        }
        return role
    }

    private func roles(_ args: ReadableObject, _ key: String) throws(VectorError) -> [Role] {
        var roles: [Role] = []
        for name in try args.strings(key) {
            guard let role = Role(rawValue: name) else {
                throw .field(args.path, "unknown role \(name)")
            }
            roles.append(role)
        }
        return roles
    }

    private func uint32(_ args: ReadableObject, _ key: String) throws(VectorError) -> UInt32 {
        guard let value = UInt32(exactly: try args.uint64(key)) else {
            throw .field(args.path, "\(key) above 2^32")
        }
        return value
    }

    // MARK: - licence

    private func licence(_ method: String, _ args: ReadableObject) throws(VectorError)
        -> LicenceCall
    {
        switch method {
        case "issue": return .issue(try licenceIssue(args))
        case "issueBatch":
            var issues: [LicenceIssue] = []
            for issue in try args.objects("licences") { issues.append(try licenceIssue(issue)) }
            return .issueBatch(issues)
        case "renew":
            return .renew(
                LicenceRenewal(
                    licenceID: try args.string("licence_id"),
                    newLicenceID: try args.string("new_licence_id"),
                    fileDigest: try args.hash("file_digest_hex"),
                    validFromMs: try args.uint64("valid_from_ms"),
                    validUntilMs: try args.uint64("valid_until_ms")))
        case "suspend":
            return .suspend(
                licenceID: try args.string("licence_id"), reason: try args.string("reason"))
        case "resume": return .resume(licenceID: try args.string("licence_id"))
        case "revoke":
            return .revoke(
                licenceID: try args.string("licence_id"), reason: try args.string("reason"))
        default: throw .field(args.path, "unknown method licence.\(method)")
        }
    }

    private func licenceIssue(_ args: ReadableObject) throws(VectorError) -> LicenceIssue {
        LicenceIssue(
            licenceID: try args.string("licence_id"), licenceType: try args.string("licence_type"),
            holder: try args.hash("holder_hex"), fileDigest: try args.hash("file_digest_hex"),
            validFromMs: try args.uint64("valid_from_ms"),
            validUntilMs: try args.uint64("valid_until_ms"))
    }

    // MARK: - authorisation

    private mutating func authorisation(_ method: String, _ args: ReadableObject)
        throws(VectorError) -> AuthorisationCall
    {
        switch method {
        case "bindHolderKey":
            return .bindHolderKey(
                holder: try args.hash("holder_hex"),
                holderKey: try args.publicKey("holder_key_hex"))
        case "unbindHolderKey":
            return .unbindHolderKey(
                holder: try args.hash("holder_hex"),
                holderKey: try args.publicKey("holder_key_hex"))
        case "grant":
            let terms = try grantTerms(args.object("terms"))
            let signed = terms.signingBytes(chainID: chainID)
            return .grant(terms, try attestation(args.object("attestation"), signing: signed))
        case "revoke":
            let grantID = try args.string("grant_id")
            let signed = AuthorisationCall.revocationSigningBytes(
                chainID: chainID, grantID: grantID)
            return .revoke(
                grantID: grantID, try attestation(args.object("attestation"), signing: signed))
        case "delegate":
            return .delegate(
                grantID: try args.string("grant_id"), newGrantID: try args.string("new_grant_id"),
                agentOrganisation: try args.string("agent_organisation"),
                validUntilMs: try args.uint64("valid_until_ms"))
        case "mandate":
            let mandate = try mandate(args.object("mandate"))
            let signed = mandate.signingBytes(chainID: chainID)
            return .mandate(mandate, try attestation(args.object("attestation"), signing: signed))
        case "revokeMandate":
            let mandateID = try args.string("mandate_id")
            let signed = AuthorisationCall.mandateRevocationSigningBytes(
                chainID: chainID, mandateID: mandateID)
            return .revokeMandate(
                mandateID: mandateID, try attestation(args.object("attestation"), signing: signed))
        default: throw .field(args.path, "unknown method authorisation.\(method)")
        }
    }

    private func scope(_ args: ReadableObject) throws(VectorError) -> GrantScope {
        let scope = GrantScope(
            licenceIDs: try args.strings("licence_ids"),
            licenceTypes: try args.strings("licence_types"),
            dataCategories: try args.strings("data_categories"))
        // The readable form must already be canonical: a vector that only passes because
        // Swift sorted it would mislead a client that copies it.
        guard scope.licenceIDs == (try args.strings("licence_ids")),
            scope.licenceTypes == (try args.strings("licence_types")),
            scope.dataCategories == (try args.strings("data_categories"))
        else { throw .field(args.path, "scope lists must be sorted and unique") }
        return scope
    }

    private func consent(_ args: ReadableObject) throws(VectorError) -> Consent {
        let name = try args.string("mode")
        guard let mode = ConsentMode.allCases.first(where: { $0.name == name }) else {
            throw .field(args.path, "unknown consent mode \(name)")
        }
        return Consent(mode: mode, channel: try args.string("channel"))
    }

    private func grantTerms(_ args: ReadableObject) throws(VectorError) -> GrantTerms {
        GrantTerms(
            grantID: try args.string("grant_id"), holder: try args.hash("holder_hex"),
            granteeOrganisation: try args.string("grantee_organisation"),
            scope: try scope(args.object("scope")), purpose: try args.string("purpose"),
            consent: try consent(args.object("consent")),
            validFromMs: try args.uint64("valid_from_ms"),
            validUntilMs: try args.uint64("valid_until_ms"), delegable: try args.bool("delegable"))
    }

    private func mandate(_ args: ReadableObject) throws(VectorError) -> Mandate {
        let kindName = try args.string("kind")
        guard let kind = AgentKind.allCases.first(where: { $0.name == kindName }) else {
            throw .field(args.path, "unknown agent kind \(kindName)")
        }
        let purposes = try args.strings("purposes")
        guard purposes == Array(Set(purposes)).sorted() else {
            throw .field(args.path, "purposes must be sorted and unique")
        }
        return Mandate(
            mandateID: try args.string("mandate_id"), principal: try args.hash("principal_hex"),
            agent: try args.hash("agent_hex"), kind: kind, scope: try scope(args.object("scope")),
            purposes: purposes, validFromMs: try args.uint64("valid_from_ms"),
            validUntilMs: try args.uint64("valid_until_ms"),
            consent: try consent(args.object("consent")))
    }

    /// An attestation; a signature kind signs `signed` with the key of `signer_seed_hex`.
    private mutating func attestation(_ args: ReadableObject, signing signed: [UInt8])
        throws(VectorError) -> Attestation
    {
        switch try args.string("kind") {
        case "identity-provider": return .identityProvider
        case "holder-signature":
            let key = try args.signingKey("signer_seed_hex", algorithm)
            return .holderSignature(holderKey: key.publicKey, signature: sign(signed, with: key))
        case "agent-signature":
            let key = try args.signingKey("signer_seed_hex", algorithm)
            return .agentSignature(
                mandateID: try args.string("mandate_id"), agentKey: key.publicKey,
                signature: sign(signed, with: key))
        case let kind: throw .field(args.path, "unknown attestation \(kind)")
        }
    }

    private mutating func sign(_ signed: [UInt8], with key: SigningKey) -> Signature {
        let signature = given.isEmpty ? key.sign(signed) : given.removeFirst()
        inner.append(InnerSignature(publicKey: key.publicKey, signed: signed, signature: signature))
        return signature
    }

    // MARK: - licence-use

    private func licenceUse(_ method: String, _ args: ReadableObject) throws(VectorError)
        -> LicenceUseCall
    {
        switch method {
        case "use":
            return .use(
                useID: try args.string("use_id"), licenceID: try args.string("licence_id"),
                purpose: try args.string("purpose"), itemCode: try args.string("item_code"),
                basis: try basis(args.object("basis")))
        case "useData":
            return .useData(
                DataUse(
                    useID: try args.string("use_id"), holder: try args.hash("holder_hex"),
                    dataCategory: try args.string("data_category"),
                    purpose: try args.string("purpose"), itemCode: try args.string("item_code"),
                    basis: try basis(args.object("basis"))))
        default: throw .field(args.path, "unknown method licence-use.\(method)")
        }
    }

    private func basis(_ args: ReadableObject) throws(VectorError) -> UseBasis {
        switch try args.string("kind") {
        case "grant": return .grant(grantID: try args.string("grant_id"))
        case "statutory-duty": return .statutoryDuty
        case let kind: throw .field(args.path, "unknown use basis \(kind)")
        }
    }

    // MARK: - bill and reimbursement

    private func bill(_ method: String, _ args: ReadableObject) throws(VectorError) -> BillCall {
        switch method {
        case "issue": return .issue(try billIssue(args))
        case "issueBatch":
            var issues: [BillIssue] = []
            for issue in try args.objects("bills") { issues.append(try billIssue(issue)) }
            return .issueBatch(issues)
        case "reverse":
            return .reverse(
                BillReversal(
                    billID: try args.string("bill_id"),
                    redNumber: try billNumber(args.object("red_number")),
                    amountFen: try args.uint64("amount_fen"),
                    categories: try categories(args.optionalObject("categories"))))
        default: throw .field(args.path, "unknown method bill.\(method)")
        }
    }

    private func billNumber(_ args: ReadableObject) throws(VectorError) -> BillNumber {
        switch try args.string("kind") {
        case "medical":
            return .medical(code: try args.string("code"), number: try args.string("number"))
        case "tax-invoice": return .taxInvoice(number: try args.string("number"))
        case let kind: throw .field(args.path, "unknown bill kind \(kind)")
        }
    }

    private func categories(_ args: ReadableObject?) throws(VectorError) -> CategoryAmounts? {
        guard let args else { return nil }
        return CategoryAmounts(
            pooledFund: try args.uint64("pooled_fund"),
            personalAccount: try args.uint64("personal_account"),
            selfPaid: try args.uint64("self_paid"))
    }

    private func billIssue(_ args: ReadableObject) throws(VectorError) -> BillIssue {
        BillIssue(
            number: try billNumber(args.object("number")),
            checkDigest: try args.hash("check_digest_hex"),
            issuedAtMs: try args.uint64("issued_at_ms"), totalFen: try args.uint64("total_fen"),
            categories: try categories(args.optionalObject("categories")),
            payer: try args.hash("payer_hex"))
    }

    private func reimbursement(_ method: String, _ args: ReadableObject) throws(VectorError)
        -> ReimbursementCall
    {
        switch method {
        case "claim":
            var requests: [ClaimRequest] = []
            for claim in try args.objects("claims") {
                var category: BillCategory?
                if let name = try claim.optionalString("category") {
                    guard let named = BillCategory.allCases.first(where: { $0.name == name }) else {
                        throw .field(claim.path, "unknown category \(name)")
                    }
                    category = named
                }
                requests.append(
                    ClaimRequest(
                        claimID: try claim.string("claim_id"), billID: try claim.string("bill_id"),
                        category: category, amountFen: try claim.uint64("amount_fen")))
            }
            return .claim(requests)
        case "settle": return .settle(claimIDs: try args.strings("claim_ids"))
        case "release": return .release(claimIDs: try args.strings("claim_ids"))
        default: throw .field(args.path, "unknown method reimbursement.\(method)")
        }
    }

    // MARK: - evidence

    private mutating func evidence(_ args: ReadableObject) throws(VectorError)
        -> EquivocationEvidence
    {
        let validator = try args.signingKey("validator_seed_hex", algorithm)
        let kindName = try args.string("kind")
        guard let kind = StatementKind.allCases.first(where: { "\($0)" == kindName }) else {
            throw .field(args.path, "unknown statement kind \(kindName)")
        }
        let evidenceChainID = try args.string("chain_id")
        let height = try args.uint64("height")
        let round = try args.uint64("round")
        var signatures: [Signature] = []
        let bodies = [try args.bytes("body_a_hex"), try args.bytes("body_b_hex")]
        for body in bodies {
            let signed = ConsensusStatement.signingBytes(
                chainID: evidenceChainID, kind: kind, height: height, round: round, body: body)
            signatures.append(sign(signed, with: validator))
        }
        return EquivocationEvidence(
            chainID: evidenceChainID, validator: validator.publicKey, kind: kind, height: height,
            round: round, bodyA: bodies[0], signatureA: signatures[0], bodyB: bodies[1],
            signatureB: signatures[1])
    }
}
