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

    @Option(help: "gRPC address (host:port) of the schema registry. Env: HERALD_REGISTRY_URL.")
    var registryURL = ProcessInfo.processInfo.environment["HERALD_REGISTRY_URL"] ?? "127.0.0.1:50050"

    @OptionGroup(title: "TLS")
    var tls: ClientTLSOptions

    @OptionGroup(title: "API key (default: .herald/dev-admin-key when present)")
    var key: ClientKeyOptions

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
        let registry = try ServiceAddress.option(registryURL)

        let (schemaID, fetched) = try await withGRPCClient(
            transport: .http2NIOPosix(target: registry.grpcTarget, transportSecurity: tls.clientTLS.transportSecurity),
            interceptors: APIKeyClientInterceptor.sending(try key.key(fallbackFile: DevAdminKey.path))
        ) { client in
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

        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopic(topic, partitions: 1, ignoreIfExists: true)
        let start = try await admin.watermarks(topic: topic, partition: 0).high
        await admin.close()

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

        let consumer = try KafkaConsumer(configuration: kafka, options: .init(isolationLevel: .readCommitted), logger: logger)
        try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: start)])
        var received: KafkaMessage?
        for try await event in consumer.events {
            if case .message(let message) = event, message.key == Array(key.utf8) {
                received = message
                break
            }
        }
        await consumer.close()
        guard let message = received, let value = message.value else {
            throw ValidationError("the record was not read back")
        }
        let (readID, body) = try ConfluentWireFormat.parse(value)
        let decoded = try writer.jsonText(for: try writer.decode(body), style: .natural)
        print("4. read back under read_committed at offset \(message.offset): schema id \(readID), value \(decoded)")
    }
}
