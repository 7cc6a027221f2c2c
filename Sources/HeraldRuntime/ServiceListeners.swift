public import GRPCCore
public import Logging
public import ServiceLifecycle

/// The two servers a Herald service listens with, on its configured host, ports and certificate:
/// gRPC (its RPC services and the health service) and HTTP (`/metrics` and `/healthz`), both
/// checking callers as `authentication` says.
public enum ServiceListeners {
    public static func make(
        _ configuration: some ServiceConfiguration, serving services: [any RegistrableRPCService], health: HealthStatus,
        authentication: CallAuthentication, access: RPCAccessTable, serverName: String, logger: Logger
    ) throws -> (grpc: GRPCServerService, http: any Service, httpPort: BoundPort) {
        let settings = configuration.shared
        let grpc = try GRPCServerService(
            host: settings.host, port: settings.grpcPort, tls: settings.listenerCertificate, services: services + [HealthService(status: health)],
            authentication: authentication, access: access, logger: logger)
        let (http, httpPort) = try HeraldHTTP.application(
            router: HeraldHTTP.router(health: health, authentication: authentication), host: settings.host, port: settings.httpPort,
            serverName: serverName, tls: settings.listenerCertificate, logger: logger)
        return (grpc, http, httpPort)
    }
}
