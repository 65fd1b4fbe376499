/// Steps the offered rate up until committed throughput stops following it (CometBFT's
/// method): geometric steps up to the first step that does not follow, then bisection
/// between the last step that followed and that one.
public struct SaturationSearch: Sendable {
    public var startRate: Double
    public var growth: Double
    public var maxRate: Double
    public var stepSeconds: Double
    public var warmupSeconds: Double
    public var maxInFlight: Int
    /// Bisection steps after the first step that does not follow.
    public var refinements: Int
    /// A step follows when committed TPS >= this fraction of offered TPS...
    public var followFraction: Double
    /// ...and at most this fraction of its transactions ended uncommitted.
    public var maxLoss: Double

    public init(
        startRate: Double, growth: Double = 1.5, maxRate: Double = 50_000, stepSeconds: Double = 8,
        warmupSeconds: Double = 2, maxInFlight: Int, refinements: Int = 2,
        followFraction: Double = 0.95,
        maxLoss: Double = 0.01
    ) {
        self.startRate = startRate
        self.growth = growth
        self.maxRate = maxRate
        self.stepSeconds = stepSeconds
        self.warmupSeconds = warmupSeconds
        self.maxInFlight = maxInFlight
        self.refinements = refinements
        self.followFraction = followFraction
        self.maxLoss = maxLoss
    }

    public struct Result: Sendable {
        /// Committed TPS at the highest offered rate that was followed.
        public let saturationTPS: Double
        /// That offered rate.
        public let saturationRate: Double
        public let steps: [(rate: Double, report: LoadReport, follows: Bool)]

        public var json: [String: Any] {
            [
                "saturation_tps": Benchmarks.rounded(saturationTPS),
                "saturation_offered_tps": Benchmarks.rounded(saturationRate),
                "max_committed_tps": Benchmarks.rounded(
                    steps.map(\.report.committedTPS).max() ?? 0),
                "steps": steps.map { step -> [String: Any] in
                    var object = step.report.json
                    object["follows"] = step.follows
                    object.removeValue(forKey: "by_kind")
                    object.removeValue(forKey: "refused_by_code")
                    return object
                },
            ]
        }
    }

    func follows(_ report: LoadReport) -> Bool {
        report.committedTPS >= followFraction * report.offeredTPS && report.lossFraction <= maxLoss
    }

    /// Runs the search; `log` gets one line per step.
    public func run(
        generator: LoadGenerator, mix: Mix, workload: Workload, log: @Sendable (String) -> Void
    ) async -> Result {
        var steps: [(rate: Double, report: LoadReport, follows: Bool)] = []
        func step(_ rate: Double) async -> Bool {
            let plan = LoadPlan(
                rate: rate, durationSeconds: stepSeconds, warmupSeconds: warmupSeconds,
                maxInFlight: maxInFlight)
            let report = await generator.run(plan: plan, mix: mix, workload: workload)
            let followed = follows(report)
            steps.append((rate, report, followed))
            log(
                "step \(Int(rate)) tx/s: \(report.summary) -> \(followed ? "follows" : "saturated")"
            )
            // An overloaded step leaves a backlog that would count against the next one.
            await generator.sender.waitForEmptyMempools(timeoutSeconds: 45)
            return followed
        }
        var good = 0.0
        var bad = 0.0
        var rate = startRate
        while rate <= maxRate {
            if await step(rate) {
                good = rate
                rate *= growth
            } else {
                bad = rate
                break
            }
        }
        if bad > 0 && good > 0 {
            for _ in 0..<refinements {
                let middle = (good + bad) / 2
                if await step(middle) { good = middle } else { bad = middle }
            }
        }
        let best = steps.filter { $0.rate == good }.map(\.report.committedTPS).max() ?? 0
        return Result(saturationTPS: best, saturationRate: good, steps: steps)
    }
}
