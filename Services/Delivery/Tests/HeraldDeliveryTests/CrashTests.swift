import Foundation
import GRPCCore
import HeraldCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Synchronization
import HeraldTestSupport
import Testing

/// A `herald-delivery` executable run as a child process, so tests can kill it with SIGKILL.
enum DeliveryProcess {
    static func start(names: DeliveryNames, registryPort: Int, instance: String, arguments: [String] = [],
                      secretKey: String? = DeliveryStack.secretKey) async throws -> ServiceProcess {
        try await ServiceProcess.start("herald-delivery", arguments: [
            "--kafka-brokers", TestEnvironment.brokers, "--grpc-port", "0", "--http-port", "0", "--instance-id", instance,
            "--registry-url", "127.0.0.1:\(registryPort)", "--consumer-group", names.group,
            "--deliveries-topic", names.topics.deliveries, "--status-topic", names.topics.status,
            "--endpoints-topic", names.topics.endpoints, "--dlq-topic", names.topics.deadLetters, "--audit-topic", names.topics.audit,
            "--retry-topic-prefix", names.topics.retryTiers.topicPrefix, "--attempts-topic", names.topics.attempts,
            // Per instance, kept across its restarts: a restarted instance continues its delivery log.
            "--data-dir", NSTemporaryDirectory() + "\(names.group).\(instance)",
            "--retry-schedule-ms", names.retrySchedule.map { String($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) }.joined(separator: ","),
            "--partitions", "3", "--allow-private-endpoints",
        ] + arguments, environment: secretKey.map { ["HERALD_SECRET_KEY": $0] } ?? [:], readyMessage: "Delivery listening")
    }
}

extension DeliveryIntegration {
    @Suite struct CrashTests {
        @Test func sigkillUnderLoadThenRestartSucceedsEachDeliveryExactlyOnceInTheStatusTopic() async throws {
            let registry = try await TestRegistry.start()
            let names = DeliveryNames()
            let receiver = try await Receiver.start { _ in .delayThenOK(.milliseconds(40)) }
            let first = try await DeliveryProcess.start(names: names, registryPort: registry.port, instance: "crash-0")
            for endpoint in ["a", "b", "c"] {
                _ = try await DeliveryStack.withDelivery(port: first.grpcPort) { client in
                    try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = endpoint; $0.url = receiver.url; $0.enabled = true } })
                }
            }
            let count = 1500
            let tasks = (0..<count).map { Fixtures.task(event: "k-\($0)", endpoint: ["a", "b", "c"][$0 % 3], schemaID: registry.schemaID) }
            try await Fixtures.produce(tasks, topic: names.topics.deliveries)
            try await TestEnvironment.eventually("a third of the deliveries to arrive") { receiver.received.count >= count / 3 }
            first.kill()
            let sentBeforeKill = receiver.received.count
            #expect(sentBeforeKill < count, "the kill must come while deliveries are still going out")

            // Requests the killed process wrote may still be read by the receiver a moment after the
            // kill returned; everything after this instant comes from the restarted process.
            let restartedAt = ContinuousClock.now
            let second = try await DeliveryProcess.start(names: names, registryPort: registry.port, instance: "crash-0")
            let ids = Set(tasks.map(\.deliveryID))
            var succeeded: [String: Int] = [:]
            try await TestEnvironment.eventually("every delivery to succeed", within: .seconds(120)) {
                succeeded = [:]
                for message in try await Fixtures.readAll(topic: names.topics.status) {
                    let record = try Herald_V1_DeliveryRecord(serializedBytes: message.value ?? [])
                    if record.state == .succeeded { succeeded[record.deliveryID, default: 0] += 1 }
                }
                return Set(succeeded.keys) == ids
            }
            #expect(succeeded.values.allSatisfy { $0 == 1 }, "SUCCEEDED twice: \(succeeded.filter { $0.value > 1 }.keys.sorted())")

            // Repeats (same webhook-id) only for deliveries whose first request went out before the kill.
            let received = receiver.received
            var byID: [String: [ContinuousClock.Instant]] = [:]
            for request in received { byID[request.webhookID, default: []].append(request.arrived) }
            #expect(Set(byID.keys) == ids)
            let repeated = byID.filter { $0.value.count > 1 }
            let outside = repeated.filter { !($0.value.count == 2 && $0.value[0] < restartedAt) }
            #expect(outside.isEmpty, "repeats outside the crash window: \(outside.mapValues { $0.map { $0 < restartedAt ? "before restart" : "after restart" } })")
            print("measured: \(count) deliveries, \(sentBeforeKill) requests before SIGKILL, \(received.count) requests in all, \(repeated.count) repeated webhook-ids (crash window)")
            #expect(second.terminate() == 0, "SIGTERM exits 0")
            try await receiver.stop()
            try await registry.stop()
        }
    }
}
