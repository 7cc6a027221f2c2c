/// One reading of a run's progress: events due by the schedule, events actually written, distinct
/// webhooks received, `seconds` after the run's start.
struct ThroughputSample: Sendable, Hashable, Codable {
    var seconds: Double
    var offered: Int
    var sent: Int
    var delivered: Int
}

/// Whether a pipeline kept up with an offered rate: over the measured window (after a warm-up, up
/// to the end of publishing) it delivered at about the offered rate and its backlog (due minus
/// delivered) did not grow.
struct SteadyStateVerdict: Sendable, Hashable, Codable {
    /// Distinct webhooks per second over the window.
    var deliveredRate: Double
    /// Least-squares slope of the backlog over the window, events per second (≤ 0 when draining).
    var backlogGrowth: Double
    var sustained: Bool

    /// A pipeline keeps up when it delivers at least this share of the offered rate …
    static let minimumDeliveredShare = 0.95
    /// … and its backlog grows by at most this share of the offered rate per second.
    static let maximumBacklogGrowthShare = 0.05

    /// - Parameters:
    ///   - rate: the offered rate, events per second.
    ///   - window: the seconds (since the run's start) to judge; samples outside it are ignored.
    ///   - drained: whether every event was delivered before the drain deadline.
    static func judge(_ samples: [ThroughputSample], rate: Double, window: ClosedRange<Double>, drained: Bool) -> SteadyStateVerdict {
        let inside = samples.filter { window.contains($0.seconds) }
        guard let first = inside.first, let last = inside.last, last.seconds > first.seconds else {
            return SteadyStateVerdict(deliveredRate: 0, backlogGrowth: 0, sustained: false)
        }
        let deliveredRate = Double(last.delivered - first.delivered) / (last.seconds - first.seconds)
        let growth = slope(inside.map { ($0.seconds, Double($0.offered - $0.delivered)) })
        let sustained = drained
            && deliveredRate >= minimumDeliveredShare * rate
            && growth <= maximumBacklogGrowthShare * rate
        return SteadyStateVerdict(deliveredRate: deliveredRate, backlogGrowth: growth, sustained: sustained)
    }

    /// Least-squares slope of y over x; 0 for fewer than two distinct x.
    static func slope(_ points: [(x: Double, y: Double)]) -> Double {
        guard points.count >= 2 else { return 0 }
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.x } / n
        let meanY = points.reduce(0) { $0 + $1.y } / n
        let covariance = points.reduce(0) { $0 + ($1.x - meanX) * ($1.y - meanY) }
        let variance = points.reduce(0) { $0 + ($1.x - meanX) * ($1.x - meanX) }
        return variance > 0 ? covariance / variance : 0
    }
}
