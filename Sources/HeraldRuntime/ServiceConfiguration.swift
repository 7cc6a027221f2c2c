public import ArgumentParser
public import HeraldCore
public import HeraldKafka
public import Logging

/// What every service's configuration shares: Kafka, the address and ports it serves on, and the
/// instance id. The four executables and `herald dev` turn `CommonOptions` into a configuration
/// through `CommonOptions.configuration(_:)`, so the shared options mean the same everywhere.
public protocol ServiceConfiguration: Sendable {
    init(kafka: KafkaConfiguration)
    var host: String { get set }
    var grpcPort: Int { get set }
    var httpPort: Int { get set }
    var instanceID: String { get set }
    /// The certificate both listeners serve TLS with; nil: plaintext.
    var listenerCertificate: ListenerCertificate? { get set }
    /// The compacted topic of API keys the service follows (its `KeyDirectory`).
    var keysTopic: String { get set }
    /// How callers' API keys are checked.
    var authentication: CallAuthentication { get set }
    /// Takes what the shared options say beyond the fields above (nothing, unless the service
    /// reads from the registry).
    mutating func adopt(_ options: CommonOptions) throws
}

extension ServiceConfiguration {
    public mutating func adopt(_ options: CommonOptions) throws {}
}

/// A service that reads schemas from the registry (the producer and delivery).
public protocol RegistryClientConfiguration: ServiceConfiguration {
    var registryAddress: String { get set }
    var registryTLS: ClientTLS { get set }
    /// The API key its calls to the registry send; nil: none.
    var registryKey: String? { get set }
}

extension RegistryClientConfiguration {
    /// The registry's address comes from `--registry-url`, how to reach it from `--tls-ca-file` and
    /// the client certificate options, the key to send from `--api-key` or `--api-key-file`.
    public mutating func adopt(_ options: CommonOptions) throws {
        registryAddress = options.registryURL
        registryTLS = options.registryTLS.clientTLS
        registryKey = try options.registryKey.key()
    }
}

/// One service's default ports, and what its HTTP port serves besides `/metrics` and `/healthz`.
public protocol ServicePortDefaults {
    static var grpcPort: Int { get }
    static var httpPort: Int { get }
    static var httpServes: String { get }
}

extension ServicePortDefaults {
    public static var httpServes: String { "/metrics and /healthz" }
}

/// `--grpc-port` and `--http-port`, declared once with each service's defaults.
public struct ServicePorts<Defaults: ServicePortDefaults>: ParsableArguments, Sendable {
    @Option(help: "gRPC port (0 = any free port). Env: HERALD_GRPC_PORT.")
    public var grpcPort = HeraldEnvironment.int("grpc-port", default: Defaults.grpcPort)

    @Option(help: ArgumentHelp("HTTP port for \(Defaults.httpServes) (0 = any free port). Env: HERALD_HTTP_PORT."))
    public var httpPort = HeraldEnvironment.int("http-port", default: Defaults.httpPort)

    public init() {}

    public func validate() throws {
        guard (0...65_535).contains(grpcPort), (0...65_535).contains(httpPort) else {
            throw ValidationError("--grpc-port and --http-port must be between 0 and 65535")
        }
    }
}

extension CommonOptions {
    /// `service`'s configuration from the shared options: Kafka (client id
    /// `herald-<service>-<instance-id>`), host, instance id, the listeners' certificate (read and
    /// checked now), how callers' keys are checked and, for clients of the registry, its address,
    /// TLS and the key to send; the ports stay the service's defaults.
    public func configuration<Configuration: ServiceConfiguration>(_ service: String, authentication: CallAuthentication) throws -> Configuration {
        try configuration(service, authentication: authentication, kafka: try kafkaConfiguration(clientID: clientID(service)))
    }

    private func clientID(_ service: String) -> String { "herald-\(service)-\(instanceID)" }

    private func configuration<Configuration: ServiceConfiguration>(
        _ service: String, authentication: CallAuthentication, kafka: KafkaConfiguration
    ) throws -> Configuration {
        var configuration = Configuration(kafka: kafka)
        configuration.host = host
        configuration.instanceID = instanceID
        configuration.listenerCertificate = try listenerTLS.listenerCertificate()
        configuration.keysTopic = keysTopic
        configuration.authentication = authentication
        try configuration.adopt(self)
        return configuration
    }

    /// The same, on the ports the service's port options name, checking callers' keys as `--bootstrap-key-file`
    /// and `--insecure-no-auth` say: without keys this refuses to configure the service at all.
    public func configuration<Configuration: ServiceConfiguration, Defaults>(_ service: String, ports: ServicePorts<Defaults>) throws -> Configuration {
        try configuration(service, ports: ports, kafka: try kafkaConfiguration(clientID: clientID(service)))
    }

    private func configuration<Configuration: ServiceConfiguration, Defaults>(
        _ service: String, ports: ServicePorts<Defaults>, kafka: KafkaConfiguration
    ) throws -> Configuration {
        var configuration: Configuration = try self.configuration(service, authentication: try auth.authentication(), kafka: kafka)
        configuration.grpcPort = ports.grpcPort
        configuration.httpPort = ports.httpPort
        return configuration
    }

    /// The same, after proving a broker answers over the configured Kafka security
    /// (`checkedKafkaConfiguration`), so a wrong CA or bad credentials stop the service at start.
    public func checkedConfiguration<Configuration: ServiceConfiguration, Defaults>(
        _ service: String, ports: ServicePorts<Defaults>, logger: Logger
    ) async throws -> Configuration {
        // The checked Kafka configuration is the one used: its secret files are read once.
        try configuration(service, ports: ports, kafka: try await checkedKafkaConfiguration(clientID: clientID(service), logger: logger))
    }
}
