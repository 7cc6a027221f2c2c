import Foundation
import HeraldKafka
import Synchronization
import Testing

extension KafkaIntegration {
    /// `KafkaConfiguration.idleFetchBackoff`: the local broker answers a caught-up fetch at once, so
    /// a consumer rests each partition it has caught up with instead of fetching it continuously.
    @Suite struct IdleFetchTests {
        @Test func aCaughtUpPartitionIsFetchedAgainOncePerBackoffAndLosesNothing() async throws {
            let topic = try await TestKafka.topic("idle-fetch")
            var configuration = TestKafka.configuration
            configuration.idleFetchBackoff = .milliseconds(50)
            // End-of-partition events mark each fetch that found nothing new: librdkafka reports
            // one again only after a pause, so without rests there would be exactly one.
            let consumer = try KafkaConsumer(configuration: configuration, options: .init(reportsEndOfPartition: true), logger: TestKafka.logger)
            try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
            let observed = Mutex<(ends: Int, values: [String], offsets: [Int64])>((0, [], []))
            let reader = Task {
                for try await event in consumer.events {
                    switch event {
                    case .endOfPartition: observed.withLock { $0.ends += 1 }
                    case .message(let message):
                        observed.withLock {
                            $0.values.append(TestKafka.string(message.value) ?? "")
                            $0.offsets.append(message.offset)
                        }
                    default: break
                    }
                }
            }

            let idle = Duration.seconds(2)
            try await Task.sleep(for: idle)
            let ends = observed.withLock { $0.ends }
            #expect(ends >= 3, "an idle partition is fetched again after each rest (\(ends) end-of-partition events)")
            #expect(ends <= 2000 / 50 + 5, "an idle partition is fetched at most once per 50 ms rest, not continuously (\(ends) in 2 s)")

            // Records written one by one while the partition rests arrive once each, in order.
            let producer = try KafkaProducer(configuration: configuration, logger: TestKafka.logger)
            for index in 0..<20 {
                _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, key: "k", value: "v\(index)"))
                try await Task.sleep(for: .milliseconds(15))
            }
            await producer.close()
            #expect(try await TestKafka.eventually { observed.withLock { $0.values.count >= 20 } })
            try await Task.sleep(for: .milliseconds(200))
            let (values, offsets) = observed.withLock { ($0.values, $0.offsets) }
            #expect(values == (0..<20).map { "v\($0)" })
            #expect(offsets == Array(0..<20))
            reader.cancel()
            await consumer.close()
        }

        @Test func fetchRestingPartitionsEndsTheRestAtOnce() async throws {
            let topic = try await TestKafka.topic("idle-fetch-now")
            var configuration = TestKafka.configuration
            // An hour's rest: a record written meanwhile arrives only when the rest is ended.
            configuration.idleFetchBackoff = .seconds(3600)
            let consumer = try KafkaConsumer(configuration: configuration, options: .init(reportsEndOfPartition: true), logger: TestKafka.logger)
            try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
            let observed = Mutex<(ends: Int, values: [String])>((0, []))
            let reader = Task {
                for try await event in consumer.events {
                    switch event {
                    case .endOfPartition: observed.withLock { $0.ends += 1 }
                    case .message(let message): observed.withLock { $0.values.append(TestKafka.string(message.value) ?? "") }
                    default: break
                    }
                }
            }
            #expect(try await TestKafka.eventually { observed.withLock { $0.ends == 1 } })

            let producer = try KafkaProducer(configuration: configuration, logger: TestKafka.logger)
            _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, key: "k", value: "written while resting"))
            await producer.close()
            try await Task.sleep(for: .seconds(1))
            #expect(observed.withLock { $0.values.isEmpty }, "the partition rests: nothing is fetched before the rest ends")

            try await consumer.fetchRestingPartitions()
            #expect(try await TestKafka.eventually { observed.withLock { $0.values == ["written while resting"] } })
            reader.cancel()
            await consumer.close()
        }
    }
}
