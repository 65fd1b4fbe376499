public import Ledger

/// A department's use of a person's data of one category (address, social insurance
/// record, ...): recorded against the grant that covers it, or a statutory duty, with the
/// checks a licence use gets (issue 13 item 3).
public struct DataUse: Hashable, Sendable, CanonicalCodable {
    /// Chosen by the user organisation, unique within it: a retry records nothing twice.
    public var useID: String
    public var holder: Hash256
    public var dataCategory: String
    public var purpose: String
    public var itemCode: String
    public var basis: UseBasis

    public init(
        useID: String, holder: Hash256, dataCategory: String, purpose: String, itemCode: String,
        basis: UseBasis
    ) {
        self.useID = useID
        self.holder = holder
        self.dataCategory = dataCategory
        self.purpose = purpose
        self.itemCode = itemCode
        self.basis = basis
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(useID); encoder.encode(holder); encoder.encode(dataCategory)
        encoder.encode(purpose); encoder.encode(itemCode); encoder.encode(basis)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        useID = try decoder.decodeName(); holder = try decoder.decode(Hash256.self)
        dataCategory = try decoder.decodeName(); purpose = try decoder.decodeName()
        itemCode = try decoder.decodeName(); basis = try decoder.decode(UseBasis.self)
    }
}

/// A recorded data use at `datause/<holder hex>/<height hex16>/<tx id hex>`.
public struct DataUseRecord: Hashable, Sendable, CanonicalCodable {
    public var use: DataUse
    public var userOrganisation: String
    public var userKey: PublicKey
    public var txID: Hash256
    public var height: UInt64
    public var blockTimeMs: UInt64

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(use); encoder.encode(userOrganisation); encoder.encode(userKey)
        encoder.encode(txID); encoder.encode(height); encoder.encode(blockTimeMs)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        use = try decoder.decode(DataUse.self); userOrganisation = try decoder.decodeName()
        userKey = try decoder.decode(PublicKey.self); txID = try decoder.decode(Hash256.self)
        height = try decoder.decode(UInt64.self); blockTimeMs = try decoder.decode(UInt64.self)
    }

    init(_ use: DataUse, in context: ContractContext) {
        self.use = use
        userOrganisation = context.organisationID
        userKey = context.caller.publicKey
        txID = context.txID
        height = context.blockHeight
        blockTimeMs = context.blockTimeMs
    }
}

enum DataUseKeys {
    static func uses(_ holder: Hash256) -> StateKey { StateKey("datause/\(holder.hex)/") }
    static func use(_ holder: Hash256, height: UInt64, txID: Hash256) -> StateKey {
        StateKey("datause/\(holder.hex)/\(paddedHex(height))/\(txID.hex)")
    }
    /// Where an organisation's data-use id points: the key of the record it made.
    static func useID(_ organisation: String, _ useID: String) -> StateKey {
        StateKey("datauseid/\(organisation)/\(useID)")
    }
}

/// The data-use rules: the same as a licence use's, with the data category in place of
/// the licence.
enum DataUseContract {
    static let name = LicenceUseCall.contractName

    static func use(_ use: DataUse, in context: inout ContractContext) throws(ContractError) {
        try Identifier.validate(use.useID, "use id")
        try Identifier.validate(use.dataCategory, "data category")
        try Identifier.validate(use.purpose, "purpose")
        try Identifier.validate(use.itemCode, "service-item code")
        let idKey = DataUseKeys.useID(context.organisationID, use.useID)
        if let target = context.overlay.value(for: idKey) {
            let earlier = try context.require(
                DataUseRecord.self, at: StateKey(bytes: target), "data-use id points here")
            guard earlier.use == use else {
                throw ContractError(
                    .alreadyExists,
                    "data use \(use.useID) of \(context.organisationID) was recorded for "
                        + "other terms")
            }
            context.emit(
                name, "replayed", [("use", use.useID), ("height", String(earlier.height))])
            return
        }
        switch use.basis {
        case let .grant(grantID):
            try requireGrant(grantID, for: use, in: context)
            try DutyRegistry.requireCovered(
                use.itemCode, byGrant: grantID, purpose: use.purpose, in: context)
        case .statutoryDuty:
            try DutyRegistry.requireDuty(
                use.itemCode, licenceType: nil, dataCategory: use.dataCategory, in: context)
        }
        let key = DataUseKeys.use(use.holder, height: context.blockHeight, txID: context.txID)
        context.put(DataUseRecord(use, in: context), at: key)
        context.putBytes(key.bytes, at: idKey)
        var basis = "statutory-duty"
        if case let .grant(grantID) = use.basis { basis = "grant:\(grantID)" }
        context.emit(
            name, "dataUsed",
            [
                ("use", use.useID), ("holder", use.holder.hex), ("category", use.dataCategory),
                ("user", context.organisationID), ("purpose", use.purpose),
                ("itemCode", use.itemCode), ("basis", basis),
                ("blockTimeMs", String(context.blockTimeMs)),
            ])
    }

    /// A live grant of the holder to the caller's organisation, for the purpose, covering
    /// the data category.
    private static func requireGrant(
        _ grantID: String, for use: DataUse, in context: ContractContext
    ) throws(ContractError)
    {
        guard let grant = try context.get(GrantRecord.self, at: GrantKeys.grant(grantID)) else {
            throw ContractError(.noLiveGrant, "no grant \(grantID)")
        }
        let terms = grant.terms
        guard terms.granteeOrganisation == context.organisationID, terms.holder == use.holder,
            terms.scope.dataCategories.contains(use.dataCategory), terms.purpose == use.purpose
        else {
            throw ContractError(
                .noLiveGrant,
                "grant \(grantID) does not give \(context.organisationID) data "
                    + "\(use.dataCategory) of this holder for \(use.purpose)")
        }
        let live = try GrantLiveness.isLive(grant, in: context)
        guard live else {
            throw ContractError(
                .noLiveGrant,
                "grant \(grantID) is revoked or outside its validity at \(context.blockTimeMs)")
        }
    }
}
