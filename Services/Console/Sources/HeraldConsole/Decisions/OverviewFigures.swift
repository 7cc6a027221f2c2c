import Foundation

/// The overview's two figures from the services' metrics — the ingest rate (events the producers
/// committed, `herald_producer_transaction_records_sum`) and the end-to-end latency (task creation
/// to the webhook's 2xx, `herald_delivery_task_to_success_seconds`) — each with the window it
/// covers: between an earlier reading and now when the console has one, else since the service
/// started (the counters' whole life).
public enum OverviewFigures {
    public static let ingestMetric = "herald_producer_transaction_records"
    public static let latencyMetric = "herald_delivery_task_to_success_seconds"

    public struct Ingest: Sendable, Equatable {
        /// Events per second over the window; nil since the start (the console cannot know how long ago that was).
        public let perSecond: Double?
        public let events: Double
        public let window: String
    }

    public struct Latency: Sendable, Equatable {
        /// Seconds; nil without deliveries in the window.
        public let p50: Double?
        public let p99: Double?
        public let deliveries: Double
        public let window: String
    }

    /// nil when the producer's reading lacks the metric.
    public static func ingest(earlier: MetricsSnapshot?, now: MetricsSnapshot) -> Ingest? {
        guard let total = now.total(ingestMetric + "_sum") else { return nil }
        // A metric is registered when first recorded: absent from the earlier reading, it stood at 0.
        // A restart resets the counters: the earlier reading then says nothing about the window.
        if let earlier, case let before = earlier.total(ingestMetric + "_sum") ?? 0, before <= total, now.time > earlier.time {
            let seconds = now.time.timeIntervalSince(earlier.time)
            return Ingest(perSecond: (total - before) / seconds, events: total - before, window: window(seconds))
        }
        return Ingest(perSecond: nil, events: total, window: "since the producer started")
    }

    /// nil when the delivery service's reading lacks the histogram.
    public static func latency(earlier: MetricsSnapshot?, now: MetricsSnapshot) -> Latency? {
        let current = now.buckets(latencyMetric)
        guard !current.isEmpty else { return nil }
        var buckets = current
        var window = "since the delivery service started"
        if let earlier, now.time > earlier.time {
            let before = Dictionary(earlier.buckets(latencyMetric).map { ($0.upperBound, $0.count) }, uniquingKeysWith: +)
            let differences = current.map { MetricsSnapshot.Bucket(upperBound: $0.upperBound, count: $0.count - (before[$0.upperBound] ?? 0)) }
            if differences.allSatisfy({ $0.count >= 0 }) {
                buckets = differences
                window = Self.window(now.time.timeIntervalSince(earlier.time))
            }
        }
        let count = buckets.last?.count ?? 0
        return Latency(p50: quantile(0.5, buckets), p99: quantile(0.99, buckets), deliveries: count, window: window)
    }

    /// The `q` quantile of cumulative `buckets` as Prometheus's `histogram_quantile` estimates it:
    /// linear within the bucket holding the rank (the first from zero); in the `+Inf` bucket, the
    /// largest finite bound. nil without observations.
    public static func quantile(_ q: Double, _ buckets: [MetricsSnapshot.Bucket]) -> Double? {
        guard let total = buckets.last?.count, total > 0 else { return nil }
        let rank = q * total
        var lowerBound = 0.0, below = 0.0
        for bucket in buckets {
            if bucket.count >= rank {
                guard bucket.upperBound.isFinite else { return lowerBound }
                let inBucket = bucket.count - below
                return inBucket <= 0 ? bucket.upperBound : lowerBound + (bucket.upperBound - lowerBound) * (rank - below) / inBucket
            }
            lowerBound = bucket.upperBound.isFinite ? bucket.upperBound : lowerBound
            below = bucket.count
        }
        return lowerBound
    }

    /// `over the last 2 min 5 s`.
    static func window(_ seconds: TimeInterval) -> String {
        let whole = max(1, Int(seconds.rounded()))
        let text = whole < 60 ? "\(whole) s" : whole % 60 == 0 ? "\(whole / 60) min" : "\(whole / 60) min \(whole % 60) s"
        return "over the last " + text
    }
}
