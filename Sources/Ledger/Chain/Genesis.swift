/// A role an organisation's key may hold (../shared/DOMAIN.md "Actors and roles").
public enum Role: String, Hashable, Comparable, Sendable, Codable, CaseIterable {
    case admin = "admin"
    case licenceIssuer = "licence-issuer"
    case licenceUser = "licence-user"
    case identityProvider = "identity-provider"
    case billIssuer = "bill-issuer"
    case reimburser = "reimburser"
    case auditor = "auditor"

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One signing key of an organisation and what it may do.
public struct OrganisationKey: Hashable, Sendable, Codable, CanonicalCodable {
    public var publicKey: PublicKey
    /// Kept sorted and unique, so the encoding is canonical.
    public var roles: [Role]
    /// Licence type codes this key may issue (only meaningful with `.licenceIssuer`).
    public var licenceTypes: [String]

    public init(publicKey: PublicKey, roles: [Role], licenceTypes: [String] = []) {
        self.publicKey = publicKey
        self.roles = Array(Set(roles)).sorted()
        self.licenceTypes = Array(Set(licenceTypes)).sorted()
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(publicKey)
        encoder.encode(roles.map(\.rawValue))
        encoder.encode(licenceTypes)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        publicKey = try decoder.decode(PublicKey.self)
        var roles: [Role] = []
        for name in try decoder.decodeStrings(limit: Role.allCases.count) {
            guard let role = Role(rawValue: name) else {
                throw .invalidValue(type: "Role", reason: "unknown role \(name)")
            }
            roles.append(role)
        }
        guard roles == Array(Set(roles)).sorted() else {
            throw .invalidValue(type: "OrganisationKey", reason: "roles not sorted and unique")
        }
        self.roles = roles
        licenceTypes = try decoder.decodeStrings(limit: 256)
        guard licenceTypes == Array(Set(licenceTypes)).sorted() else {
            throw .invalidValue(type: "OrganisationKey", reason: "licence types not sorted and unique")
        }
    }
}

/// A department, hospital, insurer or bureau that holds keys.
public struct Organisation: Hashable, Sendable, Codable, CanonicalCodable {
    public var id: String
    public var name: String
    /// The organisation's unified social credit code (an organisation's code is public).
    public var creditCode: String
    public var keys: [OrganisationKey]

    public init(id: String, name: String, creditCode: String, keys: [OrganisationKey]) {
        self.id = id
        self.name = name
        self.creditCode = creditCode
        self.keys = keys
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(id)
        encoder.encode(name)
        encoder.encode(creditCode)
        encoder.encode(keys)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        id = try decoder.decode(String.self, limit: 64)
        name = try decoder.decode(String.self, limit: 256)
        creditCode = try decoder.decode(String.self, limit: 18)
        keys = try decoder.decodeArray(of: OrganisationKey.self, limit: 256)
    }
}

/// Timeouts and limits every validator must agree on. Integer milliseconds only.
public struct ConsensusParameters: Hashable, Sendable, Codable, CanonicalCodable {
    public var timeoutProposeMs: UInt64
    public var timeoutVoteMs: UInt64
    /// Each failed round multiplies the timeouts by 2, up to this cap.
    public var timeoutMaxMs: UInt64
    public var maxBlockTransactions: UInt32
    public var maxBlockBytes: UInt32
    public var maxTransactionBytes: UInt32

    public init(
        timeoutProposeMs: UInt64 = 1_000, timeoutVoteMs: UInt64 = 500, timeoutMaxMs: UInt64 = 30_000,
        maxBlockTransactions: UInt32 = 5_000, maxBlockBytes: UInt32 = 8 << 20,
        maxTransactionBytes: UInt32 = UInt32(Transaction.maxEncodedBytes)
    ) {
        self.timeoutProposeMs = timeoutProposeMs
        self.timeoutVoteMs = timeoutVoteMs
        self.timeoutMaxMs = timeoutMaxMs
        self.maxBlockTransactions = maxBlockTransactions
        self.maxBlockBytes = maxBlockBytes
        self.maxTransactionBytes = maxTransactionBytes
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(timeoutProposeMs)
        encoder.encode(timeoutVoteMs)
        encoder.encode(timeoutMaxMs)
        encoder.encode(maxBlockTransactions)
        encoder.encode(maxBlockBytes)
        encoder.encode(maxTransactionBytes)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        timeoutProposeMs = try decoder.decode(UInt64.self)
        timeoutVoteMs = try decoder.decode(UInt64.self)
        timeoutMaxMs = try decoder.decode(UInt64.self)
        maxBlockTransactions = try decoder.decode(UInt32.self)
        maxBlockBytes = try decoder.decode(UInt32.self)
        maxTransactionBytes = try decoder.decode(UInt32.self)
    }
}

/// The chain's first document: who validates, which organisations exist with which roles,
/// and the consensus parameters. Its canonical hash names the chain's trust root.
public struct Genesis: Hashable, Sendable, Codable, CanonicalCodable {
    public static let version: UInt8 = 1
    public static let cryptoSuiteEd25519SHA256 = "ed25519-sha256"

