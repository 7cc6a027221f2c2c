import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldAvro
import HeraldCore
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
        topics.audit = base + ".audit"
        topics.attempts = base + ".attempts"
        topics.retryTiers = RetryTiers(delays: retrySchedule, topicPrefix: base + ".retry")
        group = base + ".group"
        self.retrySchedule = retrySchedule
    }
}

/// A registry with the order schema, running in this process.
struct TestRegistry {
    let registry: InProcessRegistry
    let schemaID: Int32
    var port: Int { registry.grpcPort }

    static func start() async throws -> TestRegistry {
        let registry = try await InProcessRegistry.start(kafka: TestEnvironment.kafka(), prefix: "herald-test", logger: TestEnvironment.logger)
        let id = try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: registry.grpcPort), transportSecurity: .plaintext), interceptors: TestKeys.interceptors) { client in
            try await Herald_V1_Registry.Client(wrapping: client).registerSchema(.with {
                $0.subject = "orders-value"
                $0.schema = TestEnvironment.orderSchema
            }).id
        }
        return TestRegistry(registry: registry, schemaID: id)
    }

    func stop() async throws { try await registry.stop() }
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
                      allowPrivate: Bool = true, limits: EndpointLimits = EndpointLimits(), instanceID: String? = nil, dataDirectory: String? = nil,
                      deliveryLog: String = "",
                      authentication: CallAuthentication = .off,
                      secretRotationOverlap: Duration = .seconds(24 * 3600),
                      logger: Logger = TestEnvironment.logger) async throws -> DeliveryStack {
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
        configuration.secretKey = .inline(secretKey)
        configuration.secretRotationOverlap = secretRotationOverlap
        configuration.retryPolicy = HeraldCore.RetryPolicy(schedule: names.retrySchedule, maxAttempts: maxAttempts)
        configuration.limits = limits
        configuration.requestTimeout = .seconds(20)
        configuration.authentication = authentication
        configuration.dataDirectory = dataDirectory ?? TestEnvironment.temporaryDirectory("delivery-log")
        configuration.deliveryLog = deliveryLog
        let server = try await DeliveryServer.build(configuration, logger: logger)
        let group = RunningGroup(server.services, logger: logger)
        let port = try await server.grpc.boundPort()
        try await TestEnvironment.eventually("delivery serving") { server.health.isServing }
        return DeliveryStack(registry: registry, names: names, server: server, group: group, grpcPort: port, instanceID: configuration.instanceID)
    }

    func stop() async throws {
        try await group.stop()
        try await registry.stop()
    }

    func withDelivery<Result: Sendable>(_ body: (Herald_V1_Delivery.Client<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
        try await Self.withDelivery(port: grpcPort, body)
    }

    static func withDelivery<Result: Sendable>(port: Int, _ body: (Herald_V1_Delivery.Client<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext), interceptors: TestKeys.interceptors) { client in
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

    /// Everything committed in a topic, read by a fresh read_committed consumer, in partition and offset order.
    static func readAll(topic: String) async throws -> [KafkaMessage] {
        try await committedRecords(topic: topic, kafka: TestEnvironment.kafka(), logger: TestEnvironment.logger)
            .sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }
}

typealias Receiver = WebhookReceiver
