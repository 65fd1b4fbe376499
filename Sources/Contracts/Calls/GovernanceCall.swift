public import Ledger

/// A change of organisations, keys or roles. It takes effect only once `adminThreshold`
/// distinct admin keys have approved it.
public enum GovernanceChange: Hashable, Sendable, CanonicalCodable {
    case registerOrganisation(id: String, name: String, creditCode: String)
    case addKey(organisationID: String, publicKey: PublicKey, roles: [Role], licenceTypes: [String])
    case removeKey(PublicKey)
    /// The new key takes over the old key's organisation, roles and licence types.
    case rotateKey(old: PublicKey, new: PublicKey)
    /// Adds a role; for `.licenceIssuer`, `licenceTypes` are added to the key's types.
    case grantRole(publicKey: PublicKey, role: Role, licenceTypes: [String])
    case revokeRole(publicKey: PublicKey, role: Role)
    /// Appends a validator to the set recorded in state (the node applies it to consensus).
    case addValidator(Validator)
    /// Removes a validator from the recorded set.
    case removeValidator(PublicKey)
    /// Registers a service item (权责事项) of the duty registry, or replaces it.
    case registerDutyItem(DutyItem)
    /// Removes a service item: statutory-duty uses naming it are refused from then on.
    case removeDutyItem(itemCode: String)
    /// Registers a licence type (issuers, validity rules, reminder window), or replaces it.
    case registerLicenceType(LicenceType)
    /// Admits a follower node's key (it syncs and serves reads, never votes).
    case addFollower(Follower)
    /// Withdraws a follower's admission: validators drop its connection.
    case removeFollower(PublicKey)
    /// Gives the validator whose consensus key is `validator` new consensus and network keys
    /// (either may stay the same). Like any set change it certifies from two blocks after
    /// the block that commits it; the node signs with the new consensus key from then on
    /// (its `next_consensus_key`), and dials and answers with the new network key once
    /// restarted with it.
    case rotateValidatorKeys(validator: PublicKey, consensusKey: PublicKey, networkKey: PublicKey)

