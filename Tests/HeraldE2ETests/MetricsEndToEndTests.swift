import GRPCCore
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

/// Each real executable, in its own process, serves its metrics on `/metrics` from its first
/// call on: an event travels end to end, then every service is scraped over HTTP.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct MetricsEndToEndTests {
    @Test func everyServiceExportsItsRequestsAndItsOwnMetrics() async throws {
        let receiver = try await WebhookReceiver.start()
        let stack: HeraldStack
        do { stack = try await HeraldStack.start(partitions: 2) } catch {
            try? await receiver.stop()
            throw error
        }
        do {
            try await stack.withClients { registry, producer, router, delivery in
                _ = try await EndToEndTests.eventually("the registry to take a schema") {
                    try await registry.registerSchema(.with { $0.subject = "orders-value"; $0.schema = EndToEndTests.orderV1 })
                }
                _ = try await delivery.putEndpoint(.with {
                    $0.endpoint.id = "metrics"
                    $0.endpoint.url = receiver.url
                    $0.endpoint.secret = EndToEndTests.secret()
                    $0.endpoint.enabled = true
                })
                _ = try await router.putRoute(.with {
                    $0.route = .with { $0.id = "all"; $0.filter.types = ["com.example.order.*"]; $0.endpointIds = ["metrics"]; $0.enabled = true }
                })
                _ = try await producer.publish(.with { $0.event = EndToEndTests.event(0, carrier: nil) })
            }
            try await EndToEndTests.eventually("the event to be delivered") { receiver.received.isEmpty ? nil : true }

            let registry = try await MetricsScrape.fetch(httpPort: stack.registry.httpPort)
            let producer = try await MetricsScrape.fetch(httpPort: stack.producer.httpPort)
            let router = try await MetricsScrape.fetch(httpPort: stack.router.httpPort)
            let delivery = try await MetricsScrape.fetch(httpPort: stack.delivery.httpPort)
            let calls = "herald_grpc_server_requests_total"
            #expect(registry.value(calls, ["method": "herald.v1.Registry/RegisterSchema", "code": "OK"]) >= 1, "\(registry.text)")
            #expect(registry.value("herald_registry_schema_registrations_total", ["result": "registered"]) >= 1)
            #expect(producer.value(calls, ["method": "herald.v1.Producer/Publish", "code": "OK"]) == 1, "\(producer.text)")
            #expect(producer.value("herald_producer_transaction_records_sum") >= 1)
            #expect(router.value(calls, ["method": "herald.v1.Router/PutRoute", "code": "OK"]) == 1, "\(router.text)")
            #expect(router.value("herald_router_events_total", ["outcome": "routed"]) >= 1)
            #expect(delivery.value(calls, ["method": "herald.v1.Delivery/PutEndpoint", "code": "OK"]) == 1, "\(delivery.text)")
            #expect(delivery.value("herald_delivery_attempts_total", ["endpoint": "metrics", "outcome": "succeeded"]) >= 1)
            #expect(delivery.value("herald_delivery_task_to_success_seconds_count") >= 1)
            try await stack.stop()
            try await receiver.stop()
        } catch {
            stack.kill()
            try? await receiver.stop()
            throw error
        }
    }
}
