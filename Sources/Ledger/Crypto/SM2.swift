internal import COpenSSL
internal import CSodium

/// SM2 signatures (GM/T 0003.2-2012, GB/T 32918.2-2016) on the recommended 256-bit curve,
/// with SM3 as the hash and the user-id rule (Z_A = SM3(ENTL || ID || a || b || G || P)),
/// through OpenSSL 3's EVP interface.
///
/// The rule every node applies (pinned here, not left to OpenSSL's parsing):
/// - a public key is 33 bytes, SEC 1 compressed (0x02 or 0x03, then x), a point on the
///   curve other than infinity, in its one canonical encoding (re-encoding gives the same
///   bytes);
/// - a signature is 64 bytes, r || s big-endian, with 1 <= r < n and 1 <= s < n. SM2 has no
///   (r, n - s) twin the way ECDSA has, so no low-S rule is needed; DER is only produced
///   internally from these fixed fields, so DER malleability cannot reach the chain;
/// - a private key is a scalar d with 1 <= d <= n - 2 (the standard's range).
/// Signing draws a fresh random k (OpenSSL 3.0 has no deterministic SM2 nonces): the same
/// key signs the same message differently each time, and both signatures are valid.
public enum SM2 {
    public static let publicKeyByteCount = 33
    public static let signatureByteCount = 64
    public static let privateKeyByteCount = 32
    /// GM/T 0009-2012's default distinguishing identifier.
    public static let defaultUserID = Array("1234567812345678".utf8)
    /// ENTL is the id's length in bits in two bytes, so the standard allows 8,191 bytes;
    /// genesis keeps it short.
    public static let maxUserIDBytes = 255

    /// The order n of the base point, big-endian.
    static let order: [UInt8] = hexBytes(
        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123")

    static func isValidUserID(_ id: [UInt8]) -> Bool { (1...maxUserIDBytes).contains(id.count) }

    /// True when the 32 big-endian bytes are in 1 ... n - 1 - `belowOrderBy`.
    static func isScalarInRange(_ bytes: ArraySlice<UInt8>, belowOrderBy margin: UInt8 = 0) -> Bool {
        guard bytes.count == 32, bytes.contains(where: { $0 != 0 }) else { return false }
        // limit = n - 1 - margin (n ends in 0x23, so no borrow for margins below 0x23).
        var limit = order
        limit[31] -= 1 + margin
        for (byte, bound) in zip(bytes, limit) where byte != bound { return byte < bound }
        return true
    }

    static func hexBytes(_ text: String) -> [UInt8] {
        // Only for the constants above, which are well-formed.
        Hex.decode(text) ?? []
    }

    // MARK: - Curve points

    /// The SM2 curve group. @unchecked Sendable: an EC_GROUP is only read after creation,
    /// which OpenSSL allows from many threads; it lives for the process.
    final class Curve: @unchecked Sendable {
        let group: OpaquePointer

        init() {
            guard let group = EC_GROUP_new_by_curve_name(NID_sm2) else {
                preconditionFailure("OpenSSL has no SM2 curve")
            }
            self.group = group
        }
    }

    static let curve = Curve()

    /// Decodes a compressed point; nil unless it is a canonical encoding of a finite point
    /// on the curve. Returns the uncompressed form (0x04 || x || y) OpenSSL's key import takes.
    static func uncompressedPoint(fromCompressed bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == publicKeyByteCount, bytes[0] == 0x02 || bytes[0] == 0x03,
              let point = EC_POINT_new(curve.group)
        else { return nil }
        defer { EC_POINT_free(point) }
        guard EC_POINT_oct2point(curve.group, point, bytes, bytes.count, nil) == 1,
              EC_POINT_is_at_infinity(curve.group, point) == 0,
              EC_POINT_is_on_curve(curve.group, point, nil) == 1,
              encode(point, form: POINT_CONVERSION_COMPRESSED, count: 33) == bytes
        else { return nil }
        return encode(point, form: POINT_CONVERSION_UNCOMPRESSED, count: 65)
    }

    /// d * G in compressed and uncompressed form; nil if d is not a valid private key.
    static func publicPoint(ofPrivate scalar: [UInt8]) -> (compressed: [UInt8], full: [UInt8])? {
        guard isScalarInRange(scalar[...], belowOrderBy: 1),
              let point = EC_POINT_new(curve.group)
        else { return nil }
        defer { EC_POINT_free(point) }
        guard let d = BN_bin2bn(scalar, Int32(scalar.count), nil) else { return nil }
        defer { BN_clear_free(d) }
        guard EC_POINT_mul(curve.group, point, d, nil, nil, nil) == 1,
              let compressed = encode(point, form: POINT_CONVERSION_COMPRESSED, count: 33),
              let full = encode(point, form: POINT_CONVERSION_UNCOMPRESSED, count: 65)
        else { return nil }
        return (compressed, full)
    }

    private static func encode(
        _ point: OpaquePointer, form: point_conversion_form_t, count: Int
    ) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        let written = EC_POINT_point2oct(curve.group, point, form, &out, count, nil)
        return written == count ? out : nil
    }

