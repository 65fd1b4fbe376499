public import Ledger

/// What a grant covers: any listed licence id, any licence of a listed type, or any listed
/// data category. Lists are sorted and unique so the signed bytes are canonical.
public struct GrantScope: Hashable, Sendable, CanonicalCodable {
    public var licenceIDs: [String]
    public var licenceTypes: [String]
    public var dataCategories: [String]

    public init(
        licenceIDs: [String] = [], licenceTypes: [String] = [], dataCategories: [String] = []
    ) {
        self.licenceIDs = Array(Set(licenceIDs)).sorted()
        self.licenceTypes = Array(Set(licenceTypes)).sorted()
        self.dataCategories = Array(Set(dataCategories)).sorted()
    }

    public var isEmpty: Bool {
        licenceIDs.isEmpty && licenceTypes.isEmpty && dataCategories.isEmpty
    }

    /// Whether a licence of this id and type is in scope.
    public func covers(licenceID: String, licenceType: String) -> Bool {
        licenceIDs.contains(licenceID) || licenceTypes.contains(licenceType)
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(licenceIDs); encoder.encode(licenceTypes); encoder.encode(dataCategories)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        let limit = RecordLimits.scopeEntriesPerList
        licenceIDs = try decoder.decodeNames(limit: limit)
        licenceTypes = try decoder.decodeNames(limit: limit)
        dataCategories = try decoder.decodeNames(limit: limit)
        for list in [licenceIDs, licenceTypes, dataCategories]
        where list != Array(Set(list)).sorted() {
            throw .invalidValue(type: "GrantScope", reason: "lists must be sorted and unique")
        }
    }
}

/// The terms of an authorisation (授权): who allows which department what, for which
/// purpose (service-item code), for how long.
public struct GrantTerms: Hashable, Sendable, CanonicalCodable {
    static let signingDomain = Array("govchain/grant/v1".utf8)

    public var grantID: String
    public var holder: Hash256
    public var granteeOrganisation: String
    public var scope: GrantScope
    /// The service-item code the data may be used for.
    public var purpose: String
    /// How the holder consented: face-to-face or remote, and through which channel.
    public var consent: Consent
    public var validFromMs: UInt64
    public var validUntilMs: UInt64
    /// Whether the grantee may delegate (委托) the grant to an agent organisation.
    public var delegable: Bool

    public init(
        grantID: String, holder: Hash256, granteeOrganisation: String, scope: GrantScope,
        purpose: String, consent: Consent, validFromMs: UInt64, validUntilMs: UInt64,
        delegable: Bool = false
    ) {
        self.grantID = grantID
        self.holder = holder
        self.granteeOrganisation = granteeOrganisation
        self.scope = scope
        self.purpose = purpose
        self.consent = consent
        self.validFromMs = validFromMs
        self.validUntilMs = validUntilMs
        self.delegable = delegable
    }

    /// The bytes a holder signs to consent: domain, chain id, then the terms.
    public func signingBytes(chainID: String) -> [UInt8] {
        var encoder = CanonicalEncoder()
        encoder.encode(fixed: GrantTerms.signingDomain)
        encoder.encode(chainID)
        encoder.encode(self)
        return encoder.bytes
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(grantID); encoder.encode(holder); encoder.encode(granteeOrganisation)
        encoder.encode(scope); encoder.encode(purpose); encoder.encode(consent)
        encoder.encode(validFromMs)
        encoder.encode(validUntilMs); encoder.encode(delegable)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        grantID = try decoder.decodeName(); holder = try decoder.decode(Hash256.self)
        granteeOrganisation = try decoder.decodeName(); scope = try decoder.decode(GrantScope.self)
        purpose = try decoder.decodeName(); consent = try decoder.decode(Consent.self)
        validFromMs = try decoder.decode(UInt64.self)
        validUntilMs = try decoder.decode(UInt64.self); delegable = try decoder.decode(Bool.self)
    }
}

/// How the holder's consent is shown.
public enum Attestation: Hashable, Sendable, CanonicalCodable {
    /// The holder's own key (bound to the commitment by the identity provider) signed it.
    case holderSignature(holderKey: PublicKey, signature: Signature)
    /// The sender holds the identity-provider role and attests the holder's consent.
    case identityProvider
    /// An agent the holder mandated (`AuthorisationCall.mandate`) signed it with their own
    /// bound key, within the mandate.
    case agentSignature(mandateID: String, agentKey: PublicKey, signature: Signature)

    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .holderSignature(holderKey, signature):
            encoder.encode(UInt8(0)); encoder.encode(holderKey); encoder.encode(signature)
        case .identityProvider:
            encoder.encode(UInt8(1))
        case let .agentSignature(mandateID, agentKey, signature):
            encoder.encode(UInt8(2)); encoder.encode(mandateID); encoder.encode(agentKey)
            encoder.encode(signature)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        switch try decoder.decodeTag(of: "Attestation", count: 3) {
        case 0:
            self = .holderSignature(
                holderKey: try decoder.decode(PublicKey.self),
                signature: try decoder.decode(Signature.self))
        case 1: self = .identityProvider
        default:
            self = .agentSignature(
                mandateID: try decoder.decodeName(), agentKey: try decoder.decode(PublicKey.self),
                signature: try decoder.decode(Signature.self))
        }
    }
}

