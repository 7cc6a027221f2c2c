import Foundation
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import HeraldTestSupport
import Logging
import Synchronization
import Testing

/// Records what is logged through it, with metadata, for assertions on what a service did.
final class CapturedLog: LogHandler, @unchecked Sendable {
    struct Entry: Sendable {
        let message: String
        let metadata: [String: String]
    }

    private let storage = Mutex<[Entry]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    var entries: [Entry] { storage.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "herald-delivery-tests.captured", factory: { (_: String) -> any LogHandler in self })
        logger.logLevel = .info
        return logger
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let entry = Entry(message: event.message.description, metadata: merged.mapValues(\.description))
        storage.withLock { $0.append(entry) }
    }
}

extension DeliveryIntegration {
    @Suite struct RebalanceTests {
        /// A second instance joins while the first has requests to a slow endpoint in flight: the
        /// partitions move only after those outcomes and offsets are committed, so neither the next
        /// owner nor the first instance (taking some partitions back) sends any task again.
        @Test func partitionsMovingToAJoiningInstanceWhileSendsAreInFlightDeliverEachTaskOnce() async throws {
            let registry = try await TestRegistry.start()
            let names = DeliveryNames()
            var limits = EndpointLimits()
            limits.concurrency = 4
            let firstLog = CapturedLog(), secondLog = CapturedLog()
            let first = try await DeliveryStack.start(names: names, registry: registry, partitions: 6, limits: limits, logger: firstLog.logger)
            // One receiver per endpoint: the HTTP client keeps `concurrency` connections per host and port.
            let endpoints = (0..<6).map { "slow-\($0)" }
            var receivers: [Receiver] = []
            for endpoint in endpoints {
                let receiver = try await Receiver.start { _ in .delayThenOK(.milliseconds(1500)) }
                receivers.append(receiver)
                _ = try await first.putEndpoint(endpoint, url: receiver.url)
            }
            let received = { receivers.flatMap(\.received) }
            let count = 240
            let tasks = (0..<count).map { first.task(event: "m-\($0)", endpoint: endpoints[$0 % endpoints.count]) }
            try await first.produce(tasks)
            try await TestEnvironment.eventually("the first instance's first requests") { received().count >= 20 }

            let second = try await DeliveryStack.start(names: names, registry: registry, partitions: 6, limits: limits, logger: secondLog.logger)
            let ids = Set(tasks.map(\.deliveryID))
            var states: [String: [Herald_V1_DeliveryState]] = [:]
            try await TestEnvironment.eventually("every delivery to succeed", within: .seconds(180)) {
                states = [:]
                for record in try await first.statusRecords() { states[record.deliveryID, default: []].append(record.state) }
                return ids.allSatisfy { states[$0]?.contains(.succeeded) == true }
            }

            // The scenario happened: the first instance gave up partitions with requests in flight,
            // and the second one received some.
            let revocations = firstLog.entries.filter { $0.message.hasPrefix("Partitions revoked") }
            #expect(revocations.contains { Int($0.metadata["herald.delivery.in_flight"] ?? "") ?? 0 > 0 },
                    "a revocation with sends in flight: \(revocations.map(\.metadata))")
            #expect(secondLog.entries.contains { $0.message == "Partitions assigned" }, "the joining instance got partitions")

            // Every task reached the endpoint exactly once, and its only status record is SUCCEEDED.
            var requests: [String: Int] = [:]
            for request in received() { requests[request.webhookID, default: 0] += 1 }
            #expect(Set(requests.keys) == ids, "lost: \(ids.subtracting(requests.keys).sorted())")
            let repeated = requests.filter { $0.value > 1 }
            #expect(repeated.isEmpty, "sent more than once: \(repeated.keys.sorted())")
            let other = states.filter { $0.value != [.succeeded] }
            #expect(other.isEmpty, "status records other than one SUCCEEDED: \(other.sorted { $0.key < $1.key }.prefix(10))")
            print("measured: \(count) deliveries, \(received().count) requests, \(revocations.count) revocations of the first instance (in flight: \(revocations.compactMap { $0.metadata["herald.delivery.in_flight"] }))")

            try await second.group.stop()
            try await first.group.stop()
            for receiver in receivers { try await receiver.stop() }
            try await registry.stop()
        }
    }
}
