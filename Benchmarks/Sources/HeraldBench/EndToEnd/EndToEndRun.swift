import Histogram

/// Latency percentiles of one run, in milliseconds, from publish (the scheduled send time) to the
/// webhook received.
struct LatencySummary: Sendable, Hashable, Codable {
    var count: Int
    var p50: Double
    var p95: Double
    var p99: Double
    var max: Double

    /// From a histogram of microseconds; nil when it holds nothing.
    init?(microseconds histogram: Histogram<UInt64>) {
        guard histogram.totalCount > 0 else { return nil }
        func milliseconds(_ value: UInt64) -> Double { Double(value) / 1000 }
        count = Int(histogram.totalCount)
        p50 = milliseconds(histogram.valueAtPercentile(50))
        p95 = milliseconds(histogram.valueAtPercentile(95))
        p99 = milliseconds(histogram.valueAtPercentile(99))
        max = milliseconds(histogram.max)
    }

    init(count: Int, p50: Double, p95: Double, p99: Double, max: Double) {
        self.count = count
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }
}

/// One bucket of a latency histogram as written for the plots: `count` latencies equivalent to
/// `milliseconds` at the histogram's precision (three significant digits).
struct LatencyBucket: Sendable, Hashable, Codable {
    var milliseconds: Double
    var count: Int

    static func buckets(microseconds histogram: Histogram<UInt64>) -> [LatencyBucket] {
        histogram.recordedValues().map { LatencyBucket(milliseconds: Double($0.value) / 1000, count: Int($0.count)) }
    }
}

/// What one open-loop run at one rate measured, on one side.
struct EndToEndRun: Sendable, Codable {
    enum Side: String, Sendable, Codable, CaseIterable {
        case herald
        case baseline
    }

    enum Phase: String, Sendable, Codable {
        /// One of the fixed rates (`--rates`).
        case fixed
        /// A step of the maximum-sustained-rate search.
        case search
    }

    var side: Side
    var phase: Phase
    /// Offered rate, events per second.
    var rate: Double
    var seconds: Double
    /// Events scheduled (and published).
    var events: Int
    /// Distinct webhook-ids received.
    var delivered: Int
    /// Requests received beyond the first per webhook-id.
    var repeats: Int
    /// Events the publish path rejected.
    var publishErrors: Int
    var latency: LatencySummary?
    var verdict: SteadyStateVerdict
    /// Every event delivered before the drain deadline.
    var drained: Bool
    /// From the last scheduled send to the last delivery (or the deadline).
    var drainSeconds: Double
    var timeline: [ThroughputSample]
    var histogram: [LatencyBucket]
}

/// Everything `herald-bench e2e` measured, as written to `e2e.json` for the report and its plots.
struct EndToEndResults: Sendable, Codable {
    struct Settings: Sendable, Codable {
        var brokers: String
        var rates: [Double]
        var duration: Double
        var searchDuration: Double
        var warmup: Double
        var endpoints: Int
        var concurrency: Int
        var partitions: Int
    }

    var settings: Settings
    var runs: [EndToEndRun]
    /// The highest sustained rate per side (`herald`, `baseline`); absent when none was sustained.
    var maximumSustained: [String: Double]
}
