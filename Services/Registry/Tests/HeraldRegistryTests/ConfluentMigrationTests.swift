import Foundation
import HeraldKafka
import HeraldRegistry
import HeraldTestSupport
import NIOHTTP1
import Testing

/// A `_schemas` topic as Confluent Schema Registry leaves it, record by record in the shapes its
/// `storage` key and value classes write (members left out when empty, no-op keys, subject
/// deletes, tombstones, contexts).
enum ConfluentSchemasTopic {
    static let customer = #"{"type":"record","name":"Customer","namespace":"com.example","fields":[{"name":"name","type":"string"}]}"#
    static let invoice = #"{"type":"record","name":"Invoice","namespace":"com.example","fields":[{"name":"customer","type":"com.example.Customer"}]}"#

    static func schema(_ subject: String, _ version: Int, id: Int, _ schema: String, deleted: Bool = false, extra: String = "") -> (String, String?) {
        let text = String(decoding: try! JSONSerialization.data(withJSONObject: schema, options: [.fragmentsAllowed]), as: UTF8.self)
        return (#"{"keytype":"SCHEMA","subject":"\#(subject)","version":\#(version),"magic":1}"#,
                #"{"subject":"\#(subject)","version":\#(version),"id":\#(id),"schema":\#(text)\#(extra),"deleted":\#(deleted)}"#)
    }

    static let records: [(key: String, value: String?)] = [
        (#"{"keytype":"NOOP","magic":0}"#, nil),
        (#"{"keytype":"CONFIG","magic":0}"#, #"{"compatibilityLevel":"FULL_TRANSITIVE"}"#),
        (#"{"keytype":"CONTEXT","tenant":"default","context":".","magic":0}"#, #"{"tenant":"default","context":"."}"#),
        // The issue's record: no `references` member, as Confluent writes it when there are none.
        schema("conf", 1, id: 777, #""string""#),
        schema("orders-value", 1, id: 778, Schemas.orderV1, extra: #","schemaType":"AVRO","md5":"q83vEjRWeJCrze8SNFZ4kA==""#),
        schema("customer", 1, id: 779, customer),
        schema("orders-value", 2, id: 780, Schemas.orderV2),
        (#"{"keytype":"CONFIG","subject":"orders-value","magic":0}"#, #"{"subject":"orders-value","compatibilityLevel":"FORWARD","normalize":true}"#),
        schema("invoice", 1, id: 781, invoice, extra: #","references":[{"name":"com.example.Customer","subject":"customer","version":1}]"#),
        schema("frozen", 1, id: 782, #""long""#),
        (#"{"keytype":"MODE","subject":"frozen","magic":0}"#, #"{"subject":"frozen","mode":"READONLY"}"#),
        // Soft delete of a whole subject: one DELETE_SUBJECT record, the versions themselves untouched.
        schema("gone", 1, id: 783, #""int""#),
        schema("gone", 2, id: 784, #"{"type":"array","items":"int"}"#),
        (#"{"keytype":"DELETE_SUBJECT","subject":"gone","magic":0}"#, #"{"subject":"gone","version":2}"#),
        // Soft delete of one version.
        schema("orders-value", 3, id: 785, Schemas.orderBreaking, deleted: true),
        // Permanent delete: a tombstone.
        schema("temp", 1, id: 786, #""bytes""#),
        (#"{"keytype":"SCHEMA","subject":"temp","version":1,"magic":1}"#, nil),
        // CLEAR_SUBJECT forgets soft-deleted versions.
        schema("cleared", 1, id: 787, #""float""#, deleted: true),
        (#"{"keytype":"CLEAR_SUBJECT","subject":"cleared","magic":0}"#, #"{"subject":"cleared"}"#),
        // A subject config set, then removed.
        (#"{"keytype":"CONFIG","subject":"customer","magic":0}"#, #"{"subject":"customer","compatibilityLevel":"NONE"}"#),
        (#"{"keytype":"CONFIG","subject":"customer","magic":0}"#, nil),
        (#"{"keytype":"NOOP","magic":0}"#, nil),
    ]
}

extension RegistryIntegration {
    @Suite struct ConfluentMigrationTests {
        @Test func takesOverATopicConfluentWroteAndRewritesNothing() async throws {
            let names = RegistryNames()
            let admin = try KafkaAdmin(configuration: TestEnvironment.kafka, logger: TestEnvironment.logger)
            try await admin.createTopic(names.topic, partitions: 1, configs: ["cleanup.policy": "compact"], ignoreIfExists: false)
            let producer = try KafkaProducer(configuration: TestEnvironment.kafka, logger: TestEnvironment.logger)
            for record in ConfluentSchemasTopic.records {
                _ = try await producer.send(ProducerRecord(topic: names.topic, partition: 0, key: record.key, value: record.value))
            }
            await producer.close()
            let written = try await admin.watermarks(topic: names.topic, partition: 0).high

            let registry = try await RegistryProcess.start(names, instance: "migrated")
            let base = registry.base
            try await TestEnvironment.eventually("the registry to replay the topic") {
                try await REST.call(.GET, "\(base)/healthz").status == 200
            }
            func get(_ path: String) async throws -> RESTResponse { try await REST.call(.GET, base + path) }

            #expect(try await get("/schemas/ids/777").object["schema"] as? String == #""string""#)
            #expect(try await get("/subjects").strings == ["conf", "customer", "frozen", "invoice", "orders-value"])
            #expect(try await get("/subjects?deleted=true").strings == ["conf", "customer", "frozen", "gone", "invoice", "orders-value"])
            #expect(try await get("/subjects/orders-value/versions").ints == [1, 2])
            #expect(try await get("/subjects/orders-value/versions?deleted=true").ints == [1, 2, 3])
            #expect(try await get("/subjects/gone/versions?deleted=true").ints == [1, 2])
            #expect(try await get("/subjects/gone/versions").errorCode == 40401)
            let latest = try await get("/subjects/orders-value/versions/latest").object
            #expect(latest["id"] as? Int == 780)
            #expect(latest["version"] as? Int == 2)
            let invoice = try await get("/subjects/invoice/versions/1").object
            #expect(invoice["id"] as? Int == 781)
            #expect((invoice["references"] as? [[String: Any]])?.first?["subject"] as? String == "customer")
            #expect(try await get("/subjects/customer/versions/1/referencedby").ints == [781])
            #expect(try await get("/schemas/ids/786").errorCode == 40403, "a permanently deleted version is gone")
            #expect(try await get("/schemas/ids/787").errorCode == 40403, "CLEAR_SUBJECT forgot the soft-deleted version")
            #expect(try await get("/config").object["compatibilityLevel"] as? String == "FULL_TRANSITIVE")
            #expect(try await get("/config/orders-value").object["compatibilityLevel"] as? String == "FORWARD")
            #expect(try await get("/config/customer").errorCode == 40408)
            #expect(try await get("/mode/frozen").object["mode"] as? String == "READONLY")
            #expect(try await REST.call(.POST, "\(base)/subjects/frozen/versions", json: REST.schemaBody(#""double""#)).errorCode == 42205)
            // A schema Confluent registered is found again, with its id, under another subject.
            #expect(try await REST.call(.POST, "\(base)/subjects/copy/versions", json: REST.schemaBody(#""string""#)).object["id"] as? Int == 777)

            // New ids continue above every id the topic holds, soft-deleted and cleared ones included.
            let next = try await REST.call(.POST, "\(base)/subjects/new/versions", json: REST.schemaBody(#""boolean""#))
            #expect(next.object["id"] as? Int == 788, "\(next.text)")

            // Confluent's records are all still there, byte for byte; Herald only appended.
            let log = try await readLog(names.topic, through: written - 1)
            #expect(log.count == ConfluentSchemasTopic.records.count)
            for (offset, (record, original)) in zip(log, ConfluentSchemasTopic.records).enumerated() {
                #expect(record.key == Array(original.key.utf8), "offset \(offset)")
                #expect(record.value == original.value.map { Array($0.utf8) }, "offset \(offset)")
            }
            #expect(registry.terminate() == 0)
            await admin.close()
        }

        func readLog(_ topic: String, through last: Int64) async throws -> [KafkaMessage] {
            let consumer = try KafkaConsumer(
                configuration: TestEnvironment.kafka, options: .init(autoOffsetReset: .earliest), logger: TestEnvironment.logger)
            try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
            var messages: [KafkaMessage] = []
            for try await event in consumer.events {
                guard case .message(let message) = event else { continue }
                if message.offset <= last { messages.append(message) }
                if message.offset >= last { break }
            }
            await consumer.close()
            return messages
        }
    }
}
