import ArgumentParser
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldRuntime
import Logging

/// `herald-delivery`: parses options and runs the delivery service until SIGTERM or SIGINT.
@main
struct DeliveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-delivery",
        abstract: "Herald's delivery: signed webhooks with retries, dead letters and status, effectively once."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var ports: ServicePorts<DeliveryPorts>

    @Option(help: "Consumer group. Env: HERALD_CONSUMER_GROUP.")
    var consumerGroup = HeraldEnvironment.string("consumer-group", default: "herald-delivery")

    @Option(help: "Topic of delivery tasks. Env: HERALD_DELIVERIES_TOPIC.")
    var deliveriesTopic = HeraldEnvironment.string("deliveries-topic", default: "herald.deliveries")

    @Option(help: "Compacted status topic. Env: HERALD_STATUS_TOPIC.")
    var statusTopic = HeraldEnvironment.string("status-topic", default: "herald.delivery-status")

    @Option(help: "Compacted endpoints topic. Env: HERALD_ENDPOINTS_TOPIC.")
    var endpointsTopic = HeraldEnvironment.string("endpoints-topic", default: "herald.endpoints")

    @Option(help: "Topic every administrative change is recorded in (who, what, when, outcome). Env: HERALD_AUDIT_TOPIC.")
    var auditTopic = HeraldEnvironment.string("audit-topic", default: AuditLog.defaultTopic)

    @Option(help: "Dead-letter topic. Env: HERALD_DLQ_TOPIC.")
    var dlqTopic = HeraldEnvironment.string("dlq-topic", default: "herald.deliveries.dlq")

    @Option(help: "Topic of attempt records, the delivery log's attempts. Env: HERALD_ATTEMPTS_TOPIC.")
    var attemptsTopic = HeraldEnvironment.string("attempts-topic", default: "herald.delivery-attempts")

    @Option(help: "Directory of the service's local files (the embedded delivery log under delivery-log/<instance-id>/; a copy of the topics, rebuilt when missing). Env: HERALD_DATA_DIR.")
    var dataDir = HeraldEnvironment.string("data-dir", default: ".herald/data")

    @Option(help: "The delivery log: empty for embedded SQLite in --data-dir, or postgres://user:password@host:port/database. Env: HERALD_DELIVERY_LOG.")
    var deliveryLog = HeraldEnvironment.string("delivery-log", default: "")

    @Option(help: "How long the delivery log, the attempts topic and dead letters keep records: a number and d, h, m or s. Env: HERALD_DELIVERY_RETENTION.")
    var deliveryRetention = HeraldEnvironment.string("delivery-retention", default: "30d")

    @Option(help: "Prefix of the retry tier topics (<prefix>.<delay>). Env: HERALD_RETRY_TOPIC_PREFIX.")
    var retryTopicPrefix = HeraldEnvironment.string("retry-topic-prefix", default: "herald.deliveries.retry")

    @Option(help: "Default retry delays in ms, comma-separated (also the retry tiers). Env: HERALD_RETRY_SCHEDULE_MS.")
    var retryScheduleMS = HeraldEnvironment.string("retry-schedule-ms", default: "5000,30000,120000,600000,1800000,3600000,7200000,14400000,28800000")

    @Option(help: "Default attempts before dead-lettering (0 = schedule length + 1). Env: HERALD_MAX_ATTEMPTS.")
    var maxAttempts = HeraldEnvironment.int("max-attempts", default: 0)

    @Option(help: "Partitions of topics this service creates. Env: HERALD_PARTITIONS.")
    var partitions = HeraldEnvironment.int("partitions", default: 12)

    @Flag(help: "Allow endpoints on loopback, private and link-local addresses. Env: HERALD_ALLOW_PRIVATE_ENDPOINTS.")
    var allowPrivateEndpoints = HeraldEnvironment.bool("allow-private-endpoints", default: false)

    @Option(help: "File of the master keys that seal endpoint secrets, one '<id> <base64 of 32 bytes>' per line, the newest last (it seals; all open). Required unless HERALD_SECRET_KEY holds the same text. Env: HERALD_SECRET_KEY_FILE.")
    var secretKeyFile = HeraldEnvironment.string("secret-key-file", default: "")

    @Option(help: "Seconds a replaced endpoint secret keeps signing beside the new one (0: none). Env: HERALD_SECRET_ROTATION_OVERLAP.")
    var secretRotationOverlap = HeraldEnvironment.int("secret-rotation-overlap", default: 86400)

    @Option(help: "Requests in flight per endpoint. Env: HERALD_ENDPOINT_CONCURRENCY.")
    var endpointConcurrency = HeraldEnvironment.int("endpoint-concurrency", default: 8)

    @Option(help: "Tasks queued per endpoint before its partition pauses. Env: HERALD_ENDPOINT_QUEUE.")
    var endpointQueue = HeraldEnvironment.int("endpoint-queue", default: 256)

    @Option(help: "Connect timeout in ms. Env: HERALD_CONNECT_TIMEOUT_MS.")
    var connectTimeoutMS = HeraldEnvironment.int("connect-timeout-ms", default: 5000)

    @Option(help: "Deadline of one webhook exchange in ms: connecting, sending, the response headers and body. Env: HERALD_REQUEST_TIMEOUT_MS.")
    var requestTimeoutMS = HeraldEnvironment.int("request-timeout-ms", default: 30000)

    @Option(help: "Status changes a WatchDeliveries watcher may fall behind before it is cut off (RESOURCE_EXHAUSTED). Env: HERALD_WATCH_BUFFER.")
    var watchBuffer = HeraldEnvironment.int("watch-buffer", default: 1024)

    func validate() throws {
        do {
            _ = try DeliveryLogRetention.parse(deliveryRetention)
        } catch {
            throw ValidationError("\(error)")
        }
        guard !dataDir.isEmpty else { throw ValidationError("--data-dir must name a directory") }
        guard schedule != nil else {
            throw ValidationError("--retry-schedule-ms must be positive integers of at most \(RetryPolicy.longestDelay.components.seconds * 1000), comma-separated")
        }
        guard partitions > 0, endpointConcurrency > 0, endpointQueue > 0, connectTimeoutMS > 0, requestTimeoutMS > 0, watchBuffer > 0, maxAttempts >= 0 else {
            throw ValidationError("--partitions, --endpoint-concurrency, --endpoint-queue, --watch-buffer and the timeouts must be positive")
        }
        guard secretRotationOverlap >= 0 else { throw ValidationError("--secret-rotation-overlap must not be negative") }
        if secretKeySource == nil { throw ValidationError(MissingSecretKey().description) }
    }

    /// `HERALD_SECRET_KEY` (the keys themselves) wins over `--secret-key-file`.
    var secretKeySource: SecretBox.KeySource? {
        if let keys = ProcessInfo.processInfo.environment["HERALD_SECRET_KEY"], !keys.isEmpty { return .inline(keys) }
        return secretKeyFile.isEmpty ? nil : .file(secretKeyFile)
    }

    var schedule: [Duration]? {
        let values = retryScheduleMS.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        let longest = Int(RetryPolicy.longestDelay.components.seconds) * 1000
        guard !values.isEmpty, values.allSatisfy({ (1...longest).contains($0 ?? 0) }) else { return nil }
        return values.map { .milliseconds($0!) }
    }

    func run() async throws {
        // Before any thread the service starts allocates: arenas made earlier stay.
        common.mallocSettings.apply()
        HeraldLogging.bootstrap(level: common.logLevel)
        let logger = Logger(label: "herald.delivery")
        var configuration: DeliveryServer.Configuration = try await common.checkedConfiguration("delivery", ports: ports, logger: logger)
        configuration.consumerGroup = consumerGroup
        configuration.partitions = partitions
        configuration.allowPrivateEndpoints = allowPrivateEndpoints
        var topics = DeliveryTopics()
        topics.deliveries = deliveriesTopic
        topics.status = statusTopic
        topics.endpoints = endpointsTopic
        topics.deadLetters = dlqTopic
        topics.audit = auditTopic
        topics.attempts = attemptsTopic
        let schedule = schedule ?? RetryPolicy.defaultSchedule
        topics.retryTiers = RetryTiers(delays: schedule, topicPrefix: retryTopicPrefix)
        configuration.topics = topics
        configuration.retryPolicy = RetryPolicy(schedule: schedule, maxAttempts: maxAttempts > 0 ? maxAttempts : nil)
        configuration.secretKey = secretKeySource
        configuration.secretRotationOverlap = .seconds(secretRotationOverlap)
        configuration.limits.concurrency = endpointConcurrency
        configuration.limits.queueCapacity = endpointQueue
        configuration.connectTimeout = .milliseconds(connectTimeoutMS)
        configuration.requestTimeout = .milliseconds(requestTimeoutMS)
        configuration.watchBuffer = watchBuffer
        configuration.dataDirectory = dataDir
        configuration.deliveryLog = deliveryLog
        configuration.deliveryRetention = try DeliveryLogRetention.parse(deliveryRetention)
        let server = try await DeliveryServer.build(configuration, logger: logger)
        let spanExport = try SpanExport.services(endpoint: common.otelEndpoint, serviceName: "herald-delivery", logger: logger)
        try await ServiceRunner.run("Delivery", services: InsecureModeWarning.services(for: configuration.authentication, logger: logger) + common.mallocSettings.services + spanExport + server.services, grpc: server.grpc, httpPort: server.httpPort,
            certificate: configuration.listenerCertificate, shutdownTimeout: .seconds(common.shutdownTimeout), logger: logger)
    }
}

/// herald-delivery's ports unless `--grpc-port` / `--http-port` say otherwise.
enum DeliveryPorts: ServicePortDefaults {
    static let grpcPort = 50053
    static let httpPort = 8093
}
