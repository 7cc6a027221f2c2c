import Foundation
import GRPCCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Synchronization
import HeraldTestSupport
import Testing

/// A `herald-delivery` executable run as a child process, so tests can kill it with SIGKILL.
final class DeliveryProcess: Sendable {
    let process: Process
    let grpcPort: Int

    static func start(names: DeliveryNames, registryPort: Int, instance: String) async throws -> DeliveryProcess {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = [
            "--kafka-brokers", TestEnvironment.brokers, "--grpc-port", "0", "--http-port", "0", "--instance-id", instance,
            "--registry-url", "127.0.0.1:\(registryPort)", "--consumer-group", names.group,
            "--deliveries-topic", names.topics.deliveries, "--status-topic", names.topics.status,
            "--endpoints-topic", names.topics.endpoints, "--dlq-topic", names.topics.deadLetters,
            "--retry-topic-prefix", names.topics.retryTiers.topicPrefix,
            "--retry-schedule-ms", names.retrySchedule.map { String($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) }.joined(separator: ","),
            "--partitions", "3", "--allow-private-endpoints",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["HERALD_SECRET_KEY"] = DeliveryStack.secretKey
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        let port = Mutex<Int?>(nil)
        let buffer = Mutex<String>("")
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil; return }
            buffer.withLock { text in
                text += String(decoding: data, as: UTF8.self)
                guard let line = text.split(separator: "\n").first(where: { $0.contains("msg=\"Delivery listening\"") }) else { return }
                let field = line.split(separator: " ").first { $0.hasPrefix("grpc.port=") }
                if let value = field.flatMap({ Int($0.dropFirst("grpc.port=".count)) }) { port.withLock { $0 = $0 ?? value } }
            }
        }
        try process.run()
        try await TestEnvironment.eventually("herald-delivery \(instance) to listen") { port.withLock { $0 } != nil || !process.isRunning }
        guard let found = port.withLock({ $0 }) else { throw ProcessExited() }
        return DeliveryProcess(process: process, grpcPort: found)
    }

    private init(process: Process, grpcPort: Int) {
        self.process = process
        self.grpcPort = grpcPort
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    struct ProcessExited: Error {}
    struct ExecutableNotFound: Error {}

    private static func executable() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("herald-delivery")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ExecutableNotFound()
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
            let killedAt = ContinuousClock.now
            let sentBeforeKill = receiver.received.count
            #expect(sentBeforeKill < count, "the kill must come while deliveries are still going out")

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
            #expect(repeated.values.allSatisfy { $0.count == 2 && $0[0] < killedAt }, "repeats outside the crash window")
            print("measured: \(count) deliveries, \(sentBeforeKill) requests before SIGKILL, \(received.count) requests in all, \(repeated.count) repeated webhook-ids (crash window)")
            #expect(second.terminate() == 0, "SIGTERM exits 0")
            try await receiver.stop()
            try await registry.group.stop()
        }
    }
}
