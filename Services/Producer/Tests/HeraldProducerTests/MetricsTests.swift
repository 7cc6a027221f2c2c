import HeraldProducer
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension ProducerIntegration {
    /// The producer's transaction metrics and its request metrics, scraped from its `/metrics`
    /// over HTTP after real publish calls.
    @Suite struct MetricsTests {
        @Test func transactionsAndPublishCallsShowOnMetrics() async throws {
            let stack = try await ProducerStack.start(partitions: 2)
            _ = try await stack.registerOrderSchema()
            let httpPort = await stack.producer.httpPort.value
            let before = try await MetricsScrape.fetch(httpPort: httpPort)

            _ = try await stack.withProducer { try await $0.publish(.with { $0.event = orderEvent(id: "m-1") }) }
            _ = try await stack.withProducer { producer in
                try await producer.publishBatch(.with { $0.events = [orderEvent(id: "m-2"), orderEvent(id: "m-3")] })
            }
            await #expect(throws: (any Error).self) {
                _ = try await stack.withProducer { try await $0.publish(.with { $0.event = orderEvent(id: "") }) }
            }
            let after = try await MetricsScrape.fetch(httpPort: httpPort)
            try await stack.stop()

            let committed = ["result": "committed"]
            #expect(after.increase(of: "herald_producer_transaction_duration_seconds_count", committed, since: before) >= 2, "\(after.text)")
            #expect(after.increase(of: "herald_producer_transaction_duration_seconds_sum", committed, since: before) > 0)
            #expect(after.increase(of: "herald_producer_transaction_records_sum", since: before) >= 3)
            #expect(after.increase(of: "herald_producer_transaction_records_count", since: before) >= 2)
            #expect(after.increase(of: "herald_grpc_server_requests_total",
                                   ["method": "herald.v1.Producer/Publish", "code": "OK"], since: before) >= 1)
            #expect(after.increase(of: "herald_grpc_server_requests_total",
                                   ["method": "herald.v1.Producer/PublishBatch", "code": "OK"], since: before) >= 1)
            #expect(after.increase(of: "herald_grpc_server_requests_total",
                                   ["method": "herald.v1.Producer/Publish", "code": "INVALID_ARGUMENT"], since: before) >= 1)
        }

        /// librdkafka's error callback reaches `/metrics`: a broker that goes away while the
        /// producer is connected shows as Kafka client errors by librdkafka's error name.
        @Test func kafkaClientErrorsShowOnMetrics() async throws {
            let broker = try ScratchBroker.start()
            defer { try? broker.stop() }
            let stack = try await ProducerStack.start(kafka: ProducerTestEnvironment.kafka(brokers: broker.bootstrap, timeout: .seconds(3)))
            _ = try await stack.registerOrderSchema()
            _ = try await stack.withProducer { try await $0.publish(.with { $0.event = orderEvent(id: "e-1") }) }
            let httpPort = await stack.producer.httpPort.value
            let before = try await MetricsScrape.fetch(httpPort: httpPort)

            try broker.stop()
            var after = before
            let deadline = ContinuousClock.now + .seconds(30)
            while Self.errors(in: after, since: before).isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                after = try await MetricsScrape.fetch(httpPort: httpPort)
            }
            let errors = Self.errors(in: after, since: before)
            #expect(!errors.isEmpty, "\(after.text)")
            // librdkafka's names for a lost connection and for no broker left.
            #expect(errors.allSatisfy { $0.hasPrefix("_") }, "\(errors)")
            try await stack.stop()
        }

        /// The error names whose count grew since `earlier`.
        static func errors(in scrape: MetricsScrape, since earlier: MetricsScrape) -> [String] {
            (scrape.samples["herald_kafka_client_errors_total"] ?? []).compactMap { sample in
                scrape.increase(of: "herald_kafka_client_errors_total", sample.labels, since: earlier) > 0 ? sample.labels["error"] : nil
            }
        }
    }
}
