import Foundation
import GRPCCore
public import HeraldCore
public import HeraldKafka
import HeraldProtos
public import HeraldRuntime
public import Logging
public import ServiceLifecycle

/// The router assembled from its configuration. `build` checks the topics (creating missing
/// ones), registers the transactional id (fencing a previous instance with the same id and
/// aborting what it left open) and creates the group consumer, so an unreachable broker fails
/// start-up with a clear error.
public struct RouterServer: Sendable {
    @dynamicMemberLookup
    public struct Configuration: Sendable {
        public var kafka: KafkaConfiguration
        /// Where it listens, its instance id and how it checks callers, read and written as if
        /// declared here (`configuration.grpcPort`). Ports default to 50052 (gRPC) and 8092 (HTTP).
        public var shared = SharedServiceSettings(grpcPort: 50052, httpPort: 8092)
        /// Default `herald-router`.
        public var groupID = "herald-router"
        public var eventsTopic = "herald.events"
        public var routesTopic = "herald.routes"
        public var dedupeTopic = "herald.router-dedupe"
        public var deliveriesTopic = "herald.deliveries"
        /// Records that cannot be routed (not a Herald event, a task over the record limit), with their reason.
        public var deadLettersTopic = "herald.events.dlq"
        /// Where route changes are recorded (`AuditLog`). Default `herald.audit`.
        public var auditTopic = AuditLog.defaultTopic
        /// Partitions of `herald.events` and `herald.deliveries` when this service creates them. Default 12.
        public var partitions = 12
        /// Most events per transaction. Default 500.
        public var maxBatchEvents = 500
        /// How long a (source, id) is remembered. Default 7 days.
        public var dedupeRetention = Duration.seconds(7 * 24 * 3600)
        /// Tombstones for expired keys written per transaction at most. Default 1000.
        public var maxPrunePerBatch = 1000
        /// Where the de-duplication stores live (`router-dedupe/<instance-id>/…` below it); nil keeps
        /// the keys in memory, rebuilt from the changelog on every assignment. Default nil.
        public var dataDirectory: String?
        /// How often the stores record how far they hold the changelog while events flow. Default 5 s.
        public var dedupeCheckpointInterval = Duration.seconds(5)
        /// The clock used for first-seen times and task creation times (milliseconds since the epoch).
        public var now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

        public init(kafka: KafkaConfiguration) {
            self.kafka = kafka
        }

        public var transactionalID: String { "herald-router-\(shared.instanceID)" }
    }

    public let health: HealthStatus
    /// The keys calls are authenticated against.
    public let keys: KeyDirectory
    public let grpc: GRPCServerService
    public let httpPort: BoundPort
    public let statistics: RouterStatistics
    /// Everything to run, in start order (shut down in reverse: servers, then the loop, then the table).
    public let services: [any Service]

    static let serviceName = "herald.v1.Router"

