import ArgumentParser
import HeraldKafka
import HeraldRegistry
import HeraldRuntime
import Logging

/// `herald-registry`: parses options and runs the registry until SIGTERM or SIGINT.
@main
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-registry",
        abstract: "Herald's schema registry: Confluent-compatible REST and gRPC, stored in Kafka."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var ports: ServicePorts<RegistryPorts>

    @Option(help: "Host other registry instances use to reach this one's gRPC port. Env: HERALD_ADVERTISED_HOST.")
    var advertisedHost = HeraldEnvironment.string("advertised-host", default: "")

    @Option(help: "Largest accepted schema (REST request body) in bytes. Env: HERALD_MAX_SCHEMA_BYTES.")
    var maxSchemaBytes = HeraldEnvironment.int("max-schema-bytes", default: 1 << 20)

    @Option(help: "Compacted topic holding schemas, configs and modes. Env: HERALD_SCHEMAS_TOPIC.")
    var schemasTopic = HeraldEnvironment.string("schemas-topic", default: "herald._schemas")

    @Option(help: "Topic every administrative change is recorded in (who, what, when, outcome). Env: HERALD_AUDIT_TOPIC.")
    var auditTopic = HeraldEnvironment.string("audit-topic", default: AuditLog.defaultTopic)

    @Option(help: "One-partition topic whose owner in the election group leads. Env: HERALD_ELECTION_TOPIC.")
    var electionTopic = HeraldEnvironment.string("election-topic", default: "herald._schemas.election")

    @Option(help: "Consumer group of the leader election. Env: HERALD_ELECTION_GROUP.")
    var electionGroup = HeraldEnvironment.string("election-group", default: "herald-registry")

    @Option(help: "Transactional id every leader writes with (a new leader fences the old). Env: HERALD_LEADER_TRANSACTIONAL_ID.")
    var leaderTransactionalID = HeraldEnvironment.string("leader-transactional-id", default: "herald-registry-leader")

    func run() async throws {
        // Before any thread the service starts allocates: arenas made earlier stay.
        common.mallocSettings.apply()
        HeraldLogging.bootstrap(level: common.logLevel)
        let logger = Logger(label: "herald.registry")
        var configuration: RegistryServer.Configuration = try await common.checkedConfiguration("registry", ports: ports, logger: logger)
        configuration.advertisedHost = advertisedHost.isEmpty ? nil : advertisedHost
        configuration.maxSchemaBytes = maxSchemaBytes
        configuration.topic = schemasTopic
        configuration.electionTopic = electionTopic
        configuration.auditTopic = auditTopic
        configuration.electionGroup = electionGroup
        configuration.transactionalID = leaderTransactionalID
        let server = try RegistryServer.build(configuration, logger: logger)
        try await ServiceRunner.run("Registry", services: InsecureModeWarning.services(for: configuration.authentication, logger: logger) + common.mallocSettings.services + server.services, grpc: server.grpc, httpPort: server.httpPort,
            certificate: configuration.listenerCertificate, shutdownTimeout: .seconds(common.shutdownTimeout), logger: logger)
    }
}

/// herald-registry's ports unless `--grpc-port` / `--http-port` say otherwise.
enum RegistryPorts: ServicePortDefaults {
    static let grpcPort = 50050
    static let httpPort = 8081
    static let httpServes = "the Confluent REST API, /metrics and /healthz"
}
