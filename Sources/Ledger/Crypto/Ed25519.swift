internal import CSodium

/// Ed25519 through libsodium.
///
/// The validity rule every node applies (pinned here, not left to a library version):
/// a signature is valid only if
/// 1. S, the second half of the signature, is a canonical scalar (S < L);
/// 2. R and the public key A are canonical point encodings (y < 2^255 - 19);
/// 3. libsodium's strict verification accepts it (it also rejects small-order R and A).
/// Rules 1 and 2 are checked here explicitly so that a libsodium built with
/// ED25519_COMPAT, or a future change in it, cannot make nodes disagree.
public enum Ed25519 {
    public static let publicKeyByteCount = 32
    public static let signatureByteCount = 64
    public static let seedByteCount = 32

    static let initialized: Bool = {
        precondition(sodium_init() >= 0, "libsodium failed to initialise")
        return true
    }()

    /// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let groupOrder: [UInt8] = [
        0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ]

    /// True when the 32 little-endian bytes are a scalar below L.
    static func isCanonicalScalar(_ bytes: ArraySlice<UInt8>) -> Bool {
        precondition(bytes.count == 32)
        let base = bytes.startIndex
        for index in stride(from: 31, through: 0, by: -1) {
            let byte = bytes[base + index]
            if byte < groupOrder[index] { return true }
            if byte > groupOrder[index] { return false }
        }
        return false  // equal to L
    }

    /// True when the encoded y coordinate is below p = 2^255 - 19 (the sign bit is ignored).
    static func isCanonicalPointEncoding(_ bytes: ArraySlice<UInt8>) -> Bool {
        precondition(bytes.count == 32)
        let base = bytes.startIndex
        guard bytes[base + 31] & 0x7F == 0x7F else { return true }
        for index in 1...30 where bytes[base + index] != 0xFF { return true }
        return bytes[base] < 0xED
    }
}
