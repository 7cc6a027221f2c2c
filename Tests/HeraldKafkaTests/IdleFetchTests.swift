import Foundation
import HeraldKafka
import Synchronization
import Testing

extension KafkaIntegration {
    /// `KafkaConfiguration.idleFetchBackoff`: the local broker answers a caught-up fetch at once, so
    /// a consumer rests each partition it has caught up with, longer while it stays idle, instead of
    /// fetching it continuously; a write from this process (`LocalWriteSignal`) ends the rest.
    @Suite struct IdleFetchTests {
        /// What a consumer reading one partition saw: end-of-partition events (one per fetch that
        /// found nothing new: librdkafka reports one again only after a pause) and the records.
        private final class Observed: Sendable {
            let state = Mutex<(ends: Int, values: [String], offsets: [Int64])>((0, [], []))
            var ends: Int { state.withLock { $0.ends } }
            var values: [String] { state.withLock { $0.values } }
        }

        private func follow(
            _ topic: String, _ configuration: KafkaConfiguration, catchUp: KafkaConsumer.CatchUp = .prompt
        ) async throws -> (KafkaConsumer, Observed, Task<Void, any Error>) {
            let options = KafkaConsumer.Options(reportsEndOfPartition: true, catchUp: catchUp)
            let consumer = try KafkaConsumer(configuration: configuration, options: options, logger: TestKafka.logger)
            try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
            let observed = Observed()
            let reader = Task {
                for try await event in consumer.events {
                    switch event {
                    case .endOfPartition: observed.state.withLock { $0.ends += 1 }
                    case .message(let message):
                        observed.state.withLock {
                            $0.values.append(TestKafka.string(message.value) ?? "")
                            $0.offsets.append(message.offset)
                        }
                    default: break
                    }
                }
            }
            return (consumer, observed, reader)
        }

        /// A configuration whose clients hear only each other's writes, as if in a process of their own.
        private func isolated(longestRest: Duration) -> KafkaConfiguration {
            var configuration = TestKafka.configuration
            configuration.idleFetchBackoff = longestRest
            configuration.writeSignal = LocalWriteSignal()
            return configuration
        }

        @Test func anIdlePartitionIsFetchedLessOftenTheLongerItStaysIdle() async throws {
            let topic = try await TestKafka.topic("idle-fetch")
            let configuration = isolated(longestRest: .milliseconds(400))
            let (consumer, observed, reader) = try await follow(topic, configuration)
            try await Task.sleep(for: .seconds(3))
            // Rests of 1, 2, 4 … 256 ms (about half a second in all), then one per 400 ms: about
            // 15 fetches in 3 s where a fixed 10 ms rest made 300 and no rest at all thousands.
            let ends = observed.ends
            #expect(ends >= 5, "an idle partition is still fetched after each rest (\(ends) end-of-partition events)")
            #expect(ends <= 25, "an idle partition rests longer and longer (\(ends) fetches in 3 s)")
            reader.cancel()
            await consumer.close()
        }

