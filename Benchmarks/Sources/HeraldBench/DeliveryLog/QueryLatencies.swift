/// The latencies of one query shape's repetitions, in milliseconds, and their nearest-rank
/// percentiles (the smallest latency at least `p` percent of the repetitions did not exceed).
struct QueryLatencies: Sendable, Hashable {
    private(set) var milliseconds: [Double] = []

    mutating func add(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        milliseconds.append(Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    var count: Int { milliseconds.count }

    func percentile(_ p: Double) -> Double? {
        guard !milliseconds.isEmpty else { return nil }
        let sorted = milliseconds.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    var maximum: Double? { milliseconds.max() }
}
