import Contracts
import Foundation
import Ledger
import Testing

// Setup: Tests/vectors/transactions.json holds readable calls (inputs) and the bytes a
// client must produce for them (derived fields), as docs/encoding.md section 10 describes.
// Test: each vector is rebuilt from its readable fields with the project's own types, and
// every derived field must match byte for byte (Ed25519 signatures are deterministic); the
// sm2-sm3 vectors match up to the randomised signature, which must verify. With
// GOVCHAIN_WRITE_VECTORS=1 the derived fields are rewritten instead of checked.

/// Where the vector file lives, found from this source file so no resource is declared.
enum VectorFile {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("vectors").appendingPathComponent("transactions.json")

    static let writing = ProcessInfo.processInfo.environment["GOVCHAIN_WRITE_VECTORS"] == "1"

    static func load() throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw VectorError.field("transactions.json", "not an object")
        }
        return root
    }

    static func save(_ root: [String: Any]) throws {
        var data = try JSONSerialization.data(
            withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        try data.write(to: url)
    }
}

/// One suite's part of the file: its derivations and vectors, recomputed.
struct VectorSection {
    let algorithm: SignatureAlgorithm
    var hash: HashAlgorithm { algorithm.suite.hashAlgorithm }
    /// Fields whose recomputed value differs from the file's ("vector: field").
    var mismatches: [String] = []

    init(_ algorithm: SignatureAlgorithm) { self.algorithm = algorithm }

    /// The section with every derived field recomputed; mismatches are recorded.
    mutating func derive(_ section: [String: Any]) throws -> [String: Any] {
        var section = section
        let chainID = try ReadableObject(section, path: "section").string("chain_id")
        section["keys"] = try (section["keys"] as? [Any] ?? []).map { try deriveKey($0) }
        section["commitments"] = try (section["commitments"] as? [Any] ?? []).map {
            try deriveCommitment($0)
        }
        section["bill_check_digests"] = try (section["bill_check_digests"] as? [Any] ?? []).map {
            try deriveCheckDigest($0)
        }
        if let ids = section["licence_ids"] as? [Any] {
            section["licence_ids"] = try ids.map { try deriveLicenceID($0) }
        }
        section["vectors"] = try (section["vectors"] as? [Any] ?? []).map {
            try deriveVector($0, chainID: chainID)
        }
        return section
    }

    private mutating func compare(
        _ fields: inout [String: Any], _ key: String, _ value: Any, _ name: String
    ) {
        if let old = fields[key] as? String, let new = value as? String {
            if old != new { mismatches.append("\(name): \(key) is \(old), expected \(new)") }
        } else if let old = fields[key] as? [[String: String]],
            let new = value as? [[String: String]]
        {
            if old != new { mismatches.append("\(name): \(key) differs") }
        } else {
            mismatches.append("\(name): \(key) is missing")
        }
        fields[key] = value
    }

    private mutating func deriveKey(_ value: Any) throws -> [String: Any] {
        let entry = try ReadableObject(value, path: "keys")
        var fields = entry.fields
        let key = try entry.signingKey("seed_hex", algorithm)
        compare(&fields, "public_key_hex", key.publicKey.hex, "key \(try entry.string("name"))")
        return fields
    }

    private mutating func deriveCommitment(_ value: Any) throws -> [String: Any] {
        let entry = try ReadableObject(value, path: "commitments")
        var fields = entry.fields
        let pepper = try entry.bytes("pepper_hex")
        let idNumber = try entry.string("id_number")
        let contextName = try entry.string("context")
        guard let context = CommitmentContext(rawValue: contextName) else {
            throw VectorError.field(entry.path, "unknown context \(contextName)")
        }
        let commitment: Hash256
        if algorithm.suite == CryptoSuite.active {
            commitment = HolderCommitment.make(pepper: pepper, idNumber: idNumber, context: context)
        } else {
            // This process serves the other suite (one suite per process, docs/crypto.md), so
            // HolderCommitment cannot take the chain's HMAC here: the same definition with
            // the named hash (the Python test checks it against gmssl independently).
            let normalised = idNumber.trimmingCharacters(in: CharacterSet(charactersIn: " "))
                .uppercased()
            commitment = hash.authenticationCode(
                key: pepper,
                message: Array("govchain/holder/v2\u{0}\(contextName)\u{0}\(normalised)".utf8))
        }
        compare(
            &fields, "commitment_hex", commitment.hex, "\(contextName) commitment of \(idNumber)")
        return fields
    }

    private mutating func deriveCheckDigest(_ value: Any) throws -> [String: Any] {
        let entry = try ReadableObject(value, path: "bill_check_digests")
        var fields = entry.fields
        let billID = try entry.string("bill_id")
        // Argon2id is the KDF on both suites; only the salt takes the suite's hash.
        let digest = try BillCheckDigest.make(
            billID: billID, checkCode: try entry.string("check_code"), hash: hash)
        compare(&fields, "digest_hex", digest.hex, "check digest of \(billID)")
        return fields
    }

