import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldAvro
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRouter
import HeraldRuntime
import HeraldTestSupport
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Synchronization
import Testing

/// Router tests share one broker: one at a time, each with its own topics, group and ids.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct RouterIntegration {}

/// The suite's name for the shared test environment.
typealias RouterTestEnvironment = TestEnvironment

/// A private set of router topics and a group.
struct RouterTopics: Sendable {
    var events = RouterTestEnvironment.unique("events")
    var routes = RouterTestEnvironment.unique("routes")
    var dedupe = RouterTestEnvironment.unique("dedupe")
    var deliveries = RouterTestEnvironment.unique("deliveries")
    var deadLetters = RouterTestEnvironment.unique("events-dlq")
    var audit = RouterTestEnvironment.unique("audit")
    var group = RouterTestEnvironment.unique("router-group")
    var partitions = 4
    /// The routers' data directory (their de-duplication stores), shared by every instance on these topics.
    var dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(RouterTestEnvironment.unique("data")).path

    /// Creates the events topic up front, as the producer service would.
    func createEvents() async throws {
        let admin = try KafkaAdmin(configuration: RouterTestEnvironment.kafka(), logger: RouterTestEnvironment.logger)
        try await admin.createTopic(events, partitions: partitions, ignoreIfExists: true)
        await admin.close()
    }

    /// Fresh topics with their events topic created, and a router of a fresh instance on them.
    static func withRouter(maxBatch: Int = 500) async throws -> (RouterTopics, RunningRouter) {
        let topics = RouterTopics()
        try await topics.createEvents()
        return (topics, try await RunningRouter.start(topics.configuration(instance: RouterTestEnvironment.unique("r"), maxBatch: maxBatch)))
    }

    func configuration(instance: String, maxBatch: Int = 500) -> RouterServer.Configuration {
        var configuration = RouterServer.Configuration(kafka: RouterTestEnvironment.kafka())
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.instanceID = instance
        configuration.groupID = group
        configuration.eventsTopic = events
        configuration.routesTopic = routes
        configuration.dedupeTopic = dedupe
        configuration.deliveriesTopic = deliveries
        configuration.deadLettersTopic = deadLetters
        configuration.auditTopic = audit
        configuration.partitions = partitions
        configuration.maxBatchEvents = maxBatch
        configuration.dataDirectory = dataDirectory
        return configuration
    }

    /// Command-line arguments for a `herald-router` child process on these topics.
    func arguments(instance: String, maxBatch: Int) -> [String] {
        [
            "--kafka-brokers", RouterTestEnvironment.brokers, "--grpc-port", "0", "--http-port", "0",
            "--instance-id", instance, "--consumer-group", group, "--events-topic", events, "--routes-topic", routes,
            "--dedupe-topic", dedupe, "--deliveries-topic", deliveries, "--dead-letter-topic", deadLetters, "--audit-topic", audit, "--partitions", "\(partitions)",
            "--batch-max-events", "\(maxBatch)", "--data-dir", dataDirectory,
        ]
    }

    /// Whether the group's committed offsets have reached the end of every events partition.
    func allEventsCommitted() async throws -> Bool {
        let admin = try KafkaAdmin(configuration: RouterTestEnvironment.kafka(), logger: RouterTestEnvironment.logger)
        var ends: [TopicPartition: Int64] = [:]
        for partition in try await admin.describeTopic(events).partitions {
            ends[TopicPartition(topic: events, partition: partition)] = try await admin.watermarks(topic: events, partition: partition).high
        }
        await admin.close()
        let reader = try KafkaConsumer(configuration: RouterTestEnvironment.kafka(), options: .init(groupID: group), logger: RouterTestEnvironment.logger)
        let committed = try await reader.committed(Array(ends.keys))
        await reader.close()
        return committed.allSatisfy { max(0, $0.offset) >= (ends[$0.topicPartition] ?? 0) }
    }

    /// The group's committed offset of one events partition (0 if none).
    func committedOffset(partition: Int32) async throws -> Int64 {
        let reader = try KafkaConsumer(configuration: RouterTestEnvironment.kafka(), options: .init(groupID: group), logger: RouterTestEnvironment.logger)
        let committed = try await reader.committed([TopicPartition(topic: events, partition: partition)])
        await reader.close()
        return max(0, committed.first?.offset ?? 0)
    }

    /// Sum of the group's committed offsets (progress of a router, whatever instance).
    func committedTotal() async throws -> Int64 {
        let reader = try KafkaConsumer(configuration: RouterTestEnvironment.kafka(), options: .init(groupID: group), logger: RouterTestEnvironment.logger)
        let committed = try await reader.committed((0..<Int32(partitions)).map { TopicPartition(topic: events, partition: $0) })
        await reader.close()
        return committed.reduce(0) { $0 + max(0, $1.offset) }
    }

