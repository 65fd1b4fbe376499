/// One kind of operation the load generator sends.
public enum OperationKind: String, CaseIterable, Sendable, Comparable {
    /// A hospital issues a medical e-bill.
    case bill
    /// An insurer claims 1 fen of a bill made in the setup phase.
    case claim
    /// The housing fund uses a setup licence under its setup grant.
    case use
    /// The identity provider attests a new grant to the housing fund on a setup licence.
    case grant
    /// A verifier checks a setup licence against its file digest (a read, no transaction).
    case verify

    public var isTransaction: Bool { self != .verify }

    public static func < (lhs: OperationKind, rhs: OperationKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Relative weights of the operation kinds, e.g. `bill=25,claim=25,use=25,grant=10,verify=15`.
///
/// `--rate` counts transactions; queries (`verify`) come on top, in proportion to their
/// weight against the transactions' weights.
public struct Mix: Sendable, CustomStringConvertible {
    public let weights: [(kind: OperationKind, weight: Int)]

    /// The realistic government mix: e-bills and their claims dominate, licence uses under
    /// grants next, new grants less often, and QR verifications of licences as reads.
    public static let government = Mix(weights: [
        (.bill, 25), (.claim, 25), (.use, 25), (.grant, 10), (.verify, 15),
    ])

    init(weights: [(kind: OperationKind, weight: Int)]) {
        self.weights = weights.filter { $0.weight > 0 }
    }

    /// Parses `kind=weight,...`; nil (with the reason in `error`) when malformed.
    public static func parse(_ text: String) throws(MixError) -> Mix {
        if text == "government" || text == "default" { return .government }
        var weights: [(kind: OperationKind, weight: Int)] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=")
            guard pieces.count == 2, let kind = OperationKind(rawValue: String(pieces[0])),
                let weight = Int(pieces[1]), weight >= 0
            else { throw MixError(text: text) }
            weights.append((kind, weight))
        }
        let mix = Mix(weights: weights)
        guard mix.transactionWeight > 0 else { throw MixError(text: text) }
        return mix
    }

    var totalWeight: Int { weights.reduce(0) { $0 + $1.weight } }
    var transactionWeight: Int {
        weights.filter { $0.kind.isTransaction }.reduce(0) { $0 + $1.weight }
    }

    /// Operations per second that carry `transactionsPerSecond` transactions.
    public func operationsPerSecond(transactionsPerSecond: Double) -> Double {
        transactionsPerSecond * Double(totalWeight) / Double(transactionWeight)
    }

    /// A deterministic interleaving of `count` kinds in the mix's proportions (smooth
    /// weighted round-robin, so every short window has the same mix).
    func sequence(count: Int) -> [OperationKind] {
        var credit = [Int](repeating: 0, count: weights.count)
        var result: [OperationKind] = []
        result.reserveCapacity(count)
        let total = totalWeight
        for _ in 0..<count {
            var best = 0
            for index in weights.indices {
                credit[index] += weights[index].weight
                if credit[index] > credit[best] { best = index }
            }
            credit[best] -= total
            result.append(weights[best].kind)
        }
        return result
    }

    public var description: String {
        weights.map { "\($0.kind.rawValue)=\($0.weight)" }.joined(separator: ",")
    }
}

public struct MixError: Error, CustomStringConvertible {
    let text: String
    public var description: String {
        "mix \"\(text)\" is not kind=weight,... with kinds bill, claim, use, grant, verify "
            + "and at least one transaction kind"
    }
}
