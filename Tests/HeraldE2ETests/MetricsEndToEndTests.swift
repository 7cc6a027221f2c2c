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
        try await RoutedStack.run(endpointID: "metrics") { stack, receiver, publisher in
            _ = try await publisher.publish(.with { $0.event = EndToEndTests.event(0, carrier: nil) })
            try await EndToEndTests.eventually("the event to be delivered") { receiver.received.isEmpty ? nil : true }

            let registry = try await stack.metrics(of: stack.registry)
            let producer = try await stack.metrics(of: stack.producer)
            let router = try await stack.metrics(of: stack.router)
            let delivery = try await stack.metrics(of: stack.delivery)
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
        }
    }
}
