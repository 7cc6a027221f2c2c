import ArgumentParser
import HeraldKafka
import HeraldRegistry
import HeraldRuntime

/// `herald-registry`: parses options and runs the registry until SIGTERM or SIGINT.
@main
struct RegistryCommand: ServiceCommand {
    typealias Server = RegistryServer
    static let service = "registry"
    /// The registry makes no publish, route or deliver span.
    static let exportsSpans = false

    static let abstract = "Herald's schema registry: Confluent-compatible REST and gRPC, stored in Kafka."

    @OptionGroup var common: CommonOptions

    @OptionGroup var ports: ServicePorts<RegistryPorts>

    @Option(help: "Host other registry instances use to reach this one's gRPC port. Env: HERALD_ADVERTISED_HOST.")
    var advertisedHost = HeraldEnvironment.string("advertised-host", default: "")

    @Option(help: "Largest accepted schema (REST request body) in bytes. Env: HERALD_MAX_SCHEMA_BYTES.")
    var maxSchemaBytes = HeraldEnvironment.int("max-schema-bytes", default: 1 << 20)

    @Option(help: "Compacted topic holding schemas, configs and modes. Env: HERALD_SCHEMAS_TOPIC.")
    var schemasTopic = HeraldEnvironment.string("schemas-topic", default: "herald._schemas")

    @OptionGroup var audit: AuditTopicOption

    @Option(help: "One-partition topic whose owner in the election group leads. Env: HERALD_ELECTION_TOPIC.")
    var electionTopic = HeraldEnvironment.string("election-topic", default: "herald._schemas.election")

    @Option(help: "Consumer group of the leader election. Env: HERALD_ELECTION_GROUP.")
    var electionGroup = HeraldEnvironment.string("election-group", default: "herald-registry")

    @Option(help: "Transactional id every leader writes with (a new leader fences the old). Env: HERALD_LEADER_TRANSACTIONAL_ID.")
    var leaderTransactionalID = HeraldEnvironment.string("leader-transactional-id", default: "herald-registry-leader")

    func configure(_ configuration: inout RegistryServer.Configuration) {
        configuration.advertisedHost = advertisedHost.isEmpty ? nil : advertisedHost
        configuration.maxSchemaBytes = maxSchemaBytes
        configuration.topic = schemasTopic
        configuration.electionTopic = electionTopic
        configuration.auditTopic = audit.topic
        configuration.electionGroup = electionGroup
        configuration.transactionalID = leaderTransactionalID
    }
}

/// herald-registry's ports unless `--grpc-port` / `--http-port` say otherwise.
enum RegistryPorts: ServicePortDefaults {
    static let grpcPort = 50050
    static let httpPort = 8081
    static let httpServes = "the Confluent REST API, /metrics and /healthz"
}