    public var name: String {
        switch self {
        case .registerOrganisation: "registerOrganisation"
        case .addKey: "addKey"
        case .removeKey: "removeKey"
        case .rotateKey: "rotateKey"
        case .grantRole: "grantRole"
        case .revokeRole: "revokeRole"
        case .addValidator: "addValidator"
        case .removeValidator: "removeValidator"
        case .registerDutyItem: "registerDutyItem"
        case .removeDutyItem: "removeDutyItem"
        case .registerLicenceType: "registerLicenceType"
        case .addFollower: "addFollower"
        case .removeFollower: "removeFollower"
        case .rotateValidatorKeys: "rotateValidatorKeys"
        }
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .registerOrganisation(id, name, creditCode):
            encoder.encode(UInt8(0)); encoder.encode(id); encoder.encode(name)
            encoder.encode(creditCode)
        case let .addKey(organisationID, publicKey, roles, licenceTypes):
            encoder.encode(UInt8(1)); encoder.encode(organisationID); encoder.encode(publicKey)
            encoder.encode(roles: roles); encoder.encode(licenceTypes)
        case let .removeKey(publicKey):
            encoder.encode(UInt8(2)); encoder.encode(publicKey)
        case let .rotateKey(old, new):
            encoder.encode(UInt8(3)); encoder.encode(old); encoder.encode(new)
        case let .grantRole(publicKey, role, licenceTypes):
            encoder.encode(UInt8(4)); encoder.encode(publicKey); encoder.encode(role.rawValue)
            encoder.encode(licenceTypes)
        case let .revokeRole(publicKey, role):
            encoder.encode(UInt8(5)); encoder.encode(publicKey); encoder.encode(role.rawValue)
        case let .addValidator(validator):
            encoder.encode(UInt8(6)); encoder.encode(validator)
        case let .removeValidator(publicKey):
            encoder.encode(UInt8(7)); encoder.encode(publicKey)
        case let .registerDutyItem(item):
            encoder.encode(UInt8(8)); encoder.encode(item)
        case let .removeDutyItem(itemCode):
            encoder.encode(UInt8(9)); encoder.encode(itemCode)
        case let .registerLicenceType(type):
            encoder.encode(UInt8(10)); encoder.encode(type)
        case let .addFollower(follower):
            encoder.encode(UInt8(11)); encoder.encode(follower)
        case let .removeFollower(publicKey):
            encoder.encode(UInt8(12)); encoder.encode(publicKey)
        case let .rotateValidatorKeys(validator, consensusKey, networkKey):
            encoder.encode(UInt8(13)); encoder.encode(validator); encoder.encode(consensusKey)
            encoder.encode(networkKey)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        switch try decoder.decodeTag(of: "GovernanceChange", count: 14) {
        case 0:
            self = .registerOrganisation(
                id: try decoder.decodeName(),
                name: try decoder.decode(String.self, limit: RecordLimits.organisationNameBytes),
                creditCode: try decoder.decodeName())
        case 1:
            self = .addKey(
                organisationID: try decoder.decodeName(),
                publicKey: try decoder.decode(PublicKey.self),
                roles: try decoder.decodeRoles(),
                licenceTypes: try decoder.decodeNames(limit: RecordLimits.licenceTypesPerKey))
        case 2: self = .removeKey(try decoder.decode(PublicKey.self))
        case 3:
            self = .rotateKey(
                old: try decoder.decode(PublicKey.self), new: try decoder.decode(PublicKey.self))
        case 4:
            self = .grantRole(
                publicKey: try decoder.decode(PublicKey.self), role: try Self.decodeRole(&decoder),
                licenceTypes: try decoder.decodeNames(limit: RecordLimits.licenceTypesPerKey))
        case 5:
            self = .revokeRole(
                publicKey: try decoder.decode(PublicKey.self), role: try Self.decodeRole(&decoder))
        case 6: self = .addValidator(try decoder.decode(Validator.self))
        case 7: self = .removeValidator(try decoder.decode(PublicKey.self))
        case 8: self = .registerDutyItem(try decoder.decode(DutyItem.self))
        case 9: self = .removeDutyItem(itemCode: try decoder.decodeName())
        case 10: self = .registerLicenceType(try decoder.decode(LicenceType.self))
        case 11: self = .addFollower(try decoder.decode(Follower.self))
        case 12: self = .removeFollower(try decoder.decode(PublicKey.self))
        default:
            self = .rotateValidatorKeys(
                validator: try decoder.decode(PublicKey.self), consensusKey: try decoder.decode(PublicKey.self),
                networkKey: try decoder.decode(PublicKey.self))
        }
    }

    private static func decodeRole(_ decoder: inout CanonicalDecoder) throws(CodecError) -> Role {
        let name = try decoder.decodeName()
        guard let role = Role(rawValue: name) else {
            throw .invalidValue(type: "Role", reason: "unknown role \(name)")
        }
        return role
    }
}

/// Calls of the `governance` contract (admin keys only).
public enum GovernanceCall: MethodCall {
    /// Proposes a change under a caller-chosen id; the proposer's approval counts.
    case propose(proposalID: String, change: GovernanceChange)
    /// Approves a pending proposal; the approval that reaches the threshold executes it.
    case approve(proposalID: String)

    public static let contractName = "governance"

    public var methodName: String {
        switch self {
        case .propose: "propose"
        case .approve: "approve"
        }
    }

    func encodeArguments(to encoder: inout CanonicalEncoder) {
        switch self {
        case let .propose(proposalID, change):
            encoder.encode(proposalID)
            encoder.encode(change)
        case let .approve(proposalID):
            encoder.encode(proposalID)
        }
    }

    init(method: String, arguments decoder: inout CanonicalDecoder) throws(CallDecodingError) {
        let contract = Self.contractName
        switch method {
        case "propose":
            self = try decodingArguments(contract, method) { () throws(CodecError) in
                .propose(
                    proposalID: try decoder.decodeName(),
                    change: try decoder.decode(GovernanceChange.self))
            }
        case "approve":
            self = try decodingArguments(contract, method) { () throws(CodecError) in
                .approve(proposalID: try decoder.decodeName())
            }
        default:
            throw .unknownMethod(contract: contract, method: method)
        }
    }
}
