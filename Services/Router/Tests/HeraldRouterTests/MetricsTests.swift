import HeraldKafka
import HeraldProtos
import HeraldRouter
import HeraldRuntime
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension RouterIntegration {
    /// The router's de-duplication hits, dead letters and consumer lag, scraped from its
    /// `/metrics` over HTTP after real events went through the real broker.
    @Suite struct MetricsTests {
        @Test func duplicatesDeadLettersAndConsumerLagShowOnMetrics() async throws {
            let (topics, router) = try await RouterTopics.withRouter()
            let httpPort = await router.server.httpPort.value
            _ = try await router.withClient { try await $0.putRoute(.with { $0.route = route("all", endpoints: ["e1"]) }) }
            let before = try await MetricsScrape.fetch(httpPort: httpPort)

            let writer = try EventWriter(topics: topics)
            let event = testEvent("m-1")
            let eventPartition = try await writer.publish(event).partition
            try await writer.publish(event)  // a retried publish: a de-duplication hit
            try await writer.publishRaw(ProducerRecord(topic: topics.events, partition: 0, key: "k", value: "not an event"))
            await writer.close()
            try await RouterTestEnvironment.eventually("the router to commit every event") { try await topics.allEventsCommitted() }

            let after = try await MetricsScrape.fetch(httpPort: httpPort)
            #expect(after.increase(of: "herald_router_events_total", ["outcome": "duplicate"], since: before) == 1, "\(after.text)")
            #expect(after.increase(of: "herald_router_dead_letters_total", ["reason": "malformed"], since: before) == 1)

            // Statistics come every 5 s: the partitions that held records report their lag, all read by now
            // (partition 0 holds the malformed record).
            var lagged: [(labels: [String: String], value: Double)] = []
            try await RouterTestEnvironment.eventually("the consumer lag of the events partitions", timeout: .seconds(30)) {
                let scrape = try await MetricsScrape.fetch(httpPort: httpPort)
                lagged = (scrape.samples["herald_kafka_consumer_lag_records"] ?? []).filter { $0.labels["group"] == topics.group }
                return Set(lagged.compactMap { $0.labels["partition"] }).isSuperset(of: ["0", "\(eventPartition)"])
            }
            #expect(lagged.allSatisfy { $0.labels["topic"] == topics.events && $0.value == 0 }, "\(lagged)")
            try await router.stop()
        }
    }
}
