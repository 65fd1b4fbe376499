import Foundation
import Testing
@testable import Ledger
@testable import Node

@Suite("JSON views of records")
struct JSONViewTests {
    struct Sample {
        var name: String
        var missing: String?
        var present: UInt64?
        var empty: [String]
        var bytes: [UInt8]
        var hash: Hash256
    }

    @Test("nil is null, an empty list is [], bytes are hex, and a second pass changes nothing")
    func views() throws {
        let sample = Sample(name: "a", missing: nil, present: 7, empty: [], bytes: [0xAB], hash: .zero)
        let once = JSONView.make(sample)
        let twice = JSONView.make(once)
        let json = String(decoding: try JSONView.data(sample), as: UTF8.self)
        #expect(json.contains("\"missing\":null"))
        #expect(json.contains("\"empty\":[]"))
        #expect(json.contains("\"bytes\":\"ab\""))
        #expect(json.contains("\"present\":7"))
        #expect(String(decoding: try JSONSerialization.data(withJSONObject: twice, options: [.sortedKeys]), as: UTF8.self) == json)
    }
}
