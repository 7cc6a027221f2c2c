import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldAvro
import HeraldKafka
import HeraldProtos
import HeraldRuntime
import Logging
import SwiftProtobuf

/// `herald smoke`: one Avro record through the real stack — schema registered in the registry,
/// payload encoded and framed the Confluent way, written in a Kafka transaction, read back under
/// read_committed and decoded with the schema fetched by id.
struct SmokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smoke",
        abstract: "Round-trip one Avro record through the registry and Kafka, and print each step."
    )

    @Option(name: .customLong("kafka-brokers"), help: "Kafka bootstrap servers. Env: HERALD_KAFKA_BROKERS.")
    var brokers = HeraldEnvironment.string("kafka-brokers", default: "127.0.0.1:9092")

    @OptionGroup var registry: ServiceClientOptions<RegistryTarget>

    @Option(help: "Topic to write the record to (created if missing).")
    var topic = "herald.smoke"

    static let schema = """
        {"type":"record","name":"OrderShipped","namespace":"com.example.orders","fields":[\
        {"name":"order_id","type":"string"},{"name":"items","type":"int"},\
        {"name":"carrier","type":["null","string"],"default":null}]}
        """

    func run() async throws {
        var logger = Logger(label: "herald.smoke")
        logger.logLevel = .warning
        let kafka = KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init), requestTimeout: .seconds(15))

        let (schemaID, fetched) = try await registry.withConnection { client in
            let api = Herald_V1_Registry.Client(wrapping: client)
            let registered = try await api.registerSchema(.with {
                $0.subject = "\(topic)-value"
                $0.schema = Self.schema
            })
            let fetched = try await api.getSchema(.with { $0.id = registered.id })
            return (registered.id, fetched.schema)
        }
        print("1. registered subject \(topic)-value: schema id \(schemaID)")

        let writer = try AvroSchema(parsing: fetched)
        let json = #"{"order_id": "o-1001", "items": 3, "carrier": "dhl"}"#
        let payload = try writer.encodeJSON(json, mode: .lenient)
        let framed = ConfluentWireFormat.frame(schemaID: schemaID, payload: payload)
        print("2. encoded \(json) → \(payload.count) bytes of Avro, \(framed.count) framed")

        let start = try await KafkaAdmin.withAdmin(configuration: kafka, logger: logger) { admin in
            try await admin.createTopic(topic, partitions: 1, ignoreIfExists: true)
            return try await admin.watermarks(topic: topic, partition: 0).high
        }

        let producer = try TransactionalProducer(configuration: kafka, transactionalID: "herald-smoke", logger: logger)
        try await producer.initTransactions()
        let key = "smoke-\(UInt32.random(in: 0...UInt32.max))"
        let pending = try await producer.withTransaction { transaction in
            try await transaction.send(ProducerRecord(
                topic: topic, partition: 0, key: Array(key.utf8), value: framed,
                headers: [KafkaHeader(name: "content-type", value: "application/avro")]))
        }
        let report = try await pending.report
        await producer.close()
        print("3. committed a transaction: \(report)")

        let received = try await KafkaConsumer.withConsumer(configuration: kafka, options: .init(isolationLevel: .readCommitted), logger: logger) { consumer -> KafkaMessage? in
            try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: start)])
            for try await event in consumer.events {
                if case .message(let message) = event, message.key == Array(key.utf8) { return message }
            }
            return nil
        }
        guard let message = received, let value = message.value else {
            throw ValidationError("the record was not read back")
        }
        let (readID, body) = try ConfluentWireFormat.parse(value)
        let decoded = try writer.jsonText(for: try writer.decode(body), style: .natural)
        print("4. read back under read_committed at offset \(message.offset): schema id \(readID), value \(decoded)")
    }
}
