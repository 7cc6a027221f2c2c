public import ArgumentParser
import Foundation
public import Logging
public import ServiceLifecycle

/// A service assembled from its configuration, ready to run: its servers, its health, the keys
/// its callers are checked against, and everything it runs, in start order.
public protocol AssembledService: Sendable {
    associatedtype Configuration: ServiceConfiguration
    static func build(_ configuration: Configuration, logger: Logger) async throws -> Self
    var grpc: GRPCServerService { get }
    var httpPort: BoundPort { get }
    var health: HealthStatus { get }
    var keys: KeyDirectory { get }
    var services: [any Service] { get }
}

/// The executable of one Herald service (`herald-<service>`). It declares only its own options and
/// how they set its configuration; the rest is the same for every service and written here once:
/// the malloc settings, logging, the configuration the shared options make, span export, and
/// running until SIGTERM or SIGINT with the insecure-mode warning when callers are not checked.
public protocol ServiceCommand: AsyncParsableCommand {
    associatedtype Server: AssembledService
    associatedtype Ports: ServicePortDefaults
    /// The service's name in lower case (`router`): its logger `herald.<service>`, Kafka client id
    /// and span service name `herald-<service>`.
    static var service: String { get }
    /// One line on what the service does, the start of its `--help`.
    static var abstract: String { get }
    /// Whether the service makes spans worth exporting to `--otel-endpoint`.
    static var exportsSpans: Bool { get }
    var common: CommonOptions { get }
    var ports: ServicePorts<Ports> { get }
    /// Sets the service's own options on the configuration the shared options made.
    func configure(_ configuration: inout Server.Configuration) throws
}

extension ServiceCommand {
    public static var exportsSpans: Bool { true }

    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "herald-\(service)", abstract: abstract)
    }

    public func run() async throws {
        let malloc = common.malloc.settings
        // Before any thread the service starts allocates: arenas made earlier stay.
        malloc.apply()
        HeraldLogging.bootstrap(level: common.logLevel)
        let logger = Logger(label: "herald.\(Self.service)")
        var configuration: Server.Configuration = try await common.checkedConfiguration(Self.service, ports: ports, logger: logger)
        try configure(&configuration)
        let server = try await Server.build(configuration, logger: logger)
        let spanExport = Self.exportsSpans
            ? try SpanExport.services(endpoint: common.otelEndpoint, serviceName: "herald-\(Self.service)", logger: logger) : []
        let warning = InsecureModeWarning.services(for: configuration.shared.authentication, logger: logger)
        try await ServiceRunner.run(
            Self.service.capitalized, services: warning + malloc.services + spanExport + server.services, grpc: server.grpc, httpPort: server.httpPort,
            certificate: configuration.shared.listenerCertificate, shutdownTimeout: .seconds(common.shutdownTimeout), logger: logger)
    }
}