    public var chainID: String
    public var genesisTimeMs: UInt64
    public var cryptoSuite: String
    /// The SM2 user id (GM/T 0003.2's ID_A) of an `sm2-sm3` chain; nil means the standard's
    /// default "1234567812345678". Not allowed on other suites.
    public var sm2UserID: String?
    public var validators: [Validator]
    public var organisations: [Organisation]
    /// Admin approvals needed for a governance change (k of the admin keys).
    public var adminThreshold: UInt32
    public var consensus: ConsensusParameters

    public init(
        chainID: String, genesisTimeMs: UInt64, cryptoSuite: String = Genesis.cryptoSuiteEd25519SHA256,
        validators: [Validator], organisations: [Organisation], adminThreshold: UInt32,
        consensus: ConsensusParameters, sm2UserID: String? = nil
    ) {
        self.chainID = chainID
        self.genesisTimeMs = genesisTimeMs
        self.cryptoSuite = cryptoSuite
        self.sm2UserID = sm2UserID
        self.validators = validators
        self.organisations = organisations
        self.adminThreshold = adminThreshold
        self.consensus = consensus
    }

    public var hash: Hash256 { ChainHash.hash(canonicalBytes) }
    public var validatorSet: ValidatorSet { ValidatorSet(validators) }

    /// The suite this genesis names (`validate` has refused unknown names).
    public var suite: CryptoSuite {
        get throws(CryptoSuiteError) { try CryptoSuite(genesisName: cryptoSuite) }
    }

    /// The SM2 user id in force on this chain (the standard's default unless named).
    public var effectiveSM2UserID: [UInt8] { sm2UserID.map { Array($0.utf8) } ?? SM2.defaultUserID }

    /// Makes this genesis's suite the process's (see `CryptoSuite`): call it before the
    /// first chain hash; a process already serving another suite is refused.
    public func activateSuite() throws(CryptoSuiteError) {
        try CryptoSuite.activate(try suite, sm2UserID: effectiveSM2UserID)
    }

    /// Checks what a hand-edited genesis file may get wrong, before anything trusts it.
    public func validate() throws(CodecError) {
        func fail(_ reason: String) -> CodecError { .invalidValue(type: "Genesis", reason: reason) }
        guard !chainID.isEmpty, chainID.utf8.count <= 64 else { throw fail("chain id must be 1...64 bytes") }
        let suite: CryptoSuite
        do { suite = try self.suite } catch { throw fail(error.description) }
        if let sm2UserID {
            guard suite == .sm2SM3 else { throw fail("sm2UserID is only for the sm2-sm3 suite") }
            guard SM2.isValidUserID(Array(sm2UserID.utf8)) else {
                throw fail("sm2UserID must be 1...\(SM2.maxUserIDBytes) bytes")
            }
        }
        // No suite mixing: every key is of the suite's algorithm.
        let algorithm = suite.signatureAlgorithm
        for key in validators.flatMap({ [$0.publicKey, $0.networkKey] })
            + organisations.flatMap({ $0.keys.map(\.publicKey) })
        where key.algorithm != algorithm {
            throw fail(
                "key \(key.hex) is \(key.algorithm), but the suite \(suite) signs with \(algorithm)")
        }
        guard (1...ValidatorSet.maxValidators).contains(validators.count) else {
            throw fail("needs 1...\(ValidatorSet.maxValidators) validators")
        }
        if let conflict = Validator.keyConflict(in: validators) { throw fail(conflict) }
        // A consensus key signs statements only: an organisation key that equals one could
        // make it sign transactions too (network keys sign only handshakes, which no
        // transaction or statement can be mistaken for, but are kept apart all the same).
        let validatorKeys = Set(validators.flatMap { [$0.publicKey, $0.networkKey] })
        for organisation in organisations {
            for key in organisation.keys where validatorKeys.contains(key.publicKey) {
                throw fail("organisation \(organisation.id) holds validator key \(key.publicKey.hex.prefix(16)): "
                    + "a validator's consensus and network keys have no other use")
            }
        }
        guard Set(organisations.map(\.id)).count == organisations.count else {
            throw fail("duplicate organisation id")
        }
        // The limits the canonical decoders (and the contracts' records) read back: a
        // genesis beyond them would write state that no node can decode.
        for organisation in organisations {
            guard organisation.id.utf8.count <= 64, organisation.name.utf8.count <= 256,
                  organisation.creditCode.utf8.count <= 18
            else { throw fail("organisation \(organisation.id): id, name or credit code too long") }
            guard organisation.keys.count <= 256 else {
                throw fail("organisation \(organisation.id) has more than 256 keys")
            }
            for key in organisation.keys where key.licenceTypes.count > 256 {
                throw fail("a key of \(organisation.id) has more than 256 licence types")
            }
        }
        let allKeys = organisations.flatMap { $0.keys.map(\.publicKey) }
        guard Set(allKeys).count == allKeys.count else { throw fail("a key belongs to two organisations") }
        let admins = organisations.flatMap(\.keys).filter { $0.roles.contains(.admin) }.count
        guard adminThreshold >= 1, adminThreshold <= admins else {
            throw fail("admin threshold \(adminThreshold) must be 1...\(admins) (the admin keys)")
        }
        guard consensus.timeoutProposeMs > 0, consensus.timeoutVoteMs > 0,
              consensus.timeoutMaxMs >= consensus.timeoutProposeMs
        else { throw fail("timeouts must be positive and below the cap") }
    }

