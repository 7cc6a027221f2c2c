import HeraldCore
import HeraldDelivery
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    /// Attempts by endpoint and outcome with request durations, dead letters by reason, circuit
    /// state, retry backlog per tier and consumer lag, scraped from the service's `/metrics` over
    /// HTTP after real webhooks and real tasks on the broker.
    @Suite struct MetricsTests {
        @Test func deliveriesDeadLettersCircuitsAndBacklogShowOnMetrics() async throws {
            var limits = EndpointLimits()
            // One failure opens the circuit, for longer than the test lasts.
            limits.breakerFailureThreshold = 1
            limits.breakerOpenDuration = .seconds(600)
            let stack = try await DeliveryStack.start(names: DeliveryNames(retrySchedule: [.seconds(30)]), maxAttempts: 5, limits: limits)
            let httpPort = await stack.server.httpPort.value
            let healthy = try await Receiver.start()
            let broken = try await Receiver.start { _ in .status(500) }
            let gone = try await Receiver.start { _ in .status(410) }
            let ok = "ok-\(UInt32.random(in: 0...UInt32.max))", failing = "broken-\(UInt32.random(in: 0...UInt32.max))"
            _ = try await stack.putEndpoint(ok, url: healthy.url)
            _ = try await stack.putEndpoint(failing, url: broken.url)
            _ = try await stack.putEndpoint("gone", url: gone.url)
            let before = try await MetricsScrape.fetch(httpPort: httpPort)

            try await stack.produce([
                stack.task(event: "ok-1", endpoint: ok), stack.task(event: "gone-1", endpoint: "gone"),
                stack.task(event: "missing-1", endpoint: "nobody"),
                stack.task(event: "b-1", endpoint: failing), stack.task(event: "b-2", endpoint: failing), stack.task(event: "b-3", endpoint: failing),
            ])
            try await stack.waitFor(.succeeded, events: ["ok-1"])
            try await stack.waitFor(.dead, events: ["gone-1", "missing-1"])
            try await stack.waitFor(.retrying, events: ["b-1", "b-2", "b-3"])

            let after = try await MetricsScrape.fetch(httpPort: httpPort)
            #expect(after.value("herald_delivery_attempts_total", ["endpoint": ok, "outcome": "succeeded"]) == 1, "\(after.text)")
            #expect(after.value("herald_delivery_request_duration_seconds_count", ["endpoint": ok, "outcome": "succeeded"]) == 1)
            #expect(after.value("herald_delivery_attempts_total", ["endpoint": failing, "outcome": "retrying"]) == 3)
            // The first failure opened the circuit: at least that attempt made a request.
            #expect(after.value("herald_delivery_request_duration_seconds_count", ["endpoint": failing, "outcome": "retrying"]) >= 1)
            #expect(after.increase(of: "herald_delivery_dead_letters_total", ["reason": "gone"], since: before) == 1)
            #expect(after.increase(of: "herald_delivery_dead_letters_total", ["reason": "undeliverable"], since: before) == 1)
            #expect(after.value("herald_delivery_circuit_state", ["endpoint": failing]) == 2)
            #expect(after.value("herald_delivery_circuit_state", ["endpoint": ok]) == 0)

            // Statistics come every 5 s. The three retries wait 30 s in their tier: one is held
            // until due, the others lie after the consumer's position there.
            try await TestEnvironment.eventually("the retry backlog and the consumer lag", within: .seconds(30)) {
                let scrape = try await MetricsScrape.fetch(httpPort: httpPort)
                let lag = (scrape.samples["herald_kafka_consumer_lag_records"] ?? []).filter {
                    $0.labels["group"] == stack.names.group && $0.labels["topic"] == stack.names.topics.deliveries
                }
                return scrape.value("herald_delivery_retry_backlog_tasks", ["tier": "30s"]) >= 1 && !lag.isEmpty && lag.allSatisfy { $0.value == 0 }
            }
            for receiver in [healthy, broken, gone] { try await receiver.stop() }
            try await stack.stop()
        }
    }
}
