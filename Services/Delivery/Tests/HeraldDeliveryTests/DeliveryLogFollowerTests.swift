import Foundation
@testable import HeraldDelivery
import HeraldTestSupport
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    /// The log filled from real topics on the broker, on each backend.
    @Suite struct DeliveryLogFollowerTests {
        struct Topics {
            let topics: DeliveryLogTopics

            init() {
                var names = DeliveryTopics()
                let base = TestEnvironment.unique("log")
                names.status = base + ".status"
                names.attempts = base + ".attempts"
                names.deadLetters = base + ".dlq"
                topics = DeliveryLogTopics(names)
            }

            func create() async throws {
                let admin = try KafkaAdmin(configuration: TestEnvironment.kafka(), logger: TestEnvironment.logger)
                for topic in topics.all { try await admin.createTopic(topic, partitions: 3, ignoreIfExists: true) }
                await admin.close()
            }

            /// The topics deleted and made again, empty: what a fresh broker under an old data directory shows.
            func recreate() async throws {
                let admin = try KafkaAdmin(configuration: TestEnvironment.kafka(), logger: TestEnvironment.logger)
                for topic in topics.all { try await admin.deleteTopic(topic) }
                await admin.close()
                try await create()
            }

            /// Statuses, attempts and dead letters of `range`, keyed by delivery id like the engine writes them.
            func produce(_ range: Range<Int>) async throws {
                let producer = try KafkaProducer(configuration: TestEnvironment.kafka(), logger: TestEnvironment.logger)
                var pending: [PendingDelivery] = []
                for index in range {
                    let dead = index % 4 == 0
                    let record = DeliveryLogStoreTests.record(index, state: dead ? .dead : .succeeded)
                    let id = Array(record.deliveryID.utf8)
                    pending.append(try await producer.enqueue(ProducerRecord(topic: topics.status, key: id, value: try record.serializedBytes())))
                    let attempt = DeliveryLogStoreTests.attempt(record.deliveryID, endpoint: record.endpointID, at: 1_000 + Int64(index), status: dead ? 500 : 200, durationMS: 5)
                    pending.append(try await producer.enqueue(ProducerRecord(topic: topics.attempts, key: id, value: try attempt.serializedBytes())))
                    if dead {
                        let task = Herald_V1_DeliveryTask.with { $0.deliveryID = record.deliveryID; $0.endpointID = record.endpointID }
                        pending.append(try await producer.enqueue(ProducerRecord(topic: topics.deadLetters, key: id, value: try task.serializedBytes())))
                    }
                }
                for delivery in pending { _ = try await delivery.report }
                await producer.close()
            }

            /// Runs a follower on `log` until it has caught up with the topics, then stops it.
            func catchUp(_ log: DeliveryLog) async throws {
                let follower = DeliveryLogFollower(log: log, topics: topics, kafka: TestEnvironment.kafka(), logger: TestEnvironment.logger)
                let running = Task { try await follower.run() }
                try await follower.waitUntilReady()
                running.cancel()
                _ = await running.result
            }
        }

        @Test(arguments: LogBackend.available)
        func replayingTheTopicsAgainOrIntoANewLogGivesTheSameRows(_ backend: LogBackend) async throws {
            let topics = Topics()
            try await topics.create()
            try await topics.produce(0..<60)
            let location = try await backend.freshLocation()
            let log = try await backend.open(location)
            try await topics.catchUp(log)
            let rows = try await log.dump()
            #expect(rows.filter { $0.hasPrefix("deliveries:") }.count == 60)
            #expect(rows.filter { $0.hasPrefix("attempts:") }.count == 60)
            #expect(rows.filter { $0.hasPrefix("dead_letters:") }.count == 15)

            // The same records once more, from the beginning (as after losing the offsets).
            try await log.database.transaction([LogStatement("DELETE FROM log_offsets")])
            try await topics.catchUp(log)
            #expect(try await log.dump() == rows)

            let rebuilt = try await backend.open(try await backend.freshLocation())
            try await topics.catchUp(rebuilt)
            #expect(try await rebuilt.dump() == rows)
            await rebuilt.database.close()
            await log.database.close()
        }

        @Test(arguments: LogBackend.available)
        func aRestartedFollowerContinuesWhereItStoppedWithoutLossOrDuplication(_ backend: LogBackend) async throws {
            let topics = Topics()
            try await topics.create()
            try await topics.produce(0..<30)
            let location = try await backend.freshLocation()
            let first = try await backend.open(location)
            try await topics.catchUp(first)
            let offsets = try await first.offsets()
            // Every record of the three topics applied: 30 statuses, 30 attempts, 8 dead letters.
            let applied: Int64 = offsets.values.reduce(0, +)
            #expect(applied == 68)
            await first.database.close()

            try await topics.produce(30..<50)
            let restarted = try await backend.open(location)
            try await topics.catchUp(restarted)
            let rows = try await restarted.dump()
            #expect(rows.filter { $0.hasPrefix("deliveries:") }.count == 50)
            #expect(rows.filter { $0.hasPrefix("attempts:") }.count == 50)
            let appliedAfterRestart: Int64 = try await restarted.offsets().values.reduce(0, +)
            #expect(appliedAfterRestart == 113)
            let fresh = try await backend.open(try await backend.freshLocation())
            try await topics.catchUp(fresh)
            #expect(try await fresh.dump() == rows)
            await fresh.database.close()
            await restarted.database.close()
        }

        @Test(arguments: LogBackend.available)
        func aLogWhoseTopicsWereRecreatedIsRebuiltFromThem(_ backend: LogBackend) async throws {
            let topics = Topics()
            try await topics.create()
            try await topics.produce(0..<40)
            let log = try await backend.open(try await backend.freshLocation())
            try await topics.catchUp(log)

            try await topics.recreate()
            try await topics.produce(100..<110)
            try await topics.catchUp(log)
            // Only the new topics' deliveries: an old one left behind would read as already finished.
            let rows = try await log.dump()
            #expect(rows.filter { $0.hasPrefix("deliveries:") }.count == 10)
            let fresh = try await backend.open(try await backend.freshLocation())
            try await topics.catchUp(fresh)
            #expect(try await fresh.dump() == rows)
            await fresh.database.close()
            await log.database.close()
        }
    }
}
