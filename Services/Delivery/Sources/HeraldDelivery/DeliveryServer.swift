import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldAvro
public import HeraldCore
public import HeraldKafka
import HeraldProtos
public import HeraldRuntime
public import Logging
public import ServiceLifecycle
import SwiftProtobuf

/// The delivery service assembled from its configuration. `build` creates the topics it needs,
/// loads the secret key and registers the transactional id (fencing a previous instance and
/// aborting what it left open) before anything reads the status topic.
public struct DeliveryServer: Sendable {
    @dynamicMemberLookup
    public struct Configuration: Sendable {
        public var kafka: KafkaConfiguration
        /// Where it listens, its instance id and how it checks callers, read and written as if
        /// declared here (`configuration.grpcPort`). Ports default to 50053 (gRPC) and 8093 (HTTP).
        public var shared = SharedServiceSettings(grpcPort: 50053, httpPort: 8093)
        /// How it reaches the schema registry, read and written as if declared here (`configuration.registryAddress`).
        public var registryClient = RegistryClientSettings()
        /// Consumer group. Default `herald-delivery`.
        public var consumerGroup = "herald-delivery"
        public var topics = DeliveryTopics()
        /// Partitions of the deliveries topic, the retry tiers and the status topic when this service creates them. Default 12.
        public var partitions = 12
        /// Permit endpoints on loopback, private and link-local addresses (development). Default `false`.
        public var allowPrivateEndpoints = false
        /// Where the master keys that seal endpoint secrets come from (`MasterKeys`). Required:
        /// without it `build` refuses to start; `herald dev` keeps one in `.herald/`.
        public var secretKey: SecretBox.KeySource?
        /// How long a replaced endpoint secret keeps signing beside the new one. Default 24 h.
        public var secretRotationOverlap = Duration.seconds(24 * 3600)
        /// Schedule and attempts for endpoints that set none.
        public var retryPolicy = HeraldCore.RetryPolicy()
        public var limits = EndpointLimits()
        /// Default 5 s.
        public var connectTimeout = Duration.seconds(5)
        /// The whole request, connecting included. Default 30 s.
        public var requestTimeout = Duration.seconds(30)
        /// Status changes a `WatchDeliveries` watcher may fall behind before it is cut off with
        /// RESOURCE_EXHAUSTED. Default 1024.
        public var watchBuffer = 1024
        /// Bound on each registry call. Default 5 s.
        public var registryTimeout = Duration.seconds(5)
        /// The folder of the service's local files, the same `--data-dir` as the router's: the
        /// embedded delivery log lives under `delivery-log/<instance-id>/` in it. Default `.herald/data`.
        public var dataDirectory = ".herald/data"
        /// The delivery log: empty for the embedded SQLite file `delivery-log.sqlite` in the data
        /// directory, or `postgres://user:password@host:port/database` for a shared PostgreSQL log. Default empty.
        public var deliveryLog = ""
        /// How long the delivery log, the attempts topic and dead letters keep what they hold. Default 30 days.
        public var deliveryRetention = Duration.seconds(30 * 86_400)

        /// How long a rebalance waits for this instance to commit the outcomes of the sends in flight
        /// for the partitions it revokes (`KafkaConsumer.Revocation.afterAcknowledgement`): a little
        /// above the longest send (a registry call, then the whole request) plus a commit, at least
        /// 120 s, and at most 280 s, below librdkafka's `max.poll.interval.ms` (300 s), which bounds
        /// the whole rebalance. Past it the partitions move on anyway, and a send still in flight may
        /// be repeated by the next owner (same `webhook-id`).
        public var revocationTimeout: Duration {
            min(max(.seconds(120), registryTimeout + requestTimeout + kafka.requestTimeout), .seconds(280))
        }

        public init(kafka: KafkaConfiguration) {
            self.kafka = kafka
        }

        public var transactionalID: String { "herald-delivery-\(shared.instanceID)" }

        /// The embedded delivery log's folder: one per instance, so instances sharing a data directory never share a file.
        public var logDirectory: String { (dataDirectory as NSString).appendingPathComponent("delivery-log/\(shared.instanceID)") }

        /// The log's database as configured.
        func openLogDatabase(logger: Logger) async throws -> any LogDatabase {
            if deliveryLog.isEmpty {
                return try await SQLiteLogDatabase.open(path: logDirectory + "/delivery-log.sqlite")
            }
            return try PostgresLogDatabase(url: deliveryLog, logger: logger)
        }
    }

    public let health: HealthStatus
    /// The keys calls are authenticated against.
    public let keys: KeyDirectory
    public let grpc: GRPCServerService
    public let httpPort: BoundPort
    /// Everything to run, in start order (shut down in reverse).
    public let services: [any Service]
    let status: CompactedTable<String, Herald_V1_DeliveryRecord>