    /// Decodes a stored genesis whose suite the process may not have chosen yet: reads the
    /// suite from the leading fields, activates it (keys decode at its length), then decodes
    /// the whole. A process already serving another suite is refused.
    public static func decodeActivatingSuite(_ bytes: [UInt8]) throws -> Genesis {
        var decoder = CanonicalDecoder(bytes)
        _ = try decoder.decodeVersion(of: "Genesis", supported: 1...1)
        _ = try decoder.decode(String.self, limit: 64)
        _ = try decoder.decode(UInt64.self)
        let suite = try CryptoSuite(genesisName: try decoder.decode(String.self, limit: 64))
        let userID =
            suite == .sm2SM3
            ? Array(try decoder.decode(String.self, limit: SM2.maxUserIDBytes).utf8)
            : SM2.defaultUserID
        try CryptoSuite.activate(suite, sm2UserID: userID)
        return try Genesis(canonicalBytes: bytes)
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(Genesis.version)
        encoder.encode(chainID)
        encoder.encode(genesisTimeMs)
        encoder.encode(cryptoSuite)
        // Only an SM2 chain encodes its user id, so an Ed25519 genesis keeps its hash.
        if cryptoSuite == CryptoSuite.sm2SM3.rawValue {
            encoder.encode(sm2UserID ?? String(decoding: SM2.defaultUserID, as: UTF8.self))
        }
        encoder.encode(validators)
        encoder.encode(organisations)
        encoder.encode(adminThreshold)
        encoder.encode(consensus)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        _ = try decoder.decodeVersion(of: "Genesis", supported: 1...1)
        chainID = try decoder.decode(String.self, limit: 64)
        genesisTimeMs = try decoder.decode(UInt64.self)
        cryptoSuite = try decoder.decode(String.self, limit: 64)
        if cryptoSuite == CryptoSuite.sm2SM3.rawValue {
            let id = try decoder.decode(String.self, limit: SM2.maxUserIDBytes)
            sm2UserID = id.utf8.elementsEqual(SM2.defaultUserID) ? nil : id
        } else {
            sm2UserID = nil
        }
        validators = try decoder.decodeArray(of: Validator.self, limit: ValidatorSet.maxValidators)
        organisations = try decoder.decodeArray(of: Organisation.self, limit: 4096)
        adminThreshold = try decoder.decode(UInt32.self)
        consensus = try decoder.decode(ConsensusParameters.self)
    }
}

extension OrganisationKey {
    private enum CodingKeys: String, CodingKey { case publicKey, roles, licenceTypes }

    /// Normalises (sorts, de-duplicates) roles and licence types read from a JSON file.
    public init(from decoder: any Swift.Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            publicKey: try container.decode(PublicKey.self, forKey: .publicKey),
            roles: try container.decode([Role].self, forKey: .roles),
            licenceTypes: try container.decodeIfPresent([String].self, forKey: .licenceTypes) ?? [])
    }
}
