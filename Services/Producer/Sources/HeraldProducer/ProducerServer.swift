import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
public import HeraldAvro
public import HeraldCore
public import HeraldKafka
import HeraldProtos
public import HeraldRuntime
public import Logging
public import ServiceLifecycle
import Synchronization

/// The producer service assembled from its configuration. `build` creates the events topic if
/// needed and registers the transactional id (fencing a previous instance with the same id), so a
/// broker that cannot be reached fails start-up with a clear error instead of failing calls later.
public struct ProducerServer: Sendable {
    @dynamicMemberLookup
    public struct Configuration: Sendable {
        public var kafka: KafkaConfiguration
        /// Where it listens, its instance id and how it checks callers, read and written as if
        /// declared here (`configuration.grpcPort`). Ports default to 50051 (gRPC) and 8091 (HTTP).
        public var shared = SharedServiceSettings(grpcPort: 50051, httpPort: 8091)
        /// How it reaches the schema registry, read and written as if declared here (`configuration.registryAddress`).
        public var registryClient = RegistryClientSettings()
        /// REST URL of the registry, the prefix of every record's `ce_dataschema`. Default `http://127.0.0.1:8081`.
        public var schemaURLBase = "http://127.0.0.1:8081"
        /// Default `herald.events`.
        public var topic = "herald.events"
        /// Partitions of the events topic when this service creates it. Default 12.
        public var partitions = 12
        public var partitioning = PartitionStrategy.typeSource
        /// Largest accepted payload and record value. Default 960 KiB (`RecordSize.maxEventBytes`).
        public var maxPayloadBytes = RecordSize.maxEventBytes
        /// Largest accepted event (attributes, extensions and payload). At most, and by default,
        /// `kafka.maxMessageBytes` less `RecordSize.envelopeReserve`.
        public var maxEventBytes: Int { kafka.maxMessageBytes - RecordSize.envelopeReserve }
        /// How JSON payloads are read: `.lenient` (default) also takes bare union values and omitted defaulted fields.
        public var jsonMode = AvroJSONMode.lenient
        /// How long "latest" of a subject is cached. Default 5 s.
        public var latestSchemaTTL = Duration.seconds(5)
        /// Bound on each registry call. Default 5 s.
        public var registryTimeout = Duration.seconds(5)
        /// Group commit bounds: records, bytes and wait per transaction.
        public var batching = Batching()
        /// Answers a `PublishStream` may have outstanding before it stops reading. Default 4096: a
        /// stream then fills whole transactions while the previous one commits (with a task per
        /// event, 1024 measured 0.34× a bare gRPC stream and 4096 0.48×, on a loaded machine).
        public var streamWindow = 4096

        public init(kafka: KafkaConfiguration) {
            self.kafka = kafka
        }

        public var transactionalID: String { "herald-producer-\(shared.instanceID)" }
    }

    /// How calls are grouped into transactions: a transaction starts when `maxRecords` or
    /// `maxBytes` are reached, or `linger` after its first call, whichever comes first.
    public struct Batching: Sendable {
        public var maxRecords = 1000
        public var maxBytes = 4 << 20
        public var linger = Duration.milliseconds(2)

        public init(maxRecords: Int = 1000, maxBytes: Int = 4 << 20, linger: Duration = .milliseconds(2)) {
            self.maxRecords = maxRecords
            self.maxBytes = maxBytes
            self.linger = linger
        }
    }

    public let health: HealthStatus
    /// The keys calls are authenticated against.
    public let keys: KeyDirectory
    public let grpc: GRPCServerService
    public let httpPort: BoundPort
    /// Everything to run, in start order (shut down in reverse: servers drain before the committer).
    public let services: [any Service]

    static let serviceName = "herald.v1.Producer"

    public static func build(_ configuration: Configuration, logger: Logger) async throws -> ProducerServer {
        _ = HeraldMetrics.registry  // installs the Prometheus backend before any metric handle is made
        let partitionCount = try await KafkaAdmin.withAdmin(configuration: configuration.kafka, logger: logger) { admin in
            try await admin.createTopic(configuration.topic, partitions: configuration.partitions, ignoreIfExists: true)
            return try await admin.describeTopic(configuration.topic).partitionCount
        }

        let producer = try await TransactionalProducer.incarnating(configuration.transactionalID, configuration: configuration.kafka, logger: logger)
        let batching = configuration.batching
        let committer = GroupCommitter(
            producer: producer,
            configuration: .init(maxCount: batching.maxRecords, maxBytes: batching.maxBytes, linger: batching.linger),
            logger: logger)

        let registryClient = try configuration.registryClient.makeClient()
        let resolver = SchemaResolver(
            client: Herald_V1_Registry.Client(wrapping: registryClient),
            latestTTL: configuration.latestSchemaTTL, timeout: configuration.registryTimeout)
        let encoder = EventEncoder(
            resolver: resolver, maxPayloadBytes: configuration.maxPayloadBytes, maxEventBytes: configuration.maxEventBytes,
            jsonMode: configuration.jsonMode, schemaURLBase: configuration.schemaURLBase)

        let health = HealthStatus(services: [serviceName])
        let keys = KeyDirectory(
            bootstrap: configuration.authentication.bootstrapKeys, topic: configuration.keysTopic, kafka: configuration.kafka, health: health, logger: logger)
        let authentication = configuration.authentication.following(keys)
        let service = ProducerGRPCService(
            encoder: encoder, committer: committer, topic: configuration.topic, partitionCount: partitionCount,
            partitioner: SharedPartitioner(Partitioner(strategy: configuration.partitioning)), streamWindow: configuration.streamWindow)
        let (grpc, http, httpPort) = try ServiceListeners.make(
            configuration, serving: [service], health: health, authentication: authentication, access: .producer,
            serverName: "herald-producer", logger: logger)
        logger.info("Producer ready", metadata: [
            "kafka.topic": "\(configuration.topic)", "kafka.partitions": "\(partitionCount)",
            "kafka.transactional_id": "\(producer.transactionalID)",
        ])
        let core = CommitService(committer: committer, producer: producer, health: health)
        return ProducerServer(
            health: health, keys: keys, grpc: grpc, httpPort: httpPort,
            services: [keys, GRPCClientService(client: registryClient), core, grpc, http])
    }
}

/// Runs the group committer; on shutdown (after the gRPC server drained) commits the open batch
/// and closes the producer. A fatally failed producer (fenced) ends it with that error, which
/// shuts the whole service down and makes the process exit non-zero.
struct CommitService: Service {
    let committer: GroupCommitter
    let producer: TransactionalProducer
    let health: HealthStatus

    func run() async throws {
        health.set(.serving, for: ProducerServer.serviceName)
        do {
            try await withGracefulShutdownHandler {
                try await committer.run()
            } onGracefulShutdown: {
                health.shutDown()
                committer.shutDown()
            }
        } catch {
            health.shutDown()
            await producer.close()
            throw error
        }
        await producer.close()
    }
}
