import Foundation
import Testing

@testable import HeraldConsole

/// Which instances the overview reads and how their readings add up, without I/O.
@Suite("Which instances the overview reads and how their readings add up") struct MetricsInstancesTests {
    typealias Instance = MetricsInstances.Instance

    static let headless = "http://herald-producer-metrics:8091/metrics"

    @Test func namesAreResolvedOnceAndAddressesNotAtAll() {
        let plan = MetricsInstances(urls: [Self.headless, "http://127.0.0.1:8091/metrics", "https://[::1]:8091/metrics", "http://herald-producer-metrics:9091/metrics"])
        #expect(plan.hostNames == ["herald-producer-metrics"])
    }

    @Test func aNameStandsForOneInstancePerAddress() throws {
        let plan = MetricsInstances(urls: [Self.headless, "http://[fd00::5]:8091/metrics"])
        let instances = plan.instances(["herald-producer-metrics": .addresses(["10.1.0.7", "10.1.3.2", "10.1.0.7"])])
        #expect(instances == .success([
            Instance(url: Self.headless, host: "herald-producer-metrics", address: "10.1.0.7"),
            Instance(url: Self.headless, host: "herald-producer-metrics", address: "10.1.3.2"),
            Instance(url: "http://[fd00::5]:8091/metrics", host: "fd00::5", address: nil),
        ]))
        #expect(try instances.get().map(\.name) == [
            "\(Self.headless) at 10.1.0.7", "\(Self.headless) at 10.1.3.2", "http://[fd00::5]:8091/metrics",
        ])
    }

    @Test func aNameWithoutAddressesIsAnError() {
        let plan = MetricsInstances(urls: ["http://127.0.0.1:8091/metrics", Self.headless])
        #expect(plan.instances(["herald-producer-metrics": .addresses([])])
            == .failure(MetricsUnavailable("\(Self.headless): herald-producer-metrics resolves to no address")))
        #expect(plan.instances(["herald-producer-metrics": .failed("Temporary failure in name resolution")])
            == .failure(MetricsUnavailable("\(Self.headless): herald-producer-metrics could not be resolved (Temporary failure in name resolution)")))
    }

    @Test func everyInstancesTextOrEveryUnreadableInstanceNamed() {
        let first = Instance(url: Self.headless, host: "herald-producer-metrics", address: "10.1.0.7")
        let second = Instance(url: Self.headless, host: "herald-producer-metrics", address: "10.1.3.2")
        let third = Instance(url: "http://10.1.9.9:8091/metrics", host: "10.1.9.9", address: nil)
        #expect(MetricsInstances.combine([(first, .exposition("a 1\n")), (second, .exposition("a 2\n"))])
            == .success([first.name: "a 1\n", second.name: "a 2\n"]))
        #expect(MetricsInstances.combine([(first, .refused), (second, .exposition("a 2\n")), (third, .failed("connection refused"))])
            == .failure(MetricsUnavailable("\(Self.headless) at 10.1.0.7 needs a key with metrics:read; "
                + "http://10.1.9.9:8091/metrics could not be read (connection refused)")))
        #expect(MetricsInstances.combine([(third, .status(503))]) == .failure(MetricsUnavailable("http://10.1.9.9:8091/metrics answered HTTP 503")))
    }

    static func reading(_ count: Int, _ time: Date) -> MetricsSnapshot {
        MetricsSnapshot(time: time, exposition: "herald_producer_transaction_records_sum \(count)\n")
    }

    @Test func instancesAddUpAndAnEarlierReadingCoversOnlyThoseReadNow() throws {
        var history = MetricsHistory()
        let start = Date()
        let first = history.record(["a": Self.reading(10, start), "b": Self.reading(20, start)], at: start)
        #expect(first.now.total("herald_producer_transaction_records_sum") == 30)
        #expect(first.earlier == nil)
        // Pod b went away, pod c came (3 events since its start); a committed 5 more. The window
        // holds 8 events: b's 20 leave both sides rather than reading as a restart.
        let later = history.record(["a": Self.reading(15, start + 10), "c": Self.reading(3, start + 10)], at: start + 10)
        #expect(later.now.total("herald_producer_transaction_records_sum") == 18)
        let earlier = try #require(later.earlier)
        #expect(earlier.time == start)
        #expect(OverviewFigures.ingest(earlier: earlier, now: later.now) == OverviewFigures.Ingest(perSecond: 0.8, events: 8, window: "over the last 10 s"))
    }

    @Test func anEarlierReadingMustBeOldEnoughAndNotTooOld() {
        var history = MetricsHistory()
        let start = Date()
        _ = history.record(["a": Self.reading(1, start)], at: start)
        #expect(history.record(["a": Self.reading(1, start + 2)], at: start + 2).earlier == nil)
        #expect(history.record(["a": Self.reading(1, start + 10)], at: start + 10).earlier?.time == start)
        #expect(history.record(["a": Self.reading(1, start + 400)], at: start + 400).earlier == nil)
    }
}
