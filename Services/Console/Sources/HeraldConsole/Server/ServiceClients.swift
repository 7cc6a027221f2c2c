import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
public import HeraldRuntime
public import ServiceLifecycle

/// The console's gRPC clients of the four services, one connection pool each for the console's
/// whole life. No client holds a key: every call carries the signed-in user's own (`metadata(for:)`),
/// so each service checks that user's scopes and audits the call under that key.
public struct ServiceClients: Sendable {
    /// Where the services listen and how to reach them.
    public struct Addresses: Sendable {
        public var registry: ServiceAddress
        public var producer: ServiceAddress
        public var router: ServiceAddress
        public var delivery: ServiceAddress

        public init(registry: ServiceAddress, producer: ServiceAddress, router: ServiceAddress, delivery: ServiceAddress) {
            self.registry = registry
            self.producer = producer
            self.router = router
            self.delivery = delivery
        }
    }

    let registry: Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>
    let keys: Herald_V1_Keys.Client<HTTP2ClientTransport.Posix>
    let producer: Herald_V1_Producer.Client<HTTP2ClientTransport.Posix>
    let router: Herald_V1_Router.Client<HTTP2ClientTransport.Posix>
    let delivery: Herald_V1_Delivery.Client<HTTP2ClientTransport.Posix>
    private let connections: [GRPCClient<HTTP2ClientTransport.Posix>]

    public init(_ addresses: Addresses, tls: ClientTLS) throws {
        func client(_ address: ServiceAddress) throws -> GRPCClient<HTTP2ClientTransport.Posix> {
            GRPCClient(transport: try .http2NIOPosix(target: address.grpcTarget, transportSecurity: tls.transportSecurity))
        }
        let registryConnection = try client(addresses.registry)
        let producerConnection = try client(addresses.producer)
        let routerConnection = try client(addresses.router)
        let deliveryConnection = try client(addresses.delivery)
        registry = Herald_V1_Registry.Client(wrapping: registryConnection)
        keys = Herald_V1_Keys.Client(wrapping: registryConnection)
        producer = Herald_V1_Producer.Client(wrapping: producerConnection)
        router = Herald_V1_Router.Client(wrapping: routerConnection)
        delivery = Herald_V1_Delivery.Client(wrapping: deliveryConnection)
        connections = [registryConnection, producerConnection, routerConnection, deliveryConnection]
    }

    /// The metadata that makes a call the signed-in user's.
    static func metadata(for key: String) -> Metadata {
        ["authorization": "Bearer \(key)"]
    }

    /// Runs the connection pools until graceful shutdown.
    public var services: [any Service] { connections.map(ClientConnections.init) }
}

/// One client's connections as a ServiceLifecycle service: they run until the group shuts down.
private struct ClientConnections: Service {
    let client: GRPCClient<HTTP2ClientTransport.Posix>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            client.beginGracefulShutdown()
        }
    }
}
