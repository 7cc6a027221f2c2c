import Foundation
import GRPCCore
import HeraldKafka
import HeraldProducer
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import Logging
import SwiftProtobuf
import Synchronization
import Testing

extension ProducerIntegration {
    @Suite struct FailureTests {
        @Test func unansweringKafkaIsUnavailableAndTheFailedEventIsNeverVisible() async throws {
            let broker = try ScratchBroker.start()
            defer { try? broker.stop() }
            let kafka = ProducerTestEnvironment.kafka(brokers: broker.bootstrap, timeout: .seconds(3))
            let stack = try await ProducerStack.start(kafka: kafka)
            _ = try await stack.registerOrderSchema()
            try await stack.withProducer { producer in
                _ = try await producer.publish(.with { $0.event = orderEvent(id: "k-1") })

                try broker.pause()
                let started = ContinuousClock.now
                do {
                    _ = try await producer.publish(.with { $0.event = orderEvent(id: "k-2") })
                    Issue.record("published while Kafka did not answer")
                } catch let error as RPCError {
                    #expect(error.code == .unavailable, "\(error)")
                    ProducerTestEnvironment.logger.notice("Kafka unanswered: call failed", metadata: ["elapsed": "\(ContinuousClock.now - started)"])
                }
                try broker.resume()

                // The producer recovers by itself once Kafka answers again.
                _ = try await producer.publish(.with { $0.event = orderEvent(id: "k-3") })
            }
            let ids = try await stack.committedRecords().compactMap { $0.header("ce_id").map { String(decoding: $0, as: UTF8.self) } }
            #expect(ids.sorted() == ["k-1", "k-3"])
            try await stack.stop()
        }

        /// A stream's events in an aborted transaction are each answered UNAVAILABLE (a rejected
        /// one keeps its own error), and the stream goes on once Kafka answers again.
        @Test func abortedTransactionFailsEachStreamedEventInItAndTheStreamGoesOn() async throws {
            let broker = try ScratchBroker.start()
            defer { try? broker.stop() }
            let kafka = ProducerTestEnvironment.kafka(brokers: broker.bootstrap, timeout: .seconds(3))
            let stack = try await ProducerStack.start(kafka: kafka)
            _ = try await stack.registerOrderSchema()
            let answers = try await stack.withProducer { producer in
                // The writer waits for answers between its phases: the answers come back through `heard`.
                let (heard, hear) = AsyncStream.makeStream(of: Herald_V1_PublishResponse.self)
                return try await producer.publishStream(
                    request: StreamingClientRequest(of: Herald_V1_PublishRequest.self) { writer in
                        var answers = heard.makeAsyncIterator()
                        try await writer.write(.with { $0.event = orderEvent(id: "a-1") })
                        _ = await answers.next()
                        try broker.pause()
                        var bad = orderEvent(id: "a-3")
                        bad.json = #"{"nope":1}"#
                        for event in [orderEvent(id: "a-2"), bad, orderEvent(id: "a-4")] { try await writer.write(.with { $0.event = event }) }
                        for _ in 0..<3 { _ = await answers.next() }
                        try broker.resume()
                        try await writer.write(.with { $0.event = orderEvent(id: "a-5") })
                        _ = await answers.next()
                    }
                ) { response in
                    defer { hear.finish() }
                    var answers: [Herald_V1_PublishResponse] = []
                    for try await message in response.messages {
                        answers.append(message)
                        hear.yield(message)
                    }
                    return answers
                }
            }
            #expect(answers.map(\.id) == ["a-1", "a-2", "a-3", "a-4", "a-5"])
            let unavailable = Int32(RPCError.Code.unavailable.rawValue)
            #expect(answers.map(\.errorCode) == [0, unavailable, Int32(RPCError.Code.invalidArgument.rawValue), unavailable, 0])
            let ids = try await stack.committedRecords().compactMap { $0.header("ce_id").map { String(decoding: $0, as: UTF8.self) } }
            #expect(ids.sorted() == ["a-1", "a-5"])
            try await stack.stop()
        }

        @Test func unreachableKafkaAtStartUpFailsWithAClearError() async throws {
            let kafka = ProducerTestEnvironment.kafka(brokers: "127.0.0.1:1", timeout: .seconds(2))
            await #expect(throws: KafkaError.self) {
                var configuration = ProducerServer.Configuration(kafka: kafka)
                configuration.grpcPort = 0
                configuration.httpPort = 0
                configuration.topic = ProducerTestEnvironment.unique("events")
                _ = try await ProducerServer.build(configuration, logger: ProducerTestEnvironment.logger)
            }
        }

        /// `herald-producer` on any free ports, writing `topic` as instance `instance`.
        private static func startProducer(registry: TestRegistry, topic: String, partitions: Int, instance: String) async throws -> ServiceProcess {
            try await ServiceProcess.start("herald-producer", arguments: [
                "--kafka-brokers", ProducerTestEnvironment.brokers, "--grpc-port", "0", "--http-port", "0",
                "--registry-url", "127.0.0.1:\(registry.port)", "--events-topic", topic, "--partitions", "\(partitions)",
                "--instance-id", instance, "--kafka-timeout-ms", "10000",
            ], readyMessage: "Producer listening")
        }

