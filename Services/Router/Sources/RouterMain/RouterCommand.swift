import ArgumentParser
import HeraldRouter
import HeraldRuntime
import Logging

/// `herald-router`: parses options and runs the router until SIGTERM or SIGINT.
@main
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-router",
        abstract: "Herald's router: exactly-once de-duplication, route matching and fan-out to delivery tasks."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var ports: ServicePorts<RouterPorts>

    @Option(help: "Consumer group of the router instances. Env: HERALD_CONSUMER_GROUP.")
    var consumerGroup = HeraldEnvironment.string("consumer-group", default: "herald-router")

    @Option(help: "Topic events are read from (created if missing). Env: HERALD_EVENTS_TOPIC.")
    var eventsTopic = HeraldEnvironment.string("events-topic", default: "herald.events")

    @Option(help: "Compacted topic of routes. Env: HERALD_ROUTES_TOPIC.")
    var routesTopic = HeraldEnvironment.string("routes-topic", default: "herald.routes")

    @Option(help: "Compacted de-duplication changelog (as many partitions as the events topic). Env: HERALD_DEDUPE_TOPIC.")
    var dedupeTopic = HeraldEnvironment.string("dedupe-topic", default: "herald.router-dedupe")

    @Option(help: "Topic delivery tasks are written to. Env: HERALD_DELIVERIES_TOPIC.")
    var deliveriesTopic = HeraldEnvironment.string("deliveries-topic", default: "herald.deliveries")

    @Option(help: "Topic for records that cannot be routed (not a Herald event, a task over the record limit), with their reason. Env: HERALD_DEAD_LETTER_TOPIC.")
    var deadLetterTopic = HeraldEnvironment.string("dead-letter-topic", default: "herald.events.dlq")

    @Option(help: "Topic every administrative change is recorded in (who, what, when, outcome). Env: HERALD_AUDIT_TOPIC.")
    var auditTopic = HeraldEnvironment.string("audit-topic", default: AuditLog.defaultTopic)

    @Option(help: "Partitions of the events and deliveries topics when this service creates them. Env: HERALD_PARTITIONS.")
    var partitions = HeraldEnvironment.int("partitions", default: 12)

    @Option(help: "Most events per transaction. Env: HERALD_BATCH_MAX_EVENTS.")
    var batchMaxEvents = HeraldEnvironment.int("batch-max-events", default: 500)

    @Option(help: "How long a (source, id) is remembered for de-duplication, in seconds (default 7 days). Env: HERALD_DEDUPE_RETENTION_SECONDS.")
    var dedupeRetentionSeconds = HeraldEnvironment.int("dedupe-retention-seconds", default: 7 * 24 * 3600)

    @Option(help: "Directory of the de-duplication stores (one RocksDB store per partition under router-dedupe/<instance-id>/; a cache of the changelog, rebuilt when missing). Env: HERALD_DATA_DIR.")
    var dataDir = HeraldEnvironment.string("data-dir", default: ".herald/data")

    func validate() throws {
        guard partitions > 0, batchMaxEvents > 0, dedupeRetentionSeconds > 0 else {
            throw ValidationError("--partitions, --batch-max-events and --dedupe-retention-seconds must be positive")
        }
        guard !dataDir.isEmpty else { throw ValidationError("--data-dir must name a directory") }
    }

    func run() async throws {
        // Before any thread the service starts allocates: arenas made earlier stay.
        common.mallocSettings.apply()
        HeraldLogging.bootstrap(level: common.logLevel)
        let logger = Logger(label: "herald.router")
        var configuration: RouterServer.Configuration = try await common.checkedConfiguration("router", ports: ports, logger: logger)
        configuration.groupID = consumerGroup
        configuration.eventsTopic = eventsTopic
        configuration.routesTopic = routesTopic
        configuration.dedupeTopic = dedupeTopic
        configuration.deliveriesTopic = deliveriesTopic
        configuration.deadLettersTopic = deadLetterTopic
        configuration.auditTopic = auditTopic
        configuration.partitions = partitions
        configuration.maxBatchEvents = batchMaxEvents
        configuration.dedupeRetention = .seconds(dedupeRetentionSeconds)
        configuration.dataDirectory = dataDir
        let server = try await RouterServer.build(configuration, logger: logger)
        let spanExport = try SpanExport.services(endpoint: common.otelEndpoint, serviceName: "herald-router", logger: logger)
        try await ServiceRunner.run("Router", services: InsecureModeWarning.services(for: configuration.authentication, logger: logger) + common.mallocSettings.services + spanExport + server.services, grpc: server.grpc, httpPort: server.httpPort,
            certificate: configuration.listenerCertificate, shutdownTimeout: .seconds(common.shutdownTimeout), logger: logger)
    }
}

/// herald-router's ports unless `--grpc-port` / `--http-port` say otherwise.
enum RouterPorts: ServicePortDefaults {
    static let grpcPort = 50052
    static let httpPort = 8092
}
