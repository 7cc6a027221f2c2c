public import GRPCCore
public import GRPCNIOTransportHTTP2Posix
public import Logging
public import ServiceLifecycle

/// A gRPC server (HTTP/2 over TCP, plaintext or TLS) that runs as a ServiceLifecycle `Service`:
/// graceful shutdown stops accepting new RPCs, ends `Health.Watch` streams (they would otherwise
/// hold the server open for as long as their clients stay) and lets the other RPCs in flight
/// finish. Every RPC is counted and timed (`GRPCRequestMetrics`), the caller's trace context
/// reaches the handler (`CallerTraceContext`), server reflection describes every service it serves,
/// and, with authentication on, every RPC's API key is checked against the service's access table
/// (`APIKeyInterceptor`) after it is counted, so refusals show in the request metrics.
public struct GRPCServerService: Service {
    public let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let healthStatuses: [HealthStatus]
    private let logger: Logger

    /// - Parameters:
    ///   - host: Address to bind, e.g. `127.0.0.1` or `0.0.0.0`.
    ///   - port: Port to bind; 0 picks a free one (read it back with `boundPort()`).
    public init(host: String, port: Int, services: [any RegistrableRPCService], logger: Logger) {
        self.init(host: host, port: port, transportSecurity: .plaintext, services: services, authentication: .off, access: .standard, logger: logger)
    }

    /// A server that speaks only TLS with `certificate` (and requires client certificates when it
    /// names a client CA); plaintext when `certificate` is nil. Calls are checked against `access`
    /// unless `authentication` is off.
    public init(
        host: String, port: Int, tls certificate: ListenerCertificate?, services: [any RegistrableRPCService],
        authentication: CallAuthentication, access: RPCAccessTable, logger: Logger
    ) throws {
        self.init(
            host: host, port: port, transportSecurity: try certificate?.grpcTransportSecurity ?? .plaintext, services: services,
            authentication: authentication, access: access, logger: logger)
    }

    private init(
        host: String, port: Int, transportSecurity: HTTP2ServerTransport.Posix.TransportSecurity, services: [any RegistrableRPCService],
        authentication: CallAuthentication, access: RPCAccessTable, logger: Logger
    ) {
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port),
            transportSecurity: transportSecurity,
            config: .defaults { config in
                // Event payloads may be up to the producer's limit (1 MiB by default) plus framing.
                config.rpc.maxRequestPayloadSize = 16 * 1024 * 1024
            }
        )
        let reflection = ReflectionService(serviceNames: Self.names(of: services))
        var interceptors: [any ServerInterceptor] = [GRPCRequestMetrics(), CallerTraceContextInterceptor()]
        if let keys = authentication.keys { interceptors.append(APIKeyInterceptor(table: access, keys: keys)) }
        self.server = GRPCServer(transport: transport, services: services + [reflection], interceptors: interceptors)
        self.healthStatuses = services.compactMap { ($0 as? HealthService)?.status }
        self.logger = logger
    }

    /// Fully qualified names of the services, from the methods they register.
    static func names(of services: [any RegistrableRPCService]) -> [String] {
        var router = RPCRouter<HTTP2ServerTransport.Posix>()
        for service in services { service.registerMethods(with: &router) }
        return Set(router.methods.map(\.service.fullyQualifiedService)).sorted()
    }

    /// The port the server listens on, once it is bound.
    public func boundPort() async throws -> Int {
        let address = try await server.transport.listeningAddress
        guard let port = address.ipv4?.port ?? address.ipv6?.port else {
            throw RPCError(code: .unavailable, message: "gRPC server is not listening on an IP address")
        }
        return port
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: { [healthStatuses] in
            for status in healthStatuses { status.shutDown() }
            server.beginGracefulShutdown()
        }
    }
}
