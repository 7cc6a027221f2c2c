public import GRPCCore
public import GRPCNIOTransportHTTP2Posix
public import ServiceLifecycle

/// A gRPC client's connections as a service: they run until graceful shutdown, which lets the
/// calls in flight finish.
public struct GRPCClientService: Service {
    public let client: GRPCClient<HTTP2ClientTransport.Posix>

    public init(client: GRPCClient<HTTP2ClientTransport.Posix>) {
        self.client = client
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            client.beginGracefulShutdown()
        }
    }
}

extension RegistryClientSettings {
    /// A client of the registry these settings name, secured and sending the key they say; its
    /// connections run as a `GRPCClientService`.
    public func makeClient() throws -> GRPCClient<HTTP2ClientTransport.Posix> {
        let registry = try ServiceAddress(registryAddress)
        return GRPCClient(
            transport: try .http2NIOPosix(target: registry.grpcTarget, transportSecurity: registryTLS.transportSecurity),
            interceptors: APIKeyClientInterceptor.sending(registryKey))
    }
}