    public static func build(_ configuration: Configuration, logger: Logger) async throws -> RouterServer {
        _ = HeraldMetrics.registry
        let admin = try KafkaAdmin(configuration: configuration.kafka, logger: logger)
        let deliveriesPartitions: Int
        let routesPartitions: Int
        do {
            try await admin.createTopic(configuration.eventsTopic, partitions: configuration.partitions, ignoreIfExists: true)
            let eventsPartitions = try await admin.describeTopic(configuration.eventsTopic).partitionCount
            try await admin.createTopic(configuration.dedupeTopic, partitions: eventsPartitions,
                                        configs: ["cleanup.policy": "compact"], ignoreIfExists: true)
            let dedupePartitions = try await admin.describeTopic(configuration.dedupeTopic).partitionCount
            guard dedupePartitions == eventsPartitions else {
                throw RouterStartupError("\(configuration.dedupeTopic) has \(dedupePartitions) partitions but \(configuration.eventsTopic) has \(eventsPartitions): they must be equal (the dedupe record of events partition p lives in dedupe partition p)")
            }
            try await admin.createTopic(configuration.routesTopic, partitions: 1, configs: ["cleanup.policy": "compact"], ignoreIfExists: true)
            routesPartitions = try await admin.describeTopic(configuration.routesTopic).partitionCount
            try await admin.createTopic(configuration.deliveriesTopic, partitions: configuration.partitions, ignoreIfExists: true)
            deliveriesPartitions = try await admin.describeTopic(configuration.deliveriesTopic).partitionCount
            try await admin.createTopic(configuration.deadLettersTopic, partitions: eventsPartitions, ignoreIfExists: true)
            try await AuditLog.createTopic(configuration.auditTopic, admin: admin)
        } catch let error as KafkaError {
            await admin.close()
            throw RouterStartupError("cannot prepare the router's topics on Kafka at \(configuration.kafka.bootstrapServers.joined(separator: ",")): \(error)")
        } catch {
            await admin.close()
            throw error
        }

        let producer: TransactionalProducer
        do {
            producer = try await TransactionalProducer.incarnating(configuration.transactionalID, configuration: configuration.kafka, logger: logger)
        } catch {
            await admin.close()
            throw RouterStartupError("cannot register transactional id \(configuration.transactionalID): \(error)")
        }
        let consumer = try KafkaConsumer(
            configuration: configuration.kafka,
            options: .init(
                groupID: configuration.groupID, groupInstanceID: configuration.instanceID,
                isolationLevel: .readCommitted, autoOffsetReset: .earliest,
                bufferCapacity: max(1024, 2 * configuration.maxBatchEvents),
                // A transaction in flight for revoked partitions must end before their next owner
                // reads the committed offsets; the broker's fencing is not relied on (docs/ARCHITECTURE.md §3).
                revocation: .afterAcknowledgement(timeout: .seconds(120)),
                lagReporting: ConsumerLagGauges(group: configuration.groupID).reporting()),
            logger: logger)

        let catalog = RouteCatalog(topic: configuration.routesTopic, kafka: configuration.kafka, logger: logger)
        let routeWriter = try KafkaProducer(configuration: configuration.kafka, logger: logger)
        let statistics = RouterStatistics()
        let loop = RouterLoop(
            settings: .init(
                eventsTopic: configuration.eventsTopic, dedupeTopic: configuration.dedupeTopic,
                deliveriesTopic: configuration.deliveriesTopic, deliveriesPartitions: deliveriesPartitions,
                deadLettersTopic: configuration.deadLettersTopic, maxRecordBytes: configuration.kafka.maxMessageBytes,
                maxBatchEvents: max(1, configuration.maxBatchEvents),
                dedupeRetentionMilliseconds: Int64(configuration.dedupeRetention.components.seconds * 1000
                    + configuration.dedupeRetention.components.attoseconds / 1_000_000_000_000_000),
                maxPrunePerBatch: max(1, configuration.maxPrunePerBatch),
                checkpointInterval: configuration.dedupeCheckpointInterval, now: configuration.now),
            dedupeStores: DedupeStores(
                dataDirectory: configuration.dataDirectory, instanceID: configuration.instanceID,
                retentionMilliseconds: Int64(configuration.dedupeRetention.components.seconds * 1000
                    + configuration.dedupeRetention.components.attoseconds / 1_000_000_000_000_000),
                logger: logger),
            consumer: consumer, producer: producer, admin: admin, catalog: catalog, statistics: statistics,
            kafka: configuration.kafka, logger: logger)

        let health = HealthStatus(services: [serviceName])
        let keys = KeyDirectory(
            bootstrap: configuration.authentication.bootstrapKeys, topic: configuration.keysTopic, kafka: configuration.kafka, health: health, logger: logger)
        let authentication = configuration.authentication.following(keys)
        let audit = try AuditLog(topic: configuration.auditTopic, service: "router", kafka: configuration.kafka, logger: logger)
        let service = RouterGRPCService(
            routes: TopicRouteStore(catalog: catalog, producer: routeWriter, topic: configuration.routesTopic, partitions: routesPartitions),
            applyTimeout: .seconds(5), audit: audit)
        let (grpc, http, httpPort) = try ServiceListeners.make(
            configuration, serving: [service], health: health, authentication: authentication, access: .router,
            serverName: "herald-router", logger: logger)
        logger.info("Router prepared", metadata: [
            "kafka.topic": "\(configuration.eventsTopic)", "kafka.group_id": "\(configuration.groupID)",
            "kafka.transactional_id": "\(producer.transactionalID)",
        ])
        return RouterServer(
            health: health, keys: keys, grpc: grpc, httpPort: httpPort, statistics: statistics,
            services: [
                keys,
                RouteTableService(catalog: catalog, writer: routeWriter),
                RoutingService(loop: UncheckedLoop(loop), catalog: catalog, health: health),
                audit, grpc, http,
            ])
    }
}

/// Start-up failed; the message says what and where.
public struct RouterStartupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Follows `herald.routes` until shutdown.
struct RouteTableService: Service {
    let catalog: RouteCatalog
    let writer: KafkaProducer

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await catalog.table.run() }
        } catch is CancellationError {
        }
        await writer.close()
    }
}

/// The loop is driven by exactly one task (this service's), so it needs no lock.
struct UncheckedLoop: @unchecked Sendable {
    let loop: RouterLoop
    init(_ loop: RouterLoop) { self.loop = loop }
}

/// Waits for the routes, reports SERVING, and runs the routing loop until shutdown.
struct RoutingService: Service {
    let loop: UncheckedLoop
    let catalog: RouteCatalog
    let health: HealthStatus

    func run() async throws {
        // Polled rather than awaited: a wait for readiness would outlive a shutdown requested
        // during the replay. A failing table fails its own service, which cancels this one.
        while !catalog.table.isReady {
            if Task.isShuttingDownGracefully { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        health.set(.serving, for: RouterServer.serviceName)
        defer { health.shutDown() }
        try await loop.loop.run()
    }
}
