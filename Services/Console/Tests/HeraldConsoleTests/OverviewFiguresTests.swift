import Foundation
import Testing

@testable import HeraldConsole

@Suite("The overview's ingest and latency figures from the services' metrics")
struct OverviewFiguresTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// An exposition as swift-prometheus writes it: the producer's records histogram, and the
    /// delivery histogram under two label sets (their buckets add up).
    static func exposition(records: Double, buckets: [(String, Double)]) -> String {
        var lines = [
            "# TYPE herald_producer_transaction_records histogram",
            #"herald_producer_transaction_records_bucket{le="+Inf"} 3"#,
            "herald_producer_transaction_records_sum \(records)",
            "herald_producer_transaction_records_count 3",
            "# TYPE herald_delivery_task_to_success_seconds histogram",
        ]
        for (bound, count) in buckets {
            lines.append(#"herald_delivery_task_to_success_seconds_bucket{instance="a",le=""# + bound + #""} "# + "\(count)")
            lines.append(#"herald_delivery_task_to_success_seconds_bucket{instance="b",le=""# + bound + #""} 0"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func theSnapshotReadsTotalsAndCumulativeBucketsOverLabelSets() {
        let snapshot = MetricsSnapshot(time: Self.start, exposition: Self.exposition(records: 120, buckets: [("0.1", 4), ("1.0", 10), ("+Inf", 10)]))
        #expect(snapshot.total("herald_producer_transaction_records_sum") == 120)
        #expect(snapshot.buckets("herald_delivery_task_to_success_seconds") == [
            .init(upperBound: 0.1, count: 4), .init(upperBound: 1.0, count: 10), .init(upperBound: .infinity, count: 10),
        ])
        #expect(snapshot.total("herald_absent_total") == nil)
    }

    @Test func theQuantileInterpolatesWithinItsBucketAsPrometheusDoes() {
        let buckets: [MetricsSnapshot.Bucket] = [.init(upperBound: 0.1, count: 4), .init(upperBound: 1.0, count: 10), .init(upperBound: .infinity, count: 10)]
        // Rank 5 of 10: the second bucket (0.1–1.0) holds ranks 4–10, so 1/6 of the way in.
        #expect(abs((OverviewFigures.quantile(0.5, buckets) ?? 0) - (0.1 + 0.9 / 6)) < 1e-9)
        // Rank 2 of 10 in the first bucket, from zero.
        #expect(abs((OverviewFigures.quantile(0.2, buckets) ?? 0) - 0.05) < 1e-9)
        // Beyond every finite bound: the largest finite bound.
        let slow: [MetricsSnapshot.Bucket] = [.init(upperBound: 0.1, count: 1), .init(upperBound: .infinity, count: 10)]
        #expect(OverviewFigures.quantile(0.99, slow) == 0.1)
        #expect(OverviewFigures.quantile(0.5, [.init(upperBound: .infinity, count: 0)]) == nil)
    }

    @Test func withAnEarlierReadingTheFiguresCoverTheTimeBetween() throws {
        let earlier = MetricsSnapshot(time: Self.start, exposition: Self.exposition(records: 100, buckets: [("0.1", 4), ("1.0", 4), ("+Inf", 4)]))
        let now = MetricsSnapshot(time: Self.start.addingTimeInterval(125), exposition: Self.exposition(records: 350, buckets: [("0.1", 4), ("1.0", 14), ("+Inf", 14)]))
        let ingest = try #require(OverviewFigures.ingest(earlier: earlier, now: now))
        #expect(ingest.perSecond == 2 && ingest.events == 250 && ingest.window == "over the last 2 min 5 s")
        // Only the 10 deliveries of the window, all between 0.1 and 1 s.
        let latency = try #require(OverviewFigures.latency(earlier: earlier, now: now))
        #expect(latency.deliveries == 10 && latency.window == "over the last 2 min 5 s")
        #expect(try #require(latency.p50) > 0.1 && latency.p99! <= 1.0)
    }

    @Test func withoutAnEarlierReadingOrAfterARestartTheFiguresCoverTheServicesLife() throws {
        let now = MetricsSnapshot(time: Self.start, exposition: Self.exposition(records: 40, buckets: [("0.1", 2), ("+Inf", 2)]))
        let first = try #require(OverviewFigures.ingest(earlier: nil, now: now))
        #expect(first.perSecond == nil && first.events == 40 && first.window == "since the producer started")
        // The counters went down: the producer restarted in between, so the window is its new life.
        let beforeRestart = MetricsSnapshot(time: Self.start.addingTimeInterval(-60), exposition: Self.exposition(records: 900, buckets: [("0.1", 9), ("+Inf", 9)]))
        #expect(OverviewFigures.ingest(earlier: beforeRestart, now: now)?.window == "since the producer started")
        #expect(OverviewFigures.latency(earlier: beforeRestart, now: now)?.window == "since the delivery service started")
        #expect(OverviewFigures.ingest(earlier: nil, now: MetricsSnapshot(time: Self.start, exposition: "")) == nil)
        // Registered only with the first transaction: absent from the earlier reading, it stood at 0.
        let quiet = MetricsSnapshot(time: Self.start.addingTimeInterval(-20), exposition: "")
        #expect(OverviewFigures.ingest(earlier: quiet, now: now) == .init(perSecond: 2, events: 40, window: "over the last 20 s"))
    }

    @Test func thePageSaysWhatEachFigureCoversOrWhyThereIsNone() {
        let now = MetricsSnapshot(time: Self.start, exposition: Self.exposition(records: 1, buckets: [("0.1", 1), ("+Inf", 1)]))
        #expect(OverviewPage.ingestFigure(.read(now: now, earlier: nil)).text == "1 event since the producer started")
        #expect(OverviewPage.latencyFigure(.read(now: now, earlier: nil)).text == "p50 0.050 s, p99 0.099 s (1 delivery) since the delivery service started")
        let later = MetricsSnapshot(time: Self.start.addingTimeInterval(10), exposition: Self.exposition(records: 21, buckets: [("0.1", 3), ("+Inf", 3)]))
        #expect(OverviewPage.ingestFigure(.read(now: later, earlier: now)).text == "2.0 events/s, 20 events over the last 10 s")
        #expect(OverviewPage.latencyFigure(.read(now: later, earlier: now)).text.hasSuffix("(2 deliveries) over the last 10 s"))
        let refused = OverviewPage.ingestFigure(.unavailable("http://127.0.0.1:8091/metrics needs a key with metrics:read"))
        #expect(!refused.available && refused.text == "not available: http://127.0.0.1:8091/metrics needs a key with metrics:read")
        // Registered with the first success: before it, the figure says so rather than failing.
        let quiet = MetricsSnapshot(time: Self.start, exposition: "")
        #expect(OverviewPage.latencyFigure(.read(now: quiet, earlier: nil)).text == "no delivery succeeded since the delivery service started")
    }
}
