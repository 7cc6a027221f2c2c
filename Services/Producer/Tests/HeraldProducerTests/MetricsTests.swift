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
    }
}
