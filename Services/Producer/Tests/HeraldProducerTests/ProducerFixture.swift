import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldCore
import HeraldKafka
import HeraldProducer
import HeraldProtos
import HeraldRegistry
import HeraldRuntime
import HeraldTestSupport
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Testing

/// Producer tests share one broker: one at a time, each with its own topics and transactional ids.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ProducerIntegration {}

/// The suite's name for the shared test environment.
typealias ProducerTestEnvironment = TestEnvironment


/// A registry in process on a free port, with private topics.
struct TestRegistry {
    let registry: InProcessRegistry
    var port: Int { registry.grpcPort }

    static func start() async throws -> TestRegistry {
        let env = ProducerTestEnvironment.self
        return TestRegistry(registry: try await InProcessRegistry.start(kafka: env.kafka(), prefix: "herald-test", logger: env.logger))
    }

    func stop() async throws { try await registry.stop() }

    func registerOrderSchema(subject: String = "orders-value") async throws -> Int32 {
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
            try await Herald_V1_Registry.Client(wrapping: client).registerSchema(.with {
                $0.subject = subject
                $0.schema = ProducerTestEnvironment.orderSchema
            }).id
        }
    }
}

/// A registry and a producer, in process, on free ports, with private topics.
struct ProducerStack {
    let registry: TestRegistry
    let producer: ProducerServer
    let producerGroup: RunningGroup
    let topic: String
    let producerPort: Int
    /// The cluster the producer writes to (the shared broker unless a test gave it its own).
    let kafka: KafkaConfiguration

    /// - Parameters:
    ///   - kafka: where the producer writes; the registry always uses the shared broker.
    static func start(partitions: Int = 6, registryAddress: String? = nil,
                      kafka: KafkaConfiguration = ProducerTestEnvironment.kafka()) async throws -> ProducerStack {
        let env = ProducerTestEnvironment.self
        let registry = try await TestRegistry.start()
        var configuration = ProducerServer.Configuration(kafka: kafka)
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.topic = env.unique("events")
        configuration.partitions = partitions
        configuration.instanceID = env.unique("producer")
        configuration.registryAddress = registryAddress ?? "127.0.0.1:\(registry.port)"
        configuration.registryTimeout = .seconds(2)
        let producer = try await ProducerServer.build(configuration, logger: env.logger)
        let producerGroup = RunningGroup(producer.services, logger: ProducerTestEnvironment.logger)
        let producerPort = try await producer.grpc.boundPort()
        return ProducerStack(registry: registry, producer: producer, producerGroup: producerGroup,
                             topic: configuration.topic, producerPort: producerPort, kafka: kafka)
    }

    func stop() async throws {
        try await producerGroup.stop()
        try await registry.stop()
    }

    func registerOrderSchema(subject: String = "orders-value") async throws -> Int32 {
        try await registry.registerOrderSchema(subject: subject)
    }

    func withProducer<Result: Sendable>(_ body: (Herald_V1_Producer.Client<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
        try await withProducerClient(port: producerPort, body)
    }

    func committedRecords() async throws -> [KafkaMessage] {
        try await committedEvents(topic: topic, kafka: kafka)
    }

    func endOffsets() async throws -> [Int64] {
        let admin = try KafkaAdmin(configuration: kafka, logger: ProducerTestEnvironment.logger)
        var ends: [Int64] = []
        for partition in try await admin.describeTopic(topic).partitions {
            ends.append(try await admin.watermarks(topic: topic, partition: partition).high)
        }
        await admin.close()
        return ends
    }
}

func withProducerClient<Result: Sendable>(
    port: Int, _ body: (Herald_V1_Producer.Client<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
        try await body(Herald_V1_Producer.Client(wrapping: client))
    }
}

/// Everything committed in `topic`, read by a fresh read_committed consumer.
func committedEvents(topic: String, kafka: KafkaConfiguration = ProducerTestEnvironment.kafka()) async throws -> [KafkaMessage] {
    try await committedRecords(topic: topic, kafka: kafka, logger: ProducerTestEnvironment.logger)
}

func orderEvent(id: String, source: String = "/orders", json: String = #"{"order_id":"o-1","items":2}"#) -> Herald_V1_Event {
    .with {
        $0.id = id
        $0.source = source
        $0.type = "com.example.order.shipped"
        $0.subject = "order-\(id)"
        $0.schema.subject = "orders-value"
        $0.json = json
        $0.extensions = ["tenant": "acme"]
    }
}
