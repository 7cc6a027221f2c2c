import Foundation
import Hummingbird
import HeraldProtos
public import HeraldRuntime
public import Logging
import Mustache
import NIOCore
public import ServiceLifecycle

/// The console as services for a ServiceLifecycle group: its HTTP listener and the gRPC clients'
/// connections. `herald-console` and `herald dev` both run what `build` assembles.
public enum ConsoleServer {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        public var services: ServiceClients.Addresses
        /// TLS to the services (their CA, a client certificate for mTLS).
        public var clientTLS = ClientTLS.plaintext
        /// TLS on the console's own listener; the session cookie is then Secure.
        public var listenerCertificate: ListenerCertificate?
        public var sessionLifetime: Duration = .seconds(8 * 3600)
        /// Where the overview reads its ingest and latency figures.
        public var metrics = MetricsAddresses()

        public init(services: ServiceClients.Addresses) {
            self.services = services
        }
    }

    /// The `/metrics` URLs of the producer's and the delivery service's instances (http, or https
    /// verified against `Configuration.clientTLS`'s CA): one per instance, or a name that resolves
    /// to every instance's address (a headless Service), read at each of them.
    public struct MetricsAddresses: Sendable {
        public var producer = ["http://127.0.0.1:8091/metrics"]
        public var delivery = ["http://127.0.0.1:8093/metrics"]

        public init() {}
    }

    public struct Built: Sendable {
        public let services: [any Service]
        public let boundPort: BoundPort
    }

    public static func build(_ configuration: Configuration, logger: Logger) throws -> Built {
        _ = HeraldMetrics.registry  // installs the Prometheus backend before any metric handle is made
        let clients = try ServiceClients(configuration.services, tls: configuration.clientTLS)
        let metricsConfiguration = try MetricsHTTPClient.configuration(tls: configuration.clientTLS)
        let console = Console(
            clients: clients, metrics: MetricsReader(addresses: configuration.metrics, configuration: metricsConfiguration),
            sessions: SessionStore(), cookie: SessionCookie(secure: configuration.listenerCertificate != nil),
            sessionLifetime: configuration.sessionLifetime, templates: try templates(), logger: logger)
        // /healthz and /metrics like every service, open: the console's pages check sessions themselves.
        let health = HealthStatus(services: [])
        health.setAll(.serving)
        let router = HeraldHTTP.router(health: health)
        asset(router, "console.css", LayoutTemplates.css, type: "text/css; charset=utf-8")
        asset(router, "tail.js", LayoutTemplates.tailScript, type: "text/javascript; charset=utf-8")
        SignInPage(console: console).register(on: router)
        OverviewPage(console: console).register(on: router)
        RoutesPage(console: console).register(on: router)
        EndpointsPage(console: console).register(on: router)
        DeliveriesPage(console: console).register(on: router)
        DeadLettersPage(console: console).register(on: router)
        TailPage(console: console).register(on: router)
        SchemasPage(console: console).register(on: router)
        let (application, boundPort) = try HeraldHTTP.application(
            router: router, host: configuration.host, port: configuration.port, serverName: "herald-console",
            tls: configuration.listenerCertificate, logger: logger)
        return Built(services: clients.services + [application], boundPort: boundPort)
    }

    private static func asset(_ router: Router<BasicRequestContext>, _ name: String, _ text: String, type: String) {
        router.get("assets/\(name)") { _, _ in
            Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    static func templates() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        let named: [(String, String)] = [
            ("layout", LayoutTemplates.layout), ("signin", LayoutTemplates.signIn), ("empty", ""),
            ("overview", OverviewPage.template),
            ("routes", RoutesPage.listTemplate), ("route-form", RoutesPage.formTemplate),
            ("endpoints", EndpointTemplates.list), ("endpoint", EndpointTemplates.detail),
            ("deliveries", DeliveriesPage.searchTemplate), ("delivery", DeliveriesPage.detailTemplate),
            ("dead-letters", DeadLettersPage.template), ("tail", TailPage.template),
            ("schemas", SchemasPage.listTemplate), ("schema", SchemasPage.subjectTemplate),
        ]
        for (name, text) in named { try library.register(text, named: name) }
        return library
    }
}