    /// How many delivery statuses the service holds in memory: the deliveries in progress only.
    public var deliveriesInMemory: Int { status.count }

    static let serviceName = "herald.v1.Delivery"

    public static func build(_ configuration: Configuration, logger: Logger) async throws -> DeliveryServer {
        _ = HeraldMetrics.registry  // installs the Prometheus backend before any metric handle is made
        let topics = configuration.topics
        let retention = DeliveryLogRetention(retention: configuration.deliveryRetention)
        try await KafkaAdmin.withAdmin(configuration: configuration.kafka, logger: logger) { admin in
            for topic in topics.consumed {
                try await admin.createTopic(topic, partitions: configuration.partitions, ignoreIfExists: true)
            }
            for (topic, configs) in retention.topicConfigs(topics) {
                try await admin.createTopic(topic, partitions: configuration.partitions, configs: configs, ignoreIfExists: true)
            }
            try await admin.createTopic(topics.endpoints, partitions: 1, configs: ["cleanup.policy": "compact"], ignoreIfExists: true)
            try await AuditLog.createTopic(topics.audit, admin: admin)
        }

        guard let keySource = configuration.secretKey else { throw MissingSecretKey() }
        if case .developmentFile(let path) = keySource {
            logger.warning("Endpoint secrets are sealed with a development key; give --secret-key-file in production", metadata: ["herald.secret_key.file": "\(path)"])
        }
        let box = try SecretBox.load(keySource)
        logger.info("Master keys loaded", metadata: [
            "herald.secret_key.ids": "\(box.keys.keys.map(\.id).joined(separator: ","))", "herald.secret_key.sealing": "\(box.keys.newest.id)",
        ])

        let producer = try await TransactionalProducer.incarnating(configuration.transactionalID, configuration: configuration.kafka, logger: logger)

        let audit = try AuditLog(topic: topics.audit, service: "delivery", kafka: configuration.kafka, logger: logger)
        let endpoints = try EndpointStore(
            topic: topics.endpoints, kafka: configuration.kafka,
            secrets: EndpointSecrets(box: box, overlap: max(.zero, configuration.secretRotationOverlap)),
            policy: EndpointAddressPolicy(allowsPrivateAddresses: configuration.allowPrivateEndpoints),
            defaultRetryPolicy: configuration.retryPolicy, audit: audit, logger: logger)
        // Only deliveries in progress stay in memory; the delivery log answers for finished ones.
        let status = CompactedTable<String, Herald_V1_DeliveryRecord>(
            topic: topics.status, configuration: configuration.kafka, logger: logger, retaining: RecentStatuses.inProgress
        ) {
            try Herald_V1_DeliveryRecord(serializedBytes: $0)
        }
        let log = try await DeliveryLog.open(configuration.openLogDatabase(logger: logger))
        let follower = DeliveryLogFollower(log: log, topics: DeliveryLogTopics(topics), kafka: configuration.kafka, logger: logger)
        let held = HeldPartitions()
        let consumer = try KafkaConsumer(
            configuration: configuration.kafka,
            options: .init(
                groupID: configuration.consumerGroup, groupInstanceID: configuration.transactionalID,
                // Outcomes of sends in flight for revoked partitions commit before their next owner
                // reads the committed offsets; the broker's fencing is not relied on (docs/ARCHITECTURE.md §3).
                revocation: .afterAcknowledgement(timeout: configuration.revocationTimeout),
                lagReporting: ConsumerLagGauges(group: configuration.consumerGroup).reporting { [tiers = topics.retryTiers] lags in
                    DeliveryMetrics.retryBacklog(lags, held: held.current, tiers: tiers)
                }),
            logger: logger)

        let registryClient = try configuration.registryClient.makeClient()
        let resolver = SchemaResolver(
            client: Herald_V1_Registry.Client(wrapping: registryClient), latestTTL: .seconds(5), timeout: configuration.registryTimeout)
        let httpClients = WebhookClients { [connectTimeout = configuration.connectTimeout, concurrency = configuration.limits.concurrency] dnsOverride in
            WebhookSender.makeClient(connectTimeout: connectTimeout, connectionsPerEndpoint: concurrency, dnsOverride: dnsOverride)
        }
        let sender = WebhookSender(clients: httpClients, resolver: resolver, requestTimeout: configuration.requestTimeout)

        let engine = DeliveryEngine(consumer: consumer, endpoints: endpoints, status: status, log: log, topics: topics, limits: configuration.limits,
                                    maxRecordBytes: configuration.kafka.maxMessageBytes, held: held, logger: logger)
        let loop = DeliveryLoop(engine: engine, consumer: consumer, producer: producer, endpoints: endpoints, sender: sender, logger: logger)

        let health = HealthStatus(services: [serviceName])
        let keys = KeyDirectory(
            bootstrap: configuration.authentication.bootstrapKeys, topic: configuration.keysTopic, kafka: configuration.kafka, health: health, logger: logger)
        let authentication = configuration.authentication.following(keys)
        let service = DeliveryGRPCService(endpoints: endpoints, status: status, log: log, engine: engine,
                                          deliveredTasks: DeliveredTasks(topic: topics.deliveries, kafka: configuration.kafka, logger: logger),
                                          replayLookback: configuration.retryPolicy.schedule.reduce(.seconds(3600), +), topics: topics,
                                          tester: EndpointTester(endpoints: endpoints, sender: sender, audit: audit),
                                          watchBuffer: max(1, configuration.watchBuffer))
        let (grpc, http, httpPort) = try ServiceListeners.make(
            configuration, serving: [service], health: health, authentication: authentication, access: .delivery,
            serverName: "herald-delivery", logger: logger)
        let core = DeliveryCoreService(
            loop: loop, consumer: consumer, producer: producer, endpoints: endpoints, status: status, log: log, follower: follower,
            retention: retention, httpClients: httpClients, topics: topics, health: health,
            secretSweepInterval: SecretRotation.sweepInterval(overlap: configuration.secretRotationOverlap), logger: logger)
        logger.info("Delivery configured", metadata: [
            "kafka.transactional_id": "\(producer.transactionalID)", "kafka.group_id": "\(configuration.consumerGroup)",
            "kafka.topics": "\(topics.consumed.joined(separator: ","))",
        ])
        return DeliveryServer(
            health: health, keys: keys, grpc: grpc, httpPort: httpPort,
            services: [keys, GRPCClientService(client: registryClient), audit, core, grpc, http], status: status)
    }
}

