import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldAvro
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import HeraldRegistry
import HeraldRuntime
import HeraldTestSupport
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SwiftProtobuf
import Synchronization
import Testing

/// Delivery integration tests share one broker: one at a time, each with its own topics and groups.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DeliveryIntegration {}

enum TestEnvironment {
    static let brokers = ProcessInfo.processInfo.environment["HERALD_KAFKA_BROKERS"] ?? "127.0.0.1:9092"

    static func kafka(timeout: Duration = .seconds(20)) -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init), requestTimeout: timeout, deliveryTimeout: timeout)
    }

    static let logger: Logger = {
        var logger = Logger(label: "herald-delivery-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["HERALD_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    static func unique(_ prefix: String) -> String {
        "herald-test.\(prefix).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
    }

    static let orderSchema = #"{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"},{"name":"carrier","type":["null","string"],"default":null}]}"#

    /// Waits until `condition` holds (polling), failing after `limit`.
    static func eventually(_ what: String, within limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }
}

/// Runs services until `stop()`.
final class RunningGroup: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(_ services: [any Service]) {
        let group = ServiceGroup(services: services, logger: TestEnvironment.logger)
        self.group = group
        task = Task { try await group.run() }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

/// Topic and group names private to one test.
struct DeliveryNames: Sendable {
    var topics = DeliveryTopics()
    var group: String
    var retrySchedule: [Duration]

    init(retrySchedule: [Duration] = [.milliseconds(200), .milliseconds(400)]) {
        let base = TestEnvironment.unique("delivery")
        topics.deliveries = base + ".deliveries"
        topics.status = base + ".status"
        topics.endpoints = base + ".endpoints"
        topics.deadLetters = base + ".dlq"
        topics.retryTiers = RetryTiers(delays: retrySchedule, topicPrefix: base + ".retry")
        group = base + ".group"
        self.retrySchedule = retrySchedule
    }
}

/// A registry with the order schema, running in this process.
struct TestRegistry {
    let server: RegistryServer
    let group: RunningGroup
    let port: Int
    let schemaID: Int32

    static func start() async throws -> TestRegistry {
        var configuration = RegistryServer.Configuration(kafka: TestEnvironment.kafka())
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.topic = TestEnvironment.unique("schemas")
        configuration.electionTopic = TestEnvironment.unique("election")
        configuration.electionGroup = TestEnvironment.unique("registry")
        configuration.transactionalID = TestEnvironment.unique("registry-leader")
        let server = try RegistryServer.build(configuration, logger: TestEnvironment.logger)
        let group = RunningGroup(server.services)
        let port = try await server.grpc.boundPort()
        try await TestEnvironment.eventually("registry serving") { server.health.isServing }
        let id = try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
            try await Herald_V1_Registry.Client(wrapping: client).registerSchema(.with {
                $0.subject = "orders-value"
                $0.schema = TestEnvironment.orderSchema
            }).id
        }
        return TestRegistry(server: server, group: group, port: port, schemaID: id)
    }
}

/// A delivery service in this process on free ports, with private topics, a registry and a secret key.
struct DeliveryStack {
    let registry: TestRegistry
    let names: DeliveryNames
    let server: DeliveryServer
    let group: RunningGroup
    let grpcPort: Int
    let instanceID: String
    static let secretKey = Data((0..<32).map { UInt8($0 &* 7 &+ 3) }).base64EncodedString()

    static func start(names: DeliveryNames = DeliveryNames(), registry: TestRegistry? = nil, partitions: Int = 3, maxAttempts: Int? = 3,
                      allowPrivate: Bool = true, limits: EndpointLimits = EndpointLimits(), instanceID: String? = nil) async throws -> DeliveryStack {
        let registry = if let registry { registry } else { try await TestRegistry.start() }
        var configuration = DeliveryServer.Configuration(kafka: TestEnvironment.kafka())
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.instanceID = instanceID ?? TestEnvironment.unique("i").replacingOccurrences(of: "herald-test.", with: "")
        configuration.consumerGroup = names.group
        configuration.registryAddress = "127.0.0.1:\(registry.port)"
        configuration.topics = names.topics
        configuration.partitions = partitions
        configuration.allowPrivateEndpoints = allowPrivate
        configuration.secretKey = .base64(secretKey)
        configuration.retryPolicy = RetryPolicy(schedule: names.retrySchedule, maxAttempts: maxAttempts)
        configuration.limits = limits
        configuration.requestTimeout = .seconds(20)
        let server = try await DeliveryServer.build(configuration, logger: TestEnvironment.logger)
        let group = RunningGroup(server.services)
        let port = try await server.grpc.boundPort()
        try await TestEnvironment.eventually("delivery serving") { server.health.isServing }
        return DeliveryStack(registry: registry, names: names, server: server, group: group, grpcPort: port, instanceID: configuration.instanceID)
    }

    func stop() async throws {
        try await group.stop()
        try await registry.group.stop()
    }

    func withDelivery<Result: Sendable>(_ body: (Herald_V1_Delivery.Client<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
        try await Self.withDelivery(port: grpcPort, body)
    }

    static func withDelivery<Result: Sendable>(port: Int, _ body: (Herald_V1_Delivery.Client<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
            try await body(Herald_V1_Delivery.Client(wrapping: client))
        }
    }

    func putEndpoint(_ id: String, url: String, secret: String = "", configure: (inout Herald_V1_Endpoint) -> Void = { _ in }) async throws -> Herald_V1_Endpoint {
        var endpoint = Herald_V1_Endpoint.with {
            $0.id = id
            $0.url = url
            $0.secret = secret
            $0.enabled = true
        }
        configure(&endpoint)
        let request = Herald_V1_PutEndpointRequest.with { $0.endpoint = endpoint }
        return try await withDelivery { try await $0.putEndpoint(request).endpoint }
    }

    func deliveries(source: String = "/orders", id: String) async throws -> [Herald_V1_DeliveryRecord] {
        try await withDelivery { client in
            try await client.getDeliveries(.with { $0.eventSource = source; $0.eventID = id }).deliveries
        }
    }

    /// Waits until every listed event's delivery is in `state`.
    func waitFor(_ state: Herald_V1_DeliveryState, events: [String], within limit: Duration = .seconds(60)) async throws {
        try await TestEnvironment.eventually("\(events.count) deliveries \(state)", within: limit) {
            for id in events {
                guard try await deliveries(id: id).first?.state == state else { return false }
            }
            return true
        }
    }

    func task(event id: String, endpoint: String, route: String = "r-1") -> Herald_V1_DeliveryTask {
        Fixtures.task(event: id, endpoint: endpoint, route: route, schemaID: registry.schemaID)
    }

    func produce(_ tasks: [Herald_V1_DeliveryTask]) async throws {
        try await Fixtures.produce(tasks, topic: names.topics.deliveries)
    }

    func statusRecords() async throws -> [Herald_V1_DeliveryRecord] {
        try await Fixtures.readAll(topic: names.topics.status).compactMap { message in
            try message.value.map { try Herald_V1_DeliveryRecord(serializedBytes: $0) }
        }
    }
}

enum Fixtures {
    static func task(event id: String, endpoint: String, route: String = "r-1", schemaID: Int32, items: Int = 2) -> Herald_V1_DeliveryTask {
        let schema = try! AvroSchema(parsing: TestEnvironment.orderSchema)
        return .with {
            $0.deliveryID = "d-\(id)-\(endpoint)"
            $0.eventID = id
            $0.eventSource = "/orders"
            $0.eventType = "com.example.order.shipped"
            $0.eventSubject = "order-\(id)"
            $0.eventTime = Google_Protobuf_Timestamp(seconds: 1_700_000_000, nanos: 0)
            $0.eventDataschema = "http://127.0.0.1:8081/schemas/ids/\(schemaID)"
            $0.eventExtensions = ["tenant": "acme"]
            $0.schemaID = schemaID
            $0.payload = Data(try! schema.encodeJSON(#"{"order_id":"o-\#(id)","items":\#(items),"carrier":null}"#))
            $0.endpointID = endpoint
            $0.routeID = route
            $0.createdAt = Google_Protobuf_Timestamp(date: Date())
        }
    }

    static func produce(_ tasks: [Herald_V1_DeliveryTask], topic: String) async throws {
        let producer = try KafkaProducer(configuration: TestEnvironment.kafka(), logger: TestEnvironment.logger)
        var pending: [PendingDelivery] = []
        for task in tasks {
            pending.append(try await producer.enqueue(ProducerRecord(topic: topic, key: Array(task.endpointID.utf8), value: try task.serializedBytes())))
        }
        for delivery in pending { _ = try await delivery.report }
        await producer.close()
    }

    /// Everything committed in a topic, read by a fresh read_committed consumer.
    static func readAll(topic: String) async throws -> [KafkaMessage] {
        let admin = try KafkaAdmin(configuration: TestEnvironment.kafka(), logger: TestEnvironment.logger)
        let partitions = try await admin.describeTopic(topic).partitions
        var remaining: [Int32: Int64] = [:]
        for partition in partitions {
            let high = try await admin.watermarks(topic: topic, partition: partition).high
            if high > 0 { remaining[partition] = high }
        }
        await admin.close()
        guard !remaining.isEmpty else { return [] }
        let consumer = try KafkaConsumer(configuration: TestEnvironment.kafka(),
                                         options: .init(isolationLevel: .readCommitted, reportsEndOfPartition: true),
                                         logger: TestEnvironment.logger)
        try await consumer.assign(partitions.map { TopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        var messages: [KafkaMessage] = []
        for try await event in consumer.events {
            switch event {
            case .message(let message): messages.append(message)
            case .endOfPartition(let end):
                if let target = remaining[end.partition], end.offset >= target { remaining[end.partition] = nil }
            default: break
            }
            if remaining.isEmpty { break }
        }
        await consumer.close()
        return messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }
}

typealias Receiver = WebhookReceiver
