import ArgumentParser
import HeraldAvro
import HeraldCore
import HeraldProducer
import HeraldRuntime
import Logging

/// `herald-producer`: parses options and runs the producer until SIGTERM or SIGINT.
@main
struct ProducerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-producer",
        abstract: "Herald's producer: validated, Avro-encoded, partitioned, group-committed transactional ingest."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var ports: ServicePorts<ProducerPorts>

    @Option(help: "Topic events are written to (created if missing). Env: HERALD_EVENTS_TOPIC.")
    var eventsTopic = HeraldEnvironment.string("events-topic", default: "herald.events")

    @Option(help: "Partitions of the events topic when it is created. Env: HERALD_PARTITIONS.")
    var partitions = HeraldEnvironment.int("partitions", default: 12)

    @Option(help: "type-source, type-source-subject or adaptive. Env: HERALD_PARTITIONING.")
    var partitioning = HeraldEnvironment.string("partitioning", default: "type-source")

    @Option(help: "Largest accepted payload in bytes (the whole event, attributes included, is limited to 983040). Env: HERALD_MAX_PAYLOAD_BYTES.")
    var maxPayloadBytes = HeraldEnvironment.int("max-payload-bytes", default: RecordSize.maxEventBytes)

    @Flag(help: "Read JSON payloads in the strict Avro JSON encoding only (default: lenient). Env: HERALD_STRICT_JSON.")
    var strictJSON = HeraldEnvironment.bool("strict-json", default: false)

    @Option(help: "REST URL of the registry, prefix of ce_dataschema. Env: HERALD_SCHEMA_URL_BASE.")
    var schemaURLBase = HeraldEnvironment.string("schema-url-base", default: "http://127.0.0.1:8081")

    @Option(help: "Longest wait for the registry per schema lookup, in ms; then the call fails UNAVAILABLE. Env: HERALD_REGISTRY_TIMEOUT_MS.")
    var registryTimeoutMS = HeraldEnvironment.int("registry-timeout-ms", default: 5_000)

    @Option(help: "Answers one PublishStream may have outstanding before it stops reading requests. Env: HERALD_STREAM_WINDOW.")
    var streamWindow = HeraldEnvironment.int("stream-window", default: 4096)

    @Option(help: "Most records per transaction. Env: HERALD_BATCH_MAX_RECORDS.")
    var batchMaxRecords = HeraldEnvironment.int("batch-max-records", default: 1000)

    @Option(help: "Most bytes per transaction. Env: HERALD_BATCH_MAX_BYTES.")
    var batchMaxBytes = HeraldEnvironment.int("batch-max-bytes", default: 4 << 20)

    @Option(help: "Longest wait for more calls before a transaction starts, in ms. Env: HERALD_BATCH_LINGER_MS.")
    var batchLingerMS = HeraldEnvironment.int("batch-linger-ms", default: 2)

    func validate() throws {
        guard PartitionStrategy(name: partitioning) != nil else {
            throw ValidationError("--partitioning must be type-source, type-source-subject or adaptive, not '\(partitioning)'")
        }
        guard partitions > 0, maxPayloadBytes > 0, batchMaxRecords > 0, batchMaxBytes > 0, registryTimeoutMS > 0, streamWindow > 0, batchLingerMS >= 0 else {
            throw ValidationError("--partitions, --max-payload-bytes, --batch-max-records, --batch-max-bytes, --registry-timeout-ms and --stream-window must be positive; --batch-linger-ms not negative")
        }
    }

    func run() async throws {
        // Before any thread the service starts allocates: arenas made earlier stay.
        common.mallocSettings.apply()
        HeraldLogging.bootstrap(level: common.logLevel)
        let logger = Logger(label: "herald.producer")
        var configuration: ProducerServer.Configuration = try await common.checkedConfiguration("producer", ports: ports, logger: logger)
        configuration.registryTimeout = .milliseconds(registryTimeoutMS)
        configuration.streamWindow = streamWindow
        configuration.schemaURLBase = schemaURLBase
        configuration.topic = eventsTopic
        configuration.partitions = partitions
        configuration.partitioning = PartitionStrategy(name: partitioning) ?? .typeSource
        configuration.maxPayloadBytes = maxPayloadBytes
        configuration.jsonMode = strictJSON ? .strict : .lenient
        configuration.batching = .init(maxRecords: batchMaxRecords, maxBytes: batchMaxBytes, linger: .milliseconds(batchLingerMS))
        let server = try await ProducerServer.build(configuration, logger: logger)
        let spanExport = try SpanExport.services(endpoint: common.otelEndpoint, serviceName: "herald-producer", logger: logger)
        try await ServiceRunner.run("Producer", services: InsecureModeWarning.services(for: configuration.authentication, logger: logger) + common.mallocSettings.services + spanExport + server.services, grpc: server.grpc, httpPort: server.httpPort,
            certificate: configuration.listenerCertificate, shutdownTimeout: .seconds(common.shutdownTimeout), logger: logger)
    }
}

/// herald-producer's ports unless `--grpc-port` / `--http-port` say otherwise.
enum ProducerPorts: ServicePortDefaults {
    static let grpcPort = 50051
    static let httpPort = 8091
}
