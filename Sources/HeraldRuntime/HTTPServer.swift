public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import Synchronization

/// The HTTP side of a service: `/healthz` (200 when every gRPC service is SERVING, else 503),
/// `/metrics` (Prometheus text format), plus whatever routes the service adds.
public enum HeraldHTTP {
    /// A router with `/healthz` and `/metrics` already in place, counting and timing every request
    /// (`HTTPRequestMetrics`), including those of routes the service adds afterwards, and, unless
    /// `authentication` is off, checking each request's API key (`HTTPKeyCheck`) against the
    /// standard routes' rules and `routes` (the service's own).
    public static func router(
        health: HealthStatus, authentication: CallAuthentication = .off, routes: HTTPAccessTable = HTTPAccessTable([:])
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: HTTPRequestMetrics())
        if let keys = authentication.keys {
            let table = HTTPAccessTable.standard(metricsRequireKey: authentication.metricsRequireKey).merging(routes)
            router.add(middleware: HTTPKeyCheck(table: table, keys: keys))
        }
        router.get("healthz") { _, _ -> Response in
            let serving = health.isServing
            return Response(
                status: serving ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: serving ? "SERVING\n" : "NOT_SERVING\n"))
            )
        }
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: HeraldMetrics.exposition()))
            )
        }
        return router
    }

    /// An HTTP server for `router` as a ServiceLifecycle service. `boundPort` answers once it
    /// listens (port 0 picks a free port, as tests do).
    public static func application<Responder: HTTPResponderBuilder>(
        router: Responder,
        host: String,
        port: Int,
        serverName: String,
        logger: Logger
    ) -> (application: some ApplicationProtocol, boundPort: BoundPort) where Responder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        application(router: router, server: .http1(), host: host, port: port, serverName: serverName, logger: logger)
    }

    /// The same over TLS only, with `certificate` (and client certificates required when it names a
    /// client CA); plaintext when `certificate` is nil.
    public static func application<Responder: HTTPResponderBuilder>(
        router: Responder,
        host: String,
        port: Int,
        serverName: String,
        tls certificate: ListenerCertificate?,
        logger: Logger
    ) throws -> (application: some ApplicationProtocol, boundPort: BoundPort) where Responder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        guard let certificate else {
            return application(router: router, server: .http1(), host: host, port: port, serverName: serverName, logger: logger)
        }
        let server = try HTTPServerBuilder.tls(.http1(), tlsConfiguration: try certificate.httpTLSConfiguration)
        return application(router: router, server: server, host: host, port: port, serverName: serverName, logger: logger)
    }

    private static func application<Responder: HTTPResponderBuilder>(
        router: Responder,
        server: HTTPServerBuilder,
        host: String,
        port: Int,
        serverName: String,
        logger: Logger
    ) -> (application: Application<Responder.Responder>, boundPort: BoundPort) where Responder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let bound = BoundPort()
        let application = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in bound.resolve(channel.localAddress?.port ?? port) },
            logger: logger
        )
        return (application, bound)
    }
}

/// The port a server actually bound, available once it listens.
public final class BoundPort: Sendable {
    private struct State {
        var port: Int?
        var waiters: [CheckedContinuation<Int, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    func resolve(_ port: Int) {
        let waiters = state.withLock { state in
            state.port = port
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    public var value: Int {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Int? in
                    if let port = state.port { return port }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
