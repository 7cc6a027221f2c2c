import HeraldAvro
public import HeraldCore
public import HeraldKafka
import HeraldProtos
public import HeraldRuntime
public import Hummingbird
public import Logging
public import ServiceLifecycle

/// The registry service assembled from its configuration: the schema log replica, the leader
/// election, the gRPC API and the Confluent REST API. `services` go into a `ServiceGroup`; tests
/// start the very same assembly on port 0.
public struct RegistryServer: Sendable {
    @dynamicMemberLookup
    public struct Configuration: Sendable {
        public var kafka: KafkaConfiguration
        /// Where it listens, its instance id and how it checks callers, read and written as if
        /// declared here (`configuration.grpcPort`). Ports default to 50050 (gRPC) and 8081 (HTTP).
        public var shared = SharedServiceSettings(grpcPort: 50050, httpPort: 8081)
        /// Host other instances reach this one's gRPC port at (forwarded writes). Default: `host`,
        /// or `127.0.0.1` when `host` is a wildcard address.
        public var advertisedHost: String?
        /// How a follower's calls forwarding writes to the leader are secured (they carry the
        /// caller's own key, which the leader checks again). Default plaintext.
        public var leaderTLS = ClientTLS.plaintext
        /// The compacted log of schemas, configs and modes. Default `herald._schemas`.
        public var topic = "herald._schemas"
        /// One partition; its owner in the election group leads. Default `herald._schemas.election`.
        public var electionTopic = "herald._schemas.election"
        public var electionGroup = "herald-registry"
        /// Where schema, config and mode changes are recorded (`AuditLog`). Default `herald.audit`.
        public var auditTopic = AuditLog.defaultTopic
        /// Shared by every leader, so a new leader fences the previous one. Default `herald-registry-leader`.
        public var transactionalID = "herald-registry-leader"
        /// Largest accepted REST request body (and so schema). Default 1 MiB.
        public var maxSchemaBytes = 1 << 20

        public init(kafka: KafkaConfiguration) {
            self.kafka = kafka
        }
    }

    public let registry: SchemaRegistry
    let election: RegistryLeader
    /// The keys calls are authenticated against.
    public let keys: KeyDirectory
    public let health: HealthStatus
    public let grpc: GRPCServerService
    public let httpPort: BoundPort
    /// Everything to run, in start order.
    public let services: [any Service]

    static let serviceName = "herald.v1.Registry"

    public static func build(_ configuration: Configuration, logger: Logger) throws -> RegistryServer {
        _ = HeraldMetrics.registry  // installs the Prometheus backend before any metric handle is made
        let admin = try KafkaAdmin(configuration: configuration.kafka, logger: logger)
        let log = SchemaLog(topic: configuration.topic, configuration: configuration.kafka, admin: admin, logger: logger)
        let health = HealthStatus(services: [serviceName])

        // The leader needs the bound gRPC port; the server is created first and read lazily.
        let portBox = GRPCPortBox()
        let advertisedHost = configuration.advertisedHost
            ?? (configuration.host == "0.0.0.0" || configuration.host == "::" ? "127.0.0.1" : configuration.host)
        let leader = RegistryLeader(
            settings: .init(
                electionTopic: configuration.electionTopic, resignTopic: configuration.topic,
                groupID: configuration.electionGroup, instanceID: configuration.instanceID,
                transactionalID: configuration.transactionalID,
                advertisedGRPCAddress: { "\(advertisedHost):\(try await portBox.port())" }),
            configuration: configuration.kafka, log: log, logger: logger)
        let audit = try AuditLog(topic: configuration.auditTopic, service: "registry", kafka: configuration.kafka, logger: logger)
        let registry = SchemaRegistry(store: LogRegistryStore(log: log, leader: leader), leaderTLS: configuration.leaderTLS, audit: audit, logger: logger)
        let keys = KeyDirectory(bootstrap: configuration.authentication.bootstrapKeys, topic: configuration.keysTopic, kafka: configuration.kafka, logger: logger)
        let authentication = configuration.authentication.following(keys)
        let administration = KeyAdministration(keys: LeaderKeyStore(directory: keys, leader: leader), registry: registry, audit: audit)

        let grpc = try GRPCServerService(
            host: configuration.host, port: configuration.grpcPort, tls: configuration.listenerCertificate,
            services: [RegistryGRPCService(registry: registry), KeysGRPCService(keys: administration), HealthService(status: health)],
            authentication: authentication, access: .registry, logger: logger)
        portBox.server = grpc

        let router = httpRouter(registry: registry, health: health, authentication: authentication, maxBodyBytes: configuration.maxSchemaBytes)
        let (http, httpPort) = try HeraldHTTP.application(
            router: router, host: configuration.host, port: configuration.httpPort, serverName: "herald-registry", tls: configuration.listenerCertificate, logger: logger)

        let core = RegistryCore(configuration: configuration, admin: admin, log: log, leader: leader, keys: keys, health: health, logger: logger)
        // The key directory first, so it stops last: calls in flight during shutdown still authenticate.
        return RegistryServer(registry: registry, election: leader, keys: keys, health: health, grpc: grpc, httpPort: httpPort, services: [keys, audit, grpc, http, core])
    }

    /// The HTTP routes the registry serves: `/healthz`, `/metrics` and the Confluent REST API.
    public static func httpRouter(
        registry: SchemaRegistry, health: HealthStatus, authentication: CallAuthentication, maxBodyBytes: Int
    ) -> Router<BasicRequestContext> {
        let router = HeraldHTTP.router(health: health, authentication: authentication, routes: ConfluentREST.access)
        ConfluentREST(registry: registry, maxBodyBytes: maxBodyBytes).addRoutes(to: router)
        return router
    }
}

/// The gRPC server whose bound port the leader announces.
private final class GRPCPortBox: @unchecked Sendable {
    // Set once in `build`, before any task reads it.
    var server: GRPCServerService?

    func port() async throws -> Int {
        guard let server else { return 0 }
        return try await server.boundPort()
    }
}

/// Creates the topics, replays the log, then takes part in the election; resigns on shutdown.
struct RegistryCore: Service {
    let configuration: RegistryServer.Configuration
    let admin: KafkaAdmin
    let log: SchemaLog
    let leader: RegistryLeader
    let keys: KeyDirectory
    let health: HealthStatus
    let logger: Logger

    func run() async throws {
        try await admin.createTopic(configuration.topic, partitions: 1, configs: ["cleanup.policy": "compact"], ignoreIfExists: true)
        try await admin.createTopic(configuration.electionTopic, partitions: 1, ignoreIfExists: true)
        try await AuditLog.createTopic(configuration.auditTopic, admin: admin)

        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { try await untilCancelled { try await log.run() } }
            tasks.addTask {
                try await untilCancelled {
                    try await log.waitUntilReady()
                    logger.info("Schema log replayed", metadata: ["kafka.topic": "\(configuration.topic)"])
                    try await leader.run()
                }
            }
            tasks.addTask {
                try await untilCancelled {
                    // Reads are right once replayed (schemas and keys); writes need a leader, here or elsewhere.
                    try await log.waitUntilReady()
                    try await keys.waitUntilReady()
                    try await log.waitUntil { $0.leader != nil }
                    health.set(.serving, for: RegistryServer.serviceName)
                }
            }
            try await gracefulShutdown()
            health.shutDown()
            await leader.resign()
            tasks.cancelAll()
        }
        await admin.close()
    }
}

/// Runs `body`; an error it throws because the task was cancelled (as on shutdown) is not a failure.
func untilCancelled(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        if Task.isCancelled { return }
        throw error
    }
}
