import Foundation
import HeraldKafka
import Testing

extension KafkaIntegration {
    @Suite struct ProducerTests {
        let configuration = TestKafka.configuration
        let logger = TestKafka.logger

        @Test func recordsRoundTripWithKeysHeadersPartitionsAndTombstones() async throws {
            let topic = try await TestKafka.topic("roundtrip", partitions: 3)
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            let headers = [
                KafkaHeader(name: "ce_id", value: "42"),
                KafkaHeader(name: "ce_id", value: "again"),
                KafkaHeader(name: "absent", value: nil),
                KafkaHeader(name: "empty", value: [UInt8]()),
            ]
            let full = try await producer.send(ProducerRecord(topic: topic, partition: 2, key: [0, 1, 2], value: [9, 8, 7], headers: headers))
            let empty = try await producer.send(ProducerRecord(topic: topic, partition: 2, key: "e", value: ""))
            let tombstone = try await producer.send(ProducerRecord(topic: topic, partition: 2, key: [1], value: nil))
            await producer.close()
            #expect([full.partition, empty.partition, tombstone.partition] == [2, 2, 2])
            #expect([full.offset, empty.offset, tombstone.offset] == [0, 1, 2])

            let messages = try await TestKafka.readAll(topic, partitions: 3)
            try #require(messages.count == 3)
            #expect(messages[0].key == [0, 1, 2])
            #expect(messages[0].value == [9, 8, 7])
            #expect(messages[0].headers == headers)
            #expect(messages[0].header("ce_id") == Array("42".utf8))
            #expect(messages[0].timestampMilliseconds != nil)
            #expect(messages[1].value == [], "an empty value is not a tombstone")
            #expect(messages[2].value == nil, "a nil value is a tombstone")
            #expect(messages.allSatisfy { $0.topic == topic && $0.partition == 2 })
        }

        @Test func keyedRecordsLandWhereTheJavaClientPutsThem() async throws {
            let topic = try await TestKafka.topic("murmur2", partitions: 6)
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            for index in 0..<60 {
                let key = "order.created|shop-\(index)"
                let report = try await producer.send(ProducerRecord(topic: topic, key: key, value: "x"))
                #expect(report.partition == JavaPartitioner.partition(Array(key.utf8), partitions: 6), "key \(key)")
            }
            await producer.close()
        }

        @Test func enqueuedRecordsAllReportAndCloseStopsIntake() async throws {
            let topic = try await TestKafka.topic("enqueue")
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            var pending: [PendingDelivery] = []
            for index in 0..<5000 { pending.append(try await producer.enqueue(ProducerRecord(topic: topic, key: nil, value: "\(index)"))) }
            try await producer.flush()
            #expect(pending.allSatisfy { $0.isDelivered })
            var offsets: [Int64] = []
            for delivery in pending { offsets.append(try await delivery.report.offset) }
            #expect(offsets == Array(0..<5000))

            await producer.close()
            let error = await #expect(throws: KafkaError.self) { _ = try await producer.send(ProducerRecord(topic: topic, key: "k", value: "v")) }
            #expect(error?.code == .closed)
        }

        @Test func anUnknownPropertyIsRejectedByName() throws {
            var configuration = configuration
            configuration.properties["no.such.property"] = "1"
            let error = #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: configuration, logger: logger) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("no.such.property") == true)
        }

        @Test func anUnreachableBrokerFailsWithinTheConfiguredTimeouts() async throws {
            let unreachable = KafkaConfiguration(bootstrapServers: ["127.0.0.1:1"], requestTimeout: .seconds(2), deliveryTimeout: .seconds(2))
            try await TestKafka.withDeadline(.seconds(30)) {
                let producer = try KafkaProducer(configuration: unreachable, logger: logger)
                let delivery = await #expect(throws: KafkaError.self) { _ = try await producer.send(ProducerRecord(topic: "t", key: "k", value: "v")) }
                #expect(delivery?.code == .messageTimedOut, "\(String(describing: delivery))")
                await producer.close()

                let admin = try KafkaAdmin(configuration: unreachable, logger: logger)
                let metadata = await #expect(throws: KafkaError.self) { _ = try await admin.watermarks(topic: "t", partition: 0) }
                #expect(metadata.map { [.timedOut, .transportFailure, .allBrokersDown].contains($0.code) } == true, "\(String(describing: metadata))")
                await admin.close()

                let transactional = try TransactionalProducer(configuration: unreachable, transactionalID: TestKafka.unique("unreachable"), logger: logger)
                let initError = await #expect(throws: KafkaError.self) { try await transactional.initTransactions() }
                #expect(initError?.isRetriable == true, "\(String(describing: initError))")
                await transactional.close()

                let consumer = try KafkaConsumer(configuration: unreachable, options: .init(groupID: TestKafka.unique("unreachable")), logger: logger)
                await #expect(throws: KafkaError.self) { _ = try await consumer.committed([TopicPartition(topic: "t", partition: 0)]) }
                await consumer.close()
            }
        }
    }
}

/// Kafka's Java default partitioner for keyed records, as the test oracle
/// (`Utils.toPositive(Utils.murmur2(key)) % partitions`).
enum JavaPartitioner {
    static func partition(_ key: [UInt8], partitions: Int32) -> Int32 {
        (murmur2(key) & 0x7fff_ffff) % partitions
    }

    static func murmur2(_ data: [UInt8]) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        var h: UInt32 = 0x9747_b28c ^ UInt32(data.count)
        let whole = data.count / 4
        for index in 0..<whole {
            let i = index * 4
            var k = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
        }
        let tail = whole * 4
        let remainder = data.count % 4
        if remainder == 3 { h ^= UInt32(data[tail + 2]) << 16 }
        if remainder >= 2 { h ^= UInt32(data[tail + 1]) << 8 }
        if remainder >= 1 {
            h ^= UInt32(data[tail])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }
}

@Test func theJavaPartitionerOracleMatchesKafkasTestVectors() {
    // From Apache Kafka's UtilsTest.testMurmur2.
    #expect(JavaPartitioner.murmur2(Array("21".utf8)) == -973_932_308)
    #expect(JavaPartitioner.murmur2(Array("foobar".utf8)) == -790_332_482)
    #expect(JavaPartitioner.murmur2(Array("a-little-bit-long-string".utf8)) == -985_981_536)
    #expect(JavaPartitioner.murmur2(Array("a-little-bit-longer-string".utf8)) == -1_486_304_829)
    #expect(JavaPartitioner.murmur2(Array("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8".utf8)) == -58_897_971)
    #expect(JavaPartitioner.murmur2(Array("abc".utf8)) == 479_470_107)
}