/// Replays the endpoints and status tables and brings the delivery log up to date, then runs the
/// delivery loop (and the log's retention); on shutdown drains it and closes the Kafka clients,
/// the log and the HTTP client.
struct DeliveryCoreService: Service {
    let loop: DeliveryLoop
    let consumer: KafkaConsumer
    let producer: TransactionalProducer
    let endpoints: EndpointStore
    let status: CompactedTable<String, Herald_V1_DeliveryRecord>
    let log: DeliveryLog
    let follower: DeliveryLogFollower
    let retention: DeliveryLogRetention
    let httpClients: WebhookClients
    let topics: DeliveryTopics
    let health: HealthStatus
    /// How often replaced secrets whose overlap ended are dropped from the endpoints topic.
    let secretSweepInterval: Duration
    let logger: Logger

    func run() async throws {
        defer { health.shutDown() }
        do {
            try await withThrowingTaskGroup(of: Void.self) { tables in
                tables.addTask { try await endpoints.table.run() }
                tables.addTask { try await status.run() }
                tables.addTask { try await follower.run() }
                tables.addTask { try await retention.run(log, logger: logger) }
                try await endpoints.table.waitUntilReady()
                let unreadable = endpoints.unreadableSecrets()
                guard unreadable.isEmpty else { throw UnreadableSecrets(endpointIDs: unreadable) }
                try await status.waitUntilReady()
                try await follower.waitUntilReady()
                try await consumer.subscribe(topics.consumed)
                tables.addTask { [endpoints, secretSweepInterval] in
                    while true {
                        await endpoints.dropExpiredPreviousSecrets()
                        try await Task.sleep(for: secretSweepInterval)
                    }
                }
                health.set(.serving, for: DeliveryServer.serviceName)
                logger.info("Delivery ready", metadata: [
                    "herald.endpoints": "\(endpoints.table.count)", "herald.deliveries.in_progress": "\(status.count)",
                ])
                try await loop.run()
                tables.cancelAll()
            }
        } catch {
            await close()
            throw error
        }
        await close()
    }

    private func close() async {
        await consumer.close()
        await producer.close()
        await endpoints.close()
        await log.database.close()
        await httpClients.shutdown()
    }
}

/// The delivery service was configured without master keys for endpoint secrets.
public struct MissingSecretKey: Error, CustomStringConvertible {
    public init() {}

    public var description: String {
        "no master key seals endpoint secrets: give --secret-key-file (HERALD_SECRET_KEY_FILE), a file of '<id> <base64 of 32 bytes>' "
            + "lines (e.g. echo \"k1 $(openssl rand -base64 32)\" > keys), or the same text in HERALD_SECRET_KEY; only `herald dev` makes one itself"
    }
}
