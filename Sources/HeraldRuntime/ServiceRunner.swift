public import Logging
public import ServiceLifecycle
import UnixSignals

/// How every Herald executable runs: its services in one group until SIGTERM or SIGINT (graceful
/// shutdown, in reverse order, bounded by `shutdownTimeout`), and one `<Name> listening` log line
/// with the bound ports once both servers are up — what operators and the crash tests wait for.
/// With a listener certificate, SIGHUP re-reads it (`CertificateReloadService`).
public enum ServiceRunner {
    public static func run(
        _ name: String, services: [any Service], grpc: GRPCServerService, httpPort: BoundPort,
        certificate: ListenerCertificate? = nil, shutdownTimeout: Duration, logger: Logger
    ) async throws {
        let reloading: [any Service] = certificate.map { [CertificateReloadService(certificates: [$0], logger: logger)] } ?? []
        let group = Self.group(of: reloading + services, shutdownTimeout: shutdownTimeout, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                let grpcPort = try await grpc.boundPort()
                let boundHTTPPort = await httpPort.value
                logger.info("\(name) listening", metadata: ["grpc.port": "\(grpcPort)", "http.port": "\(boundHTTPPort)"])
            }
            try await tasks.waitForAll()
        }
    }

    /// The services in one group that shuts down gracefully on SIGTERM or SIGINT, within `shutdownTimeout`.
    public static func group(of services: [any Service], shutdownTimeout: Duration, logger: Logger) -> ServiceGroup {
        var configurations = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        configurations.append(.init(service: ShutdownDeadline(timeout: shutdownTimeout, logger: logger), successTerminationBehavior: .ignore))
        return ServiceGroup(configuration: .init(services: configurations, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}
