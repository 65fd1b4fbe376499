public import Foundation
public import Ledger

/// Turns any record the contracts store into a JSON-ready value by reflection, so every
/// record type has a JSON view without a hand-written mapping per type:
/// hashes, keys and signatures become hex; byte arrays become hex; enums their case name
/// (with payload fields when they carry any); structs objects with their property names.
/// The canonical bytes stay the authority: API answers that need checking carry them too.
public enum JSONView {
    public static func make(_ value: Any) -> Any {
        // Exact type checks: a dynamic cast would let any EMPTY array pass as [UInt8].
        if let bytes = value as? [UInt8], type(of: value) == [UInt8].self { return Hex.encode(bytes) }
        switch value {
        // Already a JSON value (a view built by a route): pass through unchanged.
        case is NSNull, is NSNumber: return value
        case let object as [String: Any] where type(of: value) == [String: Any].self:
            return object.mapValues(make)
        case let list as [Any] where type(of: value) == [Any].self:
            return list.map(make)
        case let hash as Hash256: return hash.hex
        case let key as PublicKey: return key.hex
        case let signature as Signature: return signature.hex
        case let text as String: return text
        case let flag as Bool: return flag
        case let number as UInt64: return number
        case let number as UInt32: return number
        case let number as UInt16: return number
        case let number as UInt8: return number
        case let number as Int: return number
        case let number as Int64: return number
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.map { make($0.value) } ?? NSNull()
        case .collection, .set:
            return mirror.children.map { make($0.value) }
        case .dictionary:
            var object: [String: Any] = [:]
            for child in mirror.children {
                let pair = Array(Mirror(reflecting: child.value).children)
                if pair.count == 2 { object[String(describing: pair[0].value)] = make(pair[1].value) }
            }
            return object
        case .enum:
            guard let payload = mirror.children.first else { return String(describing: value) }
            return [payload.label ?? "case": make(payload.value)]
        case .tuple:
            return mirror.children.map { make($0.value) }
        case .struct, .class:
            if mirror.children.isEmpty { return String(describing: value) }
            var object: [String: Any] = [:]
            for child in mirror.children {
                guard let label = child.label else { continue }
                object[label] = make(child.value)
            }
            return object
        default:
            return String(describing: value)
        }
    }

    /// Serialises a view (sorted keys, so answers are stable byte for byte).
    public static func data(_ value: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: make(value), options: [.sortedKeys, .fragmentsAllowed])
    }
}