/// Calls of the `authorisation` contract.
public enum AuthorisationCall: MethodCall {
    static let revocationDomain = Array("govchain/grant-revoke/v1".utf8)

    /// Identity provider: binds a holder's own key to their commitment.
    case bindHolderKey(holder: Hash256, holderKey: PublicKey)
    /// Records a grant, consented by the holder's signature or attested by the identity provider.
    case grant(GrantTerms, Attestation)
    /// Ends a grant (and with it every delegation made from it).
    case revoke(grantID: String, Attestation)
    /// The grantee organisation passes a delegable grant on to an agent organisation.
    case delegate(
        grantID: String, newGrantID: String, agentOrganisation: String, validUntilMs: UInt64)
    /// Identity provider: unbinds a holder's lost key (their grants stay: they belong to
    /// the commitment, not the key; a new key is bound with `bindHolderKey`).
    case unbindHolderKey(holder: Hash256, holderKey: PublicKey)
    /// The principal (by their own key or attested by the identity provider) mandates an
    /// agent person to grant on their behalf.
    case mandate(Mandate, Attestation)
    /// Ends a mandate, and with it every grant the agent made under it.
    case revokeMandate(mandateID: String, Attestation)

    public static let contractName = "authorisation"

    public var methodName: String {
        switch self {
        case .bindHolderKey: "bindHolderKey"
        case .grant: "grant"
        case .revoke: "revoke"
        case .delegate: "delegate"
        case .unbindHolderKey: "unbindHolderKey"
        case .mandate: "mandate"
        case .revokeMandate: "revokeMandate"
        }
    }

    static let mandateRevocationDomain = Array("govchain/mandate-revoke/v1".utf8)

    /// The bytes a principal signs to revoke a mandate.
    public static func mandateRevocationSigningBytes(chainID: String, mandateID: String)
        -> [UInt8]
    {
        var encoder = CanonicalEncoder()
        encoder.encode(fixed: mandateRevocationDomain)
        encoder.encode(chainID)
        encoder.encode(mandateID)
        return encoder.bytes
    }

    /// The bytes a holder signs to revoke a grant.
    public static func revocationSigningBytes(chainID: String, grantID: String) -> [UInt8] {
        var encoder = CanonicalEncoder()
        encoder.encode(fixed: revocationDomain)
        encoder.encode(chainID)
        encoder.encode(grantID)
        return encoder.bytes
    }

    func encodeArguments(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .bindHolderKey(holder, holderKey):
            encoder.encode(holder); encoder.encode(holderKey)
        case let .grant(terms, attestation): encoder.encode(terms); encoder.encode(attestation)
        case let .revoke(grantID, attestation): encoder.encode(grantID); encoder.encode(attestation)
        case let .delegate(grantID, newGrantID, agentOrganisation, validUntilMs):
            encoder.encode(grantID); encoder.encode(newGrantID); encoder.encode(agentOrganisation)
            encoder.encode(validUntilMs)
        case let .unbindHolderKey(holder, holderKey):
            encoder.encode(holder); encoder.encode(holderKey)
        case let .mandate(mandate, attestation):
            encoder.encode(mandate); encoder.encode(attestation)
        case let .revokeMandate(mandateID, attestation):
            encoder.encode(mandateID); encoder.encode(attestation)
        }
    }

    init(method: String, arguments decoder: inout CanonicalDecoder) throws(CallDecodingError) {
        let contract = Self.contractName
        switch method {
        case "bindHolderKey":
            self = try decodingArguments(contract, method) { () throws(CodecError) in
                .bindHolderKey(
                    holder: try decoder.decode(Hash256.self),
                    holderKey: try decoder.decode(PublicKey.self))
            }
        case "grant":
            self = try decodingArguments(contract, method) { () throws(CodecError) in
                .grant(try decoder.decode(GrantTerms.self), try decoder.decode(Attestation.self))
            }
        case "revoke":
            self = try decodingArguments(contract, method) { () throws(CodecError) in
                .revoke(grantID: try decoder.decodeName(), try decoder.decode(Attestation.self))
            }
        case "delegate":
            self = try decodingArguments(contract, method) { () throws(CodecError) in
                .delegate(
                    grantID: try decoder.decodeName(), newGrantID: try decoder.decodeName(),
                    agentOrganisation: try decoder.decodeName(),
                    validUntilMs: try decoder.decode(UInt64.self))
            }
        case "unbindHolderKey":
            self = try decodingArguments(contract, method) { () throws(CodecError) in
                .unbindHolderKey(
                    holder: try decoder.decode(Hash256.self),
                    holderKey: try decoder.decode(PublicKey.self))
            }
        case "mandate":
            self = try decodingArguments(contract, method) { () throws(CodecError) in
                .mandate(try decoder.decode(Mandate.self), try decoder.decode(Attestation.self))
            }
        case "revokeMandate":
            self = try decodingArguments(contract, method) { () throws(CodecError) in
                .revokeMandate(
                    mandateID: try decoder.decodeName(), try decoder.decode(Attestation.self))
            }
        default:
            throw .unknownMethod(contract: contract, method: method)
        }
    }
}
