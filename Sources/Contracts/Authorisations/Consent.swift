public import Ledger

/// How a holder's consent was given (seed 003: 面对面授权 / 异地授权).
public enum ConsentMode: UInt8, Hashable, Sendable, CaseIterable {
    /// In person, at a service hall window.
    case faceToFace = 0
    /// Remotely, through an app or another channel.
    case remote = 1

    public var name: String {
        switch self {
        case .faceToFace: "face-to-face"
        case .remote: "remote"
        }
    }
}

/// How and through which channel (a hall, the app, a mini program ...) consent was given.
/// Recorded on every authorisation: grants and mandates.
public struct Consent: Hashable, Sendable, CanonicalCodable {
    public var mode: ConsentMode
    /// The channel's id, e.g. `gft-app`, `hall-360102-03`.
    public var channel: String

    public init(mode: ConsentMode, channel: String) {
        self.mode = mode
        self.channel = channel
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(mode.rawValue); encoder.encode(channel)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        mode = try decoder.decodeEnum(ConsentMode.self, named: "ConsentMode")
        channel = try decoder.decodeName()
    }

    func validate() throws(ContractError) {
        try Identifier.validate(channel, "consent channel")
    }
}

/// What kind of agent a mandate names.
public enum AgentKind: UInt8, Hashable, Sendable, CaseIterable {
    /// A legal representative (法定代表人 / 监护人).
    case legalRepresentative = 0
    /// An entrusted agent (委托代理人), e.g. for an enterprise.
    case entrustedAgent = 1

    public var name: String {
        switch self {
        case .legalRepresentative: "legal-representative"
        case .entrustedAgent: "entrusted-agent"
        }
    }
}

/// Person-to-person delegation: the principal lets an agent grant on their behalf, within a
/// scope, for some purposes, until a time. Grants the agent signs die with the mandate.
public struct Mandate: Hashable, Sendable, CanonicalCodable {
    static let signingDomain = Array("govchain/mandate/v1".utf8)

    public var mandateID: String
    public var principal: Hash256
    public var agent: Hash256
    public var kind: AgentKind
    /// What the agent's grants may cover: each list of a grant's scope must be within the
    /// same list here.
    public var scope: GrantScope
    /// The purposes the agent may grant for; empty: any. Sorted, unique.
    public var purposes: [String]
    public var validFromMs: UInt64
    public var validUntilMs: UInt64
    public var consent: Consent

    public init(
        mandateID: String, principal: Hash256, agent: Hash256, kind: AgentKind,
        scope: GrantScope, purposes: [String] = [], validFromMs: UInt64, validUntilMs: UInt64,
        consent: Consent
    ) {
        self.mandateID = mandateID
        self.principal = principal
        self.agent = agent
        self.kind = kind
        self.scope = scope
        self.purposes = Array(Set(purposes)).sorted()
        self.validFromMs = validFromMs
        self.validUntilMs = validUntilMs
        self.consent = consent
    }

    /// The bytes the principal signs to give the mandate.
    public func signingBytes(chainID: String) -> [UInt8] {
        var encoder = CanonicalEncoder()
        encoder.encode(fixed: Mandate.signingDomain)
        encoder.encode(chainID)
        encoder.encode(self)
        return encoder.bytes
    }

    /// Whether grant terms stay within what the mandate allows. A licence id is within a
    /// mandate for its type: the GB/T 36904 identifier names the type in its first field.
    func allows(_ terms: GrantTerms) -> Bool {
        terms.scope.licenceIDs.allSatisfy { id in
            scope.licenceIDs.contains(id)
                || (try? LicenceIdentifier(parsing: id)).map {
                    scope.licenceTypes.contains($0.typeCode)
                } == true
        }
            && Set(terms.scope.licenceTypes).isSubset(of: scope.licenceTypes)
            && Set(terms.scope.dataCategories).isSubset(of: scope.dataCategories)
            && (purposes.isEmpty || purposes.contains(terms.purpose))
            && terms.validUntilMs <= validUntilMs
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(mandateID); encoder.encode(principal); encoder.encode(agent)
        encoder.encode(kind.rawValue); encoder.encode(scope); encoder.encode(purposes)
        encoder.encode(validFromMs); encoder.encode(validUntilMs); encoder.encode(consent)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        mandateID = try decoder.decodeName(); principal = try decoder.decode(Hash256.self)
        agent = try decoder.decode(Hash256.self)
        kind = try decoder.decodeEnum(AgentKind.self, named: "AgentKind")
        scope = try decoder.decode(GrantScope.self)
        purposes = try decoder.decodeNames(limit: RecordLimits.scopeEntriesPerList)
        guard purposes == Array(Set(purposes)).sorted() else {
            throw .invalidValue(type: "Mandate", reason: "purposes must be sorted and unique")
        }
        validFromMs = try decoder.decode(UInt64.self)
        validUntilMs = try decoder.decode(UInt64.self)
        consent = try decoder.decode(Consent.self)
    }
}

/// A mandate as state holds it at `mandate/<id>`.
public struct MandateRecord: Hashable, Sendable, CanonicalCodable {
    public var mandate: Mandate
    /// "holder-signature", or the attesting identity provider's organisation id.
    public var attestedBy: String
    public var revoked: Bool
    public var grantedAtHeight: UInt64

    init(mandate: Mandate, attestedBy: String, grantedAtHeight: UInt64) {
        self.mandate = mandate
        self.attestedBy = attestedBy
        self.revoked = false
        self.grantedAtHeight = grantedAtHeight
    }

    /// Whether the mandate is in force at `timeMs`.
    public func isInForce(atMs timeMs: UInt64) -> Bool {
        !revoked && mandate.validFromMs <= timeMs && timeMs <= mandate.validUntilMs
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(mandate); encoder.encode(attestedBy); encoder.encode(revoked)
        encoder.encode(grantedAtHeight)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        mandate = try decoder.decode(Mandate.self); attestedBy = try decoder.decodeName()
        revoked = try decoder.decode(Bool.self); grantedAtHeight = try decoder.decode(UInt64.self)
    }
}

enum MandateKeys {
    static func mandate(_ id: String) -> StateKey { StateKey("mandate/\(id)") }
    static func byPrincipal(_ principal: Hash256) -> StateKey {
        StateKey("idx/mandate-principal/\(principal.hex)/")
    }
    static func byPrincipal(_ principal: Hash256, _ id: String) -> StateKey {
        StateKey("idx/mandate-principal/\(principal.hex)/\(id)")
    }
}