    private mutating func deriveLicenceID(_ value: Any) throws -> [String: Any] {
        let entry = try ReadableObject(value, path: "licence_ids")
        var fields = entry.fields
        guard let version = UInt32(exactly: try entry.uint64("version")),
            let id = LicenceIdentifier.make(
                typeCode: try entry.string("type_code"),
                issuerCreditCode: try entry.string("issuer_credit_code"),
                serial: try entry.string("serial"), version: version),
            (try? LicenceIdentifier(parsing: id)) != nil
        else { throw VectorError.field(entry.path, "not a valid licence identifier") }
        compare(&fields, "licence_id", id, "licence id \(id)")
        return fields
    }

    private mutating func deriveVector(_ value: Any, chainID: String) throws -> [String: Any] {
        let vector = try ReadableObject(value, path: "vectors")
        let name = try vector.string("name")
        var fields = vector.fields
        var given: [Signature] = []
        if algorithm == .sm2, !VectorFile.writing {
            for entry in fields["inner_signatures"] as? [[String: String]] ?? [] {
                given += Signature(hex: entry["signature_hex"] ?? "").map { [$0] } ?? []
            }
        }
        var builder = ReadableCallBuilder(chainID: chainID, algorithm: algorithm, given: given)
        let call = try builder.call(
            contract: try vector.string("contract"), method: try vector.string("method"),
            args: try vector.object("args"))
        #expect(call.contractName == (try vector.string("contract")), "\(name)")
        #expect(call.methodName == (try vector.string("method")), "\(name)")
        let signer = try vector.signingKey("signer_seed_hex", algorithm)
        let tx = call.transaction(
            chainID: chainID, signer: signer, uniqueID: try vector.bytes("unique_id_hex"),
            validUntilHeight: try vector.uint64("valid_until_height"))
        compare(&fields, "public_key_hex", signer.publicKey.hex, name)
        compare(&fields, "arguments_hex", Hex.encode(call.argumentBytes), name)
        compare(&fields, "signing_bytes_hex", Hex.encode(tx.signingBytes), name)
        // The project's own id where this process serves the suite; the named hash otherwise.
        let id = algorithm.suite == CryptoSuite.active ? tx.id : hash.hash(tx.signingBytes)
        compare(&fields, "tx_id_hex", id.hex, name)
        if algorithm == .ed25519 {
            compare(&fields, "transaction_hex", Hex.encode(tx.canonicalBytes), name)
            compare(&fields, "signature_hex", tx.signature.hex, name)
            compare(&fields, "inner_signatures", builder.inner.map(Self.readable), name)
            try checkRoundTrip(tx, call, name)
        } else {
            try checkRandomised(&fields, tx, builder.inner, name)
        }
        return fields
    }

    static func readable(_ inner: InnerSignature) -> [String: String] {
        [
            "public_key_hex": inner.publicKey.hex, "signed_hex": Hex.encode(inner.signed),
            "signature_hex": inner.signature.hex,
        ]
    }

    /// The bytes decode back to the same transaction and call, and the signature is valid
    /// under the chain's own rule.
    private func checkRoundTrip(_ tx: Transaction, _ call: ContractCall, _ name: String) throws {
        #expect(tx.hasValidSignature, "\(name): signature")
        let decoded = try Transaction(canonicalBytes: tx.canonicalBytes)
        #expect(decoded == tx, "\(name): transaction round trip")
        #expect(try ContractCall(transaction: decoded) == call, "\(name): call round trip")
    }

    /// SM2 signatures are randomised: the file's signature must verify and the bytes before
    /// it must match; in writing mode the fresh ones are stored.
    private mutating func checkRandomised(
        _ fields: inout [String: Any], _ tx: Transaction, _ inner: [InnerSignature],
        _ name: String
    ) throws {
        let body = Array(tx.canonicalBytes.dropLast(Signature.byteCount))
        let stored = (fields["transaction_hex"] as? String).flatMap(Hex.decode) ?? []
        let storedSignature = (fields["signature_hex"] as? String).flatMap(Signature.init(hex:))
        let verifies = storedSignature.map { tx.sender.verifies($0, for: tx.signingBytes) } ?? false
        let matches = Array(stored.dropLast(Signature.byteCount)) == body
            && storedSignature.map { Array(stored.suffix(Signature.byteCount)) == $0.bytes } == true
        let storedInner = fields["inner_signatures"] as? [[String: String]] ?? []
        let innerVerifies = storedInner.count == inner.count
            && zip(storedInner, inner).allSatisfy { entry, made in
                entry["public_key_hex"] == made.publicKey.hex
                    && entry["signed_hex"] == Hex.encode(made.signed)
                    && Signature(hex: entry["signature_hex"] ?? "").map {
                        made.publicKey.verifies($0, for: made.signed)
                    } == true
            }
        if VectorFile.writing {
            fields["transaction_hex"] = Hex.encode(tx.canonicalBytes)
            fields["signature_hex"] = tx.signature.hex
            fields["inner_signatures"] = inner.map(Self.readable)
        } else if !(verifies && matches && innerVerifies) {
            mismatches.append(
                "\(name): SM2 transaction bytes \(matches), signature verifies \(verifies), "
                    + "inner signatures \(innerVerifies)")
        }
    }
}