    /// Every committed delivery task, read by a fresh read_committed consumer.
    func deliveredTasks() async throws -> [DeliveredTask] {
        try await committedRecords(deliveries).map { record in
            DeliveredTask(partition: record.partition, key: String(decoding: record.key ?? [], as: UTF8.self),
                          task: try Herald_V1_DeliveryTask(serializedBytes: record.value ?? []))
        }
    }

    func committedRecords(_ topic: String) async throws -> [KafkaMessage] {
        try await HeraldKafka.committedRecords(topic: topic, kafka: RouterTestEnvironment.kafka(), logger: RouterTestEnvironment.logger)
    }
}

struct DeliveredTask: Sendable {
    let partition: Int32
    let key: String
    let task: Herald_V1_DeliveryTask
}

/// Writes events to `herald.events` as the producer service does (CloudEvents binary headers,
/// Confluent framing, key `type|source`, murmur2 partition), or arbitrary records.
final class EventWriter: Sendable {
    let producer: KafkaProducer
    let topic: String
    let partitions: Int

    init(topics: RouterTopics) throws {
        producer = try KafkaProducer(configuration: RouterTestEnvironment.kafka(), logger: RouterTestEnvironment.logger)
        topic = topics.events
        partitions = topics.partitions
    }

    static let schemaID: Int32 = 7

    static func payload(for event: EventAttributes) -> [UInt8] { Array("payload of \(event.id)".utf8) }

    /// The record the producer service would write for `event`.
    func record(_ event: EventAttributes) -> ProducerRecord {
        let key = Array((event.type + "|" + event.source).utf8)
        return ProducerRecord(
            topic: topic, partition: Murmur2.partition(forKey: key, partitionCount: partitions), key: key,
            value: ConfluentWireFormat.frame(schemaID: Self.schemaID, payload: Self.payload(for: event)),
            headers: CloudEventsKafkaBinding.headers(for: event).map { KafkaHeader(name: $0.name, value: $0.value) })
    }

    @discardableResult
    func publish(_ event: EventAttributes) async throws -> DeliveryReport {
        try await producer.send(record(event))
    }

    /// Many events without waiting for each acknowledgement.
    func publishAll(_ events: [EventAttributes]) async throws {
        var pending: [PendingDelivery] = []
        for event in events {
            pending.append(try await producer.enqueue(record(event)))
        }
        for delivery in pending { _ = try await delivery.report }
    }

    func publishRaw(_ record: ProducerRecord) async throws {
        _ = try await producer.send(record)
    }

    func close() async { await producer.close() }
}

func testEvent(_ id: String, type: String = "com.example.order.shipped", source: String = "/shop/orders",
               subject: String = "", extensions: [String: String] = [:]) -> EventAttributes {
    EventAttributes(id: id, source: source, type: type, subject: subject,
                    time: EventTimestamp(secondsSinceEpoch: 1_700_000_000, nanoseconds: 5_000_000), extensions: extensions)
}

/// A router running in this process until `stop()`.
final class RunningRouter: Sendable {
    let server: RouterServer
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let port: Int

    static func start(_ configuration: RouterServer.Configuration) async throws -> RunningRouter {
        let server = try await RouterServer.build(configuration, logger: RouterTestEnvironment.logger)
        let group = ServiceGroup(services: server.services, logger: RouterTestEnvironment.logger)
        let task = Task { try await group.run() }
        let port = try await server.grpc.boundPort()
        try await RouterTestEnvironment.eventually("router to serve") { server.health.isServing }
        return RunningRouter(server: server, group: group, task: task, port: port)
    }

    private init(server: RouterServer, group: ServiceGroup, task: Task<Void, any Error>, port: Int) {
        self.server = server
        self.group = group
        self.task = task
        self.port = port
    }

    var statistics: RouterStatistics { server.statistics }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    func withClient<Result: Sendable>(_ body: (Herald_V1_Router.Client<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
        try await withRouterClient(port: port, body)
    }
}

func withRouterClient<Result: Sendable>(port: Int, _ body: (Herald_V1_Router.Client<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
    try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext), interceptors: TestKeys.interceptors) { client in
        try await body(Herald_V1_Router.Client(wrapping: client))
    }
}

func route(_ id: String, types: [String] = [], sources: [String] = [], subjectPrefix: String = "",
           extensions: [String: String] = [:], endpoints: [String], enabled: Bool = true) -> Herald_V1_Route {
    .with {
        $0.id = id
        $0.filter = .with {
            $0.types = types
            $0.sources = sources
            $0.subjectPrefix = subjectPrefix
            $0.extensions = extensions
        }
        $0.endpointIds = endpoints
        $0.enabled = enabled
    }
}

/// A `herald-router` executable run as a child process, so tests can kill it with SIGKILL.
enum RouterProcess {
    static func start(_ arguments: [String]) async throws -> ServiceProcess {
        try await ServiceProcess.start("herald-router", arguments: arguments, readyMessage: "Router listening")
    }
}
