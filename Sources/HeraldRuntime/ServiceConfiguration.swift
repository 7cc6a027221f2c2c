public import ArgumentParser
public import HeraldCore
public import HeraldKafka
public import Logging

/// What every service's configuration holds alike: where it listens, which instance it is and
/// how it checks its callers.
public struct SharedServiceSettings: Sendable {
    /// Address both servers bind. Default `127.0.0.1`.
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var grpcPort: Int
    /// `/metrics`, `/healthz` and what else the service serves over HTTP; 0 picks a free port.
    public var httpPort: Int
    /// Distinguishes the instances of one service: part of its transactional id and its static
    /// group membership. Default `0`.
    public var instanceID = "0"
    /// Certificate both listeners serve TLS with (re-read on SIGHUP by the process running them); nil: plaintext.
    public var listenerCertificate: ListenerCertificate?
    /// The compacted topic of API keys followed to authenticate calls (the registry's leader
    /// writes it). Default `herald.api-keys`.
    public var keysTopic = KeyDirectory.defaultTopic
    /// How callers' API keys are checked. Default off: the executables and `herald dev` always set
    /// it from their options and refuse to start without keys unless told `--insecure-no-auth`.
    public var authentication = CallAuthentication.off

    public init(grpcPort: Int, httpPort: Int) {
        self.grpcPort = grpcPort
        self.httpPort = httpPort
    }
}

/// How a service reaches the schema registry (the producer and delivery read schemas from it).
public struct RegistryClientSettings: Sendable {
    /// gRPC address (host:port) of the schema registry. Default `127.0.0.1:50050`.
    public var registryAddress = "127.0.0.1:50050"
    /// How calls to the registry are secured. Default plaintext.
    public var registryTLS = ClientTLS.plaintext
    /// The API key calls to the registry send (it needs `schemas:read`); nil: none.
    public var registryKey: String?

    public init() {}
}

/// A service's configuration: Kafka, `SharedServiceSettings`, and its own fields. The four
/// executables and `herald dev` turn `CommonOptions` into a configuration through
/// `CommonOptions.configuration(_:)`, so the shared options mean the same everywhere.
///
/// The shared settings read and write as if the configuration declared them
/// (`configuration.grpcPort = 0`): a conforming type is `@dynamicMemberLookup`.
public protocol ServiceConfiguration: Sendable {
    init(kafka: KafkaConfiguration)
    var shared: SharedServiceSettings { get set }
    /// Takes what the shared options say beyond `shared` (nothing, unless the service reads
    /// from the registry).
    mutating func adopt(_ options: CommonOptions) throws
}

extension ServiceConfiguration {
    public mutating func adopt(_ options: CommonOptions) throws {}

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<SharedServiceSettings, Value>) -> Value {
        get { shared[keyPath: keyPath] }
        set { shared[keyPath: keyPath] = newValue }
    }
}

/// A service that reads schemas from the registry (the producer and delivery).
public protocol RegistryClientConfiguration: ServiceConfiguration {
    var registryClient: RegistryClientSettings { get set }
}

extension RegistryClientConfiguration {
    /// The registry's address comes from `--registry-url`, how to reach it from `--tls-ca-file` and
    /// the client certificate options, the key to send from `--api-key` or `--api-key-file`.
    public mutating func adopt(_ options: CommonOptions) throws {
        registryClient.registryAddress = options.registryURL
        registryClient.registryTLS = options.registryTLS.clientTLS
        registryClient.registryKey = try options.registryKey.key()
    }

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<RegistryClientSettings, Value>) -> Value {
        get { registryClient[keyPath: keyPath] }
        set { registryClient[keyPath: keyPath] = newValue }
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
        configuration.shared.host = host
        configuration.shared.instanceID = instanceID
        configuration.shared.listenerCertificate = try listenerTLS.listenerCertificate()
        configuration.shared.keysTopic = keysTopic
        configuration.shared.authentication = authentication
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
        configuration.shared.grpcPort = ports.grpcPort
        configuration.shared.httpPort = ports.httpPort
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