    // MARK: - Keys in OpenSSL

    /// An EVP_PKEY of type SM2 (public, or a key pair).
    /// @unchecked Sendable: the key is never modified after import; OpenSSL 3 allows
    /// concurrent signing and verification with one EVP_PKEY (each call makes its own
    /// contexts).
    final class KeyHandle: @unchecked Sendable {
        let key: OpaquePointer

        /// - Parameters:
        ///   - point: the uncompressed public point.
        ///   - privateScalar: the private scalar for a key pair, nil for a public key.
        init?(point: [UInt8], privateScalar: [UInt8]?) {
            guard let key = point.withUnsafeBufferPointer({ buffer in
                KeyHandle.importKey(point: buffer, privateScalar: privateScalar)
            }) else { return nil }
            self.key = key
        }

        /// The names OpenSSL's parameter builder keeps by reference until `to_param`: static
        /// strings, so they outlive every builder.
        private static func cString(_ text: StaticString) -> UnsafePointer<CChar> {
            UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
        }

        /// Builds the EVP_PKEY. `point` must stay valid until the parameters are built (the
        /// builder references octet strings rather than copying them), hence the buffer.
        private static func importKey(
            point: UnsafeBufferPointer<UInt8>, privateScalar: [UInt8]?
        ) -> OpaquePointer? {
            guard let builder = OSSL_PARAM_BLD_new() else { return nil }
            defer { OSSL_PARAM_BLD_free(builder) }
            var privateNumber: OpaquePointer?
            defer { if let privateNumber { BN_clear_free(privateNumber) } }
            guard OSSL_PARAM_BLD_push_utf8_string(builder, cString("group"), cString("SM2"), 0) == 1,
                  OSSL_PARAM_BLD_push_octet_string(
                      builder, cString("pub"), point.baseAddress, point.count) == 1
            else { return nil }
            if let privateScalar {
                privateNumber = BN_secure_new() ?? BN_new()
                // push_BN copies the number's value when the parameters are built, below.
                guard let privateNumber,
                      BN_bin2bn(privateScalar, Int32(privateScalar.count), privateNumber) != nil,
                      OSSL_PARAM_BLD_push_BN(builder, cString("priv"), privateNumber) == 1
                else { return nil }
            }
            guard let params = OSSL_PARAM_BLD_to_param(builder) else { return nil }
            defer { OSSL_PARAM_free(params) }
            guard let context = EVP_PKEY_CTX_new_from_name(nil, cString("SM2"), nil) else {
                return nil
            }
            defer { EVP_PKEY_CTX_free(context) }
            // EVP_PKEY_PUBLIC_KEY / EVP_PKEY_KEYPAIR are macros Swift does not import:
            // OSSL_KEYMGMT_SELECT_ALL_PARAMETERS (0x84) | PUBLIC_KEY (0x02) [| PRIVATE_KEY (0x01)].
            let selection: Int32 = privateScalar == nil ? 0x86 : 0x87
            var key: OpaquePointer?
            guard EVP_PKEY_fromdata_init(context) == 1,
                  EVP_PKEY_fromdata(context, &key, selection, params) == 1
            else { return nil }
            return key
        }

