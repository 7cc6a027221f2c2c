public import ArgumentParser
import Foundation
public import HeraldKafka
public import Logging

/// Options every Herald service takes (docs/ARCHITECTURE.md §5). Each is also an environment variable:
/// `HERALD_` + the upper-case name (`HERALD_KAFKA_BROKERS`); a flag overrides its variable.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(help: "Kafka bootstrap servers, comma-separated. Env: HERALD_KAFKA_BROKERS.")
    public var kafkaBrokers = HeraldEnvironment.string("kafka-brokers", default: "127.0.0.1:9092")

    @Option(help: "Address the gRPC and HTTP servers bind. Env: HERALD_HOST.")
    public var host = HeraldEnvironment.string("host", default: "127.0.0.1")

    @Option(help: "gRPC address (host:port) of the schema registry. Env: HERALD_REGISTRY_URL.")
    public var registryURL = HeraldEnvironment.string("registry-url", default: "127.0.0.1:50050")

    @Option(help: """
        Stable name of this instance: part of its transactional id and its static group membership, \
        so a restarted instance fences its predecessor and takes its partitions back. Default: the host name \
        (characters other than letters, digits, '-', '_', '.' become '-'), so replicas on different hosts never \
        fence each other. Env: HERALD_INSTANCE_ID.
        """)
    public var instanceID = HeraldEnvironment.string("instance-id", default: CommonOptions.hostInstanceID())

    @Option(help: """
        Longest wait for Kafka, in ms: each request, and each record's delivery. When the cluster does not \
        answer, a call that needs it fails UNAVAILABLE within about twice this (the delivery times out, \
        then one abort attempt). Env: HERALD_KAFKA_TIMEOUT_MS.
        """)
    public var kafkaTimeoutMS = HeraldEnvironment.int("kafka-timeout-ms", default: 30_000)

    @Option(help: """
        Compacted topic where each transactional producer records the incarnation of its transactional id \
        (<service>-<instance-id>.<n>, a fresh one per start and after every abort). Env: HERALD_KAFKA_TRANSACTIONAL_IDS_TOPIC.
        """)
    public var kafkaTransactionalIdsTopic = HeraldEnvironment.string("kafka-transactional-ids-topic", default: "herald.transactional-ids")

    @Option(help: """
        Longest rest, in ms, of a partition a consumer has caught up with before it fetches it again (0: no rest). \
        The local broker answers a caught-up fetch at once rather than holding it open, so each caught-up partition \
        rests, from 1 ms doubling while it stays idle, up to this. A write from this process ends the rest at once; \
        a record written by another process waits up to this long. Env: HERALD_KAFKA_IDLE_FETCH_BACKOFF_MS.
        """)
    public var kafkaIdleFetchBackoffMS = HeraldEnvironment.int("kafka-idle-fetch-backoff-ms", default: 250)

    @Option(help: """
        Compacted topic of API keys: the registry writes it (herald.v1.Keys), every service follows it to \
        authenticate calls. Env: HERALD_KEYS_TOPIC.
        """)
    public var keysTopic = HeraldEnvironment.string("keys-topic", default: "herald.api-keys")

    @Option(help: """
        Longest graceful shutdown, in seconds. On SIGTERM or SIGINT the service stops taking work, ends open \
        streams and lets calls and webhook sends in flight finish; when this runs out it exits (status 1) even if \
        some are stuck. Env: HERALD_SHUTDOWN_TIMEOUT.
        """)
    public var shutdownTimeout = HeraldEnvironment.int("shutdown-timeout", default: 30)

    @OptionGroup(title: "Kafka security")
    public var kafkaSecurity: KafkaSecurityOptions

    @OptionGroup(title: "TLS on the gRPC and HTTP listeners")
    public var listenerTLS: ListenerTLSOptions

    @OptionGroup(title: "TLS to the registry (producer, delivery, a registry follower forwarding to the leader)")
    public var registryTLS: ClientTLSOptions

    @OptionGroup(title: "API keys of callers")
    public var auth: AuthOptions

    @OptionGroup(title: "API key sent to the registry (producer, delivery)")
    public var registryKey: ClientKeyOptions

    @OptionGroup(title: "Memory")
    public var malloc: MallocOptions

    @Option(help: """
        OTLP/HTTP (protobuf) URL the publish, route and deliver spans are exported to, the collector's \
        traces path included (http://collector:4318/v1/traces); unset, no span is made. Env: HERALD_OTEL_ENDPOINT.
        """)
    public var otelEndpoint = HeraldEnvironment.string("otel-endpoint", default: "")

    @Option(help: "trace, debug, info, notice, warning, error or critical. Env: HERALD_LOG_LEVEL.")
    public var logLevel: Logger.Level = Logger.Level(rawValue: HeraldEnvironment.string("log-level", default: "info")) ?? .info

    public init() {}

    public func validate() throws {
        guard !kafkaBrokers.isEmpty else { throw ValidationError("--kafka-brokers must name at least one broker") }
        guard !instanceID.isEmpty, instanceID.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ValidationError("--instance-id must be non-empty and use only letters, digits, '-', '_' or '.'")
        }
        guard kafkaTimeoutMS >= 100 else { throw ValidationError("--kafka-timeout-ms must be at least 100") }
        guard (0...10_000).contains(kafkaIdleFetchBackoffMS) else { throw ValidationError("--kafka-idle-fetch-backoff-ms must be between 0 and 10000") }
        guard shutdownTimeout >= 1 else { throw ValidationError("--shutdown-timeout must be at least 1 (seconds)") }
        guard !keysTopic.isEmpty else { throw ValidationError("--keys-topic must not be empty") }
        guard !kafkaTransactionalIdsTopic.isEmpty else { throw ValidationError("--kafka-transactional-ids-topic must not be empty") }
        if !otelEndpoint.isEmpty {
            guard let url = URL(string: otelEndpoint), ["http", "https"].contains(url.scheme), url.host?.isEmpty == false else {
                throw ValidationError("--otel-endpoint must be an http:// or https:// URL, got \"\(otelEndpoint)\"")
            }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension CommonOptions {
    /// The default instance id: this host's name made a valid instance id.
    public static func hostInstanceID() -> String {
        instanceID(fromHostName: ProcessInfo.processInfo.hostName)
    }

    /// `hostName` with every character an instance id may not hold replaced by `-` (`0` when empty).
    public static func instanceID(fromHostName hostName: String) -> String {
        let id = String(hostName.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" })
        return id.isEmpty ? "0" : id
    }
}


extension CommonOptions {
    /// Kafka settings from these options; reads the SASL password file.
    public func kafkaConfiguration(clientID: String) throws -> KafkaConfiguration {
        let (security, properties) = try kafkaSecurity.settings()
        return KafkaConfiguration(
            bootstrapServers: kafkaBrokers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            clientID: clientID,
            requestTimeout: .milliseconds(kafkaTimeoutMS),
            deliveryTimeout: .milliseconds(kafkaTimeoutMS),
            security: security,
            transactionalIDLedgerTopic: kafkaTransactionalIdsTopic,
            idleFetchBackoff: .milliseconds(kafkaIdleFetchBackoffMS),
            properties: properties)
    }

    /// `kafkaConfiguration(clientID:)`, after proving a broker answers over it when TLS or SASL
    /// is configured: a wrong CA or bad credentials stop the process at start with librdkafka's
    /// reason rather than as a timeout later. Plaintext starts as before, without the round trip.
    public func checkedKafkaConfiguration(clientID: String, logger: Logger) async throws -> KafkaConfiguration {
        let configuration = try kafkaConfiguration(clientID: clientID)
        let secured = kafkaSecurity.kafkaSecurityProtocol.lowercased() != KafkaSecurityProtocol.plaintext.rawValue
            || configuration.properties["security.protocol"] != nil
        if secured {
            do {
                try await KafkaConnectionCheck.verify(configuration, logger: logger)
            } catch let error as KafkaError {
                throw KafkaUnreachable(brokers: kafkaBrokers, protocol: kafkaSecurity.kafkaSecurityProtocol, cause: error)
            }
        }
        return configuration
    }
}

/// Why a process could not start: the cluster refused its TLS handshake or credentials, or never answered.
public struct KafkaUnreachable: Error, CustomStringConvertible {
    public let brokers: String
    public let `protocol`: String
    public let cause: KafkaError

    public var description: String {
        "cannot reach Kafka at \(brokers) over \(`protocol`): \(cause.message)"
    }
}