@Suite("Encoding vectors: docs/encoding.md, byte for byte")
struct EncodingVectorTests {
    @Test(
        "every ed25519-sha256 vector is rebuilt byte for byte from its readable call",
        .disabled(if: VectorFile.writing))
    func ed25519Vectors() throws {
        var section = VectorSection(.ed25519)
        _ = try section.derive(try VectorFile.load())
        #expect(section.mismatches.isEmpty, "\(section.mismatches.joined(separator: "\n"))")
    }

    @Test(
        "every sm2-sm3 vector matches up to its signature, and its signatures verify",
        .disabled(if: VectorFile.writing))
    func sm2Vectors() throws {
        let root = try VectorFile.load()
        var section = VectorSection(.sm2)
        _ = try section.derive(try #require(root["sm2_sm3"] as? [String: Any]))
        #expect(section.mismatches.isEmpty, "\(section.mismatches.joined(separator: "\n"))")
    }

    @Test("GOVCHAIN_WRITE_VECTORS=1 rewrites every derived field", .enabled(if: VectorFile.writing))
    func writeVectors() throws {
        var root = try VectorFile.load()
        var ed25519 = VectorSection(.ed25519)
        root = try ed25519.derive(root)
        var sm2 = VectorSection(.sm2)
        root["sm2_sm3"] = try sm2.derive(try #require(root["sm2_sm3"] as? [String: Any]))
        try VectorFile.save(root)
    }

    /// Every (contract, method), governance change, attestation, use basis and bill kind
    /// has a vector. A new call must add its name here and a vector to the file.
    @Test("the vectors cover every call, change, attestation, basis and bill kind")
    func coverage() throws {
        let vectors = try ReadableObject(try VectorFile.load(), path: "root").objects("vectors")
        var seen: Set<String> = []
        for vector in vectors {
            let method = "\(try vector.string("contract")).\(try vector.string("method"))"
            seen.insert(method)
            let args = vector.fields["args"] as? [String: Any] ?? [:]
            for key in ["change", "attestation", "basis", "number"] {
                if let kind = (args[key] as? [String: Any])?["kind"] as? String {
                    seen.insert("\(key):\(kind)")
                }
            }
        }
        let expected: Set<String> = [
            "governance.propose", "governance.approve", "licence.issue", "licence.issueBatch",
            "licence.renew", "licence.suspend", "licence.resume", "licence.revoke",
            "authorisation.bindHolderKey", "authorisation.unbindHolderKey", "authorisation.grant",
            "authorisation.revoke", "authorisation.delegate", "authorisation.mandate",
            "authorisation.revokeMandate", "licence-use.use", "licence-use.useData", "bill.issue",
            "bill.issueBatch", "bill.reverse", "reimbursement.claim", "reimbursement.settle",
            "reimbursement.release", "evidence.record",
            "change:registerOrganisation", "change:addKey", "change:removeKey", "change:rotateKey",
            "change:grantRole", "change:revokeRole", "change:addValidator",
            "change:removeValidator", "change:registerDutyItem", "change:removeDutyItem",
            "change:registerLicenceType", "change:addFollower", "change:removeFollower",
            "change:rotateValidatorKeys",
            "attestation:identity-provider",
            "attestation:holder-signature", "attestation:agent-signature", "basis:grant",
            "basis:statutory-duty", "number:medical", "number:tax-invoice",
        ]
        #expect(expected.subtracting(seen).isEmpty, "no vector for \(expected.subtracting(seen))")
    }

    /// The bill contract stores the issuer's digest as given, and it is the documented one.
    @Test("the check digest a bill carries is the one the bill record stores")
    func checkDigestIsStoredAsGiven() throws {
        var chain = TestChain()
        // A medical bill whose code year (23) fits the test chain's time (2023-11-14).
        let number = BillNumber.medical(code: "36010123", number: "0000000042")
        let digest = try BillCheckDigest.make(billID: number.billID, checkCode: "Q7w8E9")
        let issue = BillIssue(
            number: number, checkDigest: digest, issuedAtMs: TestChain.genesisTimeMs,
            totalFen: 5_000, categories: nil, payer: People.payer(0))
        let receipt = chain.submit(.bill(.issue(issue)), by: TestChain.hospital)
        #expect(receipt.isSuccess, "\(receipt)")
        let record = try #require(try chain.queries.bill(number.billID))
        #expect(record.checkDigest == digest)
        // The code is upper-cased before it is digested: as printed or as typed, one digest.
        #expect(
            record.checkDigest
                == (try BillCheckDigest.make(billID: number.billID, checkCode: "Q7W8E9")))
    }
}