        /// A producer fenced by a second instance with its instance id cannot commit again: it
        /// must exit non-zero (its supervisor restarts it) instead of answering UNAVAILABLE for ever.
        @Test func aFencedProducerExitsNonZero() async throws {
            let registry = try await TestRegistry.start()
            _ = try await registry.registerOrderSchema()
            let topic = ProducerTestEnvironment.unique("events")
            let instance = ProducerTestEnvironment.unique("fenced").replacingOccurrences(of: "herald-test.", with: "")
            func startProducer() async throws -> ServiceProcess {
                try await Self.startProducer(registry: registry, topic: topic, partitions: 2, instance: instance)
            }
            let first = try await startProducer()
            try await withProducerClient(port: first.grpcPort) { producer in
                _ = try await producer.publish(.with { $0.event = orderEvent(id: "f-1") })
            }
            let second = try await startProducer()
            try await withProducerClient(port: first.grpcPort) { producer in
                do {
                    _ = try await producer.publish(.with { $0.event = orderEvent(id: "f-2") })
                    Issue.record("a fenced producer committed")
                } catch let error as RPCError {
                    #expect(error.code == .unavailable, "\(error)")
                }
            }
            let status = try await first.exitStatus(within: .seconds(60))
            #expect(status != nil && status != 0, "the fenced producer must exit non-zero:\n\(first.log)")
            if status == nil { first.kill() }
            try await withProducerClient(port: second.grpcPort) { producer in
                _ = try await producer.publish(.with { $0.event = orderEvent(id: "f-3") })
            }
            #expect(second.terminate() == 0)
            let ids = try await committedEvents(topic: topic).compactMap { $0.header("ce_id").map { String(decoding: $0, as: UTF8.self) } }
            #expect(ids.sorted() == ["f-1", "f-3"])
            try await registry.stop()
        }

        /// Crash consistency of the executable: acknowledged means committed, and nothing is written twice.
        @Test func sigkillUnderLoadKeepsEveryAcknowledgedEventExactlyOnce() async throws {
            let registry = try await TestRegistry.start()
            _ = try await registry.registerOrderSchema()
            let topic = ProducerTestEnvironment.unique("events")
            let instance = ProducerTestEnvironment.unique("crash").replacingOccurrences(of: "herald-test.", with: "")
            func startProducer() async throws -> ServiceProcess {
                try await Self.startProducer(registry: registry, topic: topic, partitions: 6, instance: instance)
            }

            let load = Load()
            let first = try await startProducer()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await load.run(port: first.grpcPort, round: "a", until: .max) }
                while load.acknowledgedCount < 400 { try await Task.sleep(for: .milliseconds(5)) }
                first.kill()
                try await group.waitForAll()
            }
            let acknowledgedBeforeKill = load.acknowledgedCount

            let second = try await startProducer()
            try await load.run(port: second.grpcPort, round: "b", until: acknowledgedBeforeKill + 300)
            #expect(second.terminate() == 0, "SIGTERM should drain and exit 0:\n\(second.log)")

            var copies: [String: Int] = [:]
            for record in try await committedEvents(topic: topic) {
                if let id = record.header("ce_id") { copies[String(decoding: id, as: UTF8.self), default: 0] += 1 }
            }
            let acked = load.acknowledged.withLock { $0 }
            #expect(acked.filter { copies[$0] == nil }.isEmpty, "acknowledged but missing")
            #expect(copies.filter { $0.value > 1 }.isEmpty, "written more than once")
            #expect(copies.count <= load.attempted.load(ordering: .relaxed))
            ProducerTestEnvironment.logger.notice("SIGKILL under load", metadata: [
                "acknowledged": "\(acked.count)", "acknowledged.before_kill": "\(acknowledgedBeforeKill)",
                "attempted": "\(load.attempted.load(ordering: .relaxed))", "committed": "\(copies.count)",
            ])
            try await registry.stop()
        }
    }
}

/// Concurrent callers publishing distinct ids, and what they were told.
private final class Load: Sendable {
    let acknowledged = Mutex<[String]>([])
    let attempted = Atomic<Int>(0)

    var acknowledgedCount: Int { acknowledged.withLock { $0.count } }

    /// 16 callers publish until a call fails (the process died) or `target` acknowledgements arrived.
    func run(port: Int, round: String, until target: Int) async throws {
        try await withProducerClient(port: port) { producer in
            await withTaskGroup(of: Void.self) { callers in
                for caller in 0..<16 {
                    callers.addTask {
                        var n = 0
                        while self.acknowledgedCount < target {
                            let id = "\(round)-\(caller)-\(n)"
                            n += 1
                            self.attempted.add(1, ordering: .relaxed)
                            do {
                                _ = try await producer.publish(.with { $0.event = orderEvent(id: id, source: "/orders/\(caller % 5)") })
                                self.acknowledged.withLock { $0.append(id) }
                            } catch {
                                return
                            }
                        }
                    }
                }
            }
        }
    }
}