        deinit { EVP_PKEY_free(key) }

        /// Runs `body` with a digest context set up for SM2 with SM3 and the chain's user id.
        fileprivate func withDigestContext<Result>(
            userID: [UInt8], _ body: (OpaquePointer) -> Result?
        ) -> Result? {
            guard let digestContext = EVP_MD_CTX_new() else { return nil }
            defer { EVP_MD_CTX_free(digestContext) }
            guard let keyContext = EVP_PKEY_CTX_new(key, nil) else { return nil }
            defer { EVP_PKEY_CTX_free(keyContext) }
            guard EVP_PKEY_CTX_set1_id(keyContext, userID, Int32(userID.count)) == 1 else {
                return nil
            }
            EVP_MD_CTX_set_pkey_ctx(digestContext, keyContext)
            return body(digestContext)
        }

        /// A raw r || s signature of `message`, or nil if OpenSSL failed.
        func sign(_ message: [UInt8], userID: [UInt8]) -> [UInt8]? {
            withDigestContext(userID: userID) { context -> [UInt8]? in
                guard EVP_DigestSignInit(context, nil, HashAlgorithm.sm3.fetched, nil, key) == 1
                else { return nil }
                var length = 0
                guard EVP_DigestSign(context, nil, &length, message, message.count) == 1,
                      length > 0, length <= 80
                else { return nil }
                var der = [UInt8](repeating: 0, count: length)
                guard EVP_DigestSign(context, &der, &length, message, message.count) == 1 else {
                    return nil
                }
                return SM2.rawSignature(fromDER: Array(der.prefix(length)))
            }
        }

        /// Whether `signature` (raw r || s, already range-checked) signs `message`.
        func verify(_ signature: [UInt8], message: [UInt8], userID: [UInt8]) -> Bool {
            guard let der = SM2.derSignature(fromRaw: signature) else { return false }
            return withDigestContext(userID: userID) { context -> Bool in
                guard EVP_DigestVerifyInit(context, nil, HashAlgorithm.sm3.fetched, nil, key) == 1
                else { return false }
                return EVP_DigestVerify(context, der, der.count, message, message.count) == 1
            } ?? false
        }
    }

    // MARK: - Signature encodings

    static func rawSignature(fromDER der: [UInt8]) -> [UInt8]? {
        der.withUnsafeBufferPointer { buffer -> [UInt8]? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let parsed = d2i_ECDSA_SIG(nil, &cursor, buffer.count) else { return nil }
            defer { ECDSA_SIG_free(parsed) }
            var out = [UInt8](repeating: 0, count: 64)
            let rWritten = out.withUnsafeMutableBufferPointer {
                BN_bn2binpad(ECDSA_SIG_get0_r(parsed), $0.baseAddress, 32)
            }
            let sWritten = out.withUnsafeMutableBufferPointer {
                BN_bn2binpad(ECDSA_SIG_get0_s(parsed), $0.baseAddress! + 32, 32)
            }
            return rWritten == 32 && sWritten == 32 ? out : nil
        }
    }

    static func derSignature(fromRaw raw: [UInt8]) -> [UInt8]? {
        guard raw.count == 64, let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        guard let r = BN_bin2bn(raw, 32, nil) else { return nil }
        guard let s = raw.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress! + 32, 32, nil) })
        else {
            BN_free(r)
            return nil
        }
        guard ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0, length <= 80 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        return written == length ? der : nil
    }

    /// Whether the 64 raw bytes satisfy the pinned encoding rule (both halves in 1 ... n-1).
    static func isCanonicalSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count == 64 && isScalarInRange(bytes[0..<32]) && isScalarInRange(bytes[32..<64])
    }

    /// A fresh private scalar from the operating system's random source.
    static func randomPrivateScalar() -> [UInt8] {
        _ = Ed25519.initialized
        var scalar = [UInt8](repeating: 0, count: 32)
        repeat { randombytes_buf(&scalar, 32) } while !isScalarInRange(scalar[...], belowOrderBy: 1)
        return scalar
    }
}