        @Test func recordsWrittenElsewhereArriveOnceEachInOrderAfterTheRest() async throws {
            let topic = try await TestKafka.topic("idle-fetch-elsewhere")
            let (consumer, observed, reader) = try await follow(topic, isolated(longestRest: .milliseconds(50)))
            try await Task.sleep(for: .milliseconds(500))
            // A producer that does not share the consumer's signal, like one in another process.
            let producer = try KafkaProducer(configuration: isolated(longestRest: .milliseconds(50)), logger: TestKafka.logger)
            for index in 0..<20 {
                _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, key: "k", value: "v\(index)"))
                try await Task.sleep(for: .milliseconds(15))
            }
            await producer.close()
            #expect(try await TestKafka.eventually { observed.values.count >= 20 })
            try await Task.sleep(for: .milliseconds(200))
            let (values, offsets) = observed.state.withLock { ($0.values, $0.offsets) }
            #expect(values == (0..<20).map { "v\($0)" })
            #expect(offsets == Array(0..<20))
            reader.cancel()
            await consumer.close()
        }

        /// Follows an empty topic until its partition has rested 1, 2, 4 … 4,096 ms: the rest
        /// under way then lasts at least another 4 s (half its 8,192 ms backoff, less the moment
        /// it took to notice), long enough to tell a write that ends it from the rest running out.
        private func followIntoALongRest(_ topic: String, _ configuration: KafkaConfiguration) async throws -> (KafkaConsumer, Observed, Task<Void, any Error>) {
            let following = try await follow(topic, configuration)
            #expect(try await TestKafka.eventually { following.1.ends >= 14 })
            return following
        }

        @Test func aRecordAcknowledgedInThisProcessEndsTheRestAtOnce() async throws {
            let topic = try await TestKafka.topic("idle-fetch-acked")
            let configuration = isolated(longestRest: .seconds(3600))
            let (consumer, observed, reader) = try await followIntoALongRest(topic, configuration)

            // Written by a producer on another signal: the partition keeps resting.
            let elsewhere = try KafkaProducer(configuration: isolated(longestRest: .seconds(3600)), logger: TestKafka.logger)
            _ = try await elsewhere.send(ProducerRecord(topic: topic, partition: 0, key: "k", value: "from elsewhere"))
            await elsewhere.close()
            try await Task.sleep(for: .seconds(1))
            #expect(observed.values.isEmpty, "the partition rests: a write it is not told of waits for the rest's end")

            // Well before the rest could run out, only the write's announcement can bring both records.
            let producer = try KafkaProducer(configuration: configuration, logger: TestKafka.logger)
            _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, key: "k", value: "from here"))
            await producer.close()
            #expect(try await TestKafka.eventually(within: .seconds(2)) { observed.values == ["from elsewhere", "from here"] })
            reader.cancel()
            await consumer.close()
        }

        @Test func aTransactionCommittedInThisProcessEndsTheRestAtOnce() async throws {
            let topic = try await TestKafka.topic("idle-fetch-txn")
            let configuration = isolated(longestRest: .seconds(3600))
            let producer = try TransactionalProducer(configuration: configuration, transactionalID: TestKafka.unique("idle-fetch-txn"), logger: TestKafka.logger)
            try await producer.initTransactions()
            let (consumer, observed, reader) = try await followIntoALongRest(topic, configuration)

            try await producer.withTransaction { transaction in
                try await transaction.send(contentsOf: [ProducerRecord(topic: topic, partition: 0, key: "k", value: "committed")])
            }
            await producer.close()
            // Well before the rest could run out: only the commit's announcement brings the record.
            #expect(try await TestKafka.eventually(within: .seconds(2)) { observed.values == ["committed"] })
            reader.cancel()
            await consumer.close()
        }

        @Test func aBatchedConsumerRestsThroughWritesOfThisProcessAndReadsThemAfterTheRest() async throws {
            let topic = try await TestKafka.topic("idle-fetch-batched")
            let configuration = isolated(longestRest: .seconds(4))
            // Every rest is 4 s long, ending on its grid: at least 2 s after the end that started it.
            let (consumer, observed, reader) = try await follow(topic, configuration, catchUp: .batched(every: .seconds(4)))
            #expect(try await TestKafka.eventually { observed.ends >= 1 })

            // On the consumer's own signal: a prompt consumer would fetch it at once.
            let producer = try KafkaProducer(configuration: configuration, logger: TestKafka.logger)
            _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, key: "k", value: "from here"))
            await producer.close()
            try await Task.sleep(for: .milliseconds(300))
            #expect(observed.values.isEmpty, "a batched consumer is not woken by this process's writes")
            #expect(try await TestKafka.eventually(within: .seconds(10)) { observed.values == ["from here"] })
            reader.cancel()
            await consumer.close()
        }
    }
}
