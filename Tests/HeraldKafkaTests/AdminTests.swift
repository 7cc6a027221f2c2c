import Foundation
import HeraldKafka
import Testing

extension KafkaIntegration {
    @Suite struct AdminTests {
        let configuration = TestKafka.configuration
        let logger = TestKafka.logger

        @Test func createDescribeOffsetsAndDelete() async throws {
            let admin = try KafkaAdmin(configuration: configuration, logger: logger)
            let name = TestKafka.unique("admin")
            try await admin.createTopic(name, partitions: 3, configs: ["cleanup.policy": "compact"])

            let description = try await admin.describeTopic(name)
            #expect(description.partitionCount == 3)
            #expect(description.partitions == [0, 1, 2])
            #expect(description.configs["cleanup.policy"] == "compact")
            #expect(try await admin.listTopics().contains(name))

            let exists = await #expect(throws: KafkaError.self) { try await admin.createTopic(name, partitions: 3) }
            #expect(exists?.code == .topicAlreadyExists)
            try await admin.createTopic(name, partitions: 3, ignoreIfExists: true)

            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            for index in 0..<7 { _ = try await producer.send(ProducerRecord(topic: name, partition: 1, key: "k", value: "\(index)")) }
            await producer.close()

            #expect(try await admin.watermarks(topic: name, partition: 1) == Watermarks(low: 0, high: 7))
            #expect(try await admin.watermarks(topic: name, partition: 0) == Watermarks(low: 0, high: 0))
            #expect(try await admin.listOffsets(topic: name, .latest).map(\.offset) == [0, 7, 0])
            #expect(try await admin.listOffsets(topic: name, .earliest).map(\.offset) == [0, 0, 0])
            let fromNow = try await admin.listOffsets(topic: name, .timestamp(Int64(Date().timeIntervalSince1970 * 1000) + 60_000))
            #expect(fromNow.map(\.offset) == [-1, -1, -1], "no record is newer than a minute from now")
            let fromEpoch = try await admin.listOffsets(topic: name, .timestamp(0))
            #expect(fromEpoch[1].offset == 0)

            try await admin.deleteTopic(name)
            let gone = try await TestKafka.eventually { !(try await admin.listTopics().contains(name)) }
            #expect(gone)
            let error = await #expect(throws: KafkaError.self) { _ = try await admin.describeTopic(name) }
            #expect(error?.code == .unknownTopic)
            await admin.close()
        }
    }
}
