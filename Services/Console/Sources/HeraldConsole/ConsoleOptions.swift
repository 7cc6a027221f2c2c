public import ArgumentParser
import Foundation
public import HeraldRuntime

/// The console's own options, shared by `herald-console` and `herald dev` (which sets the service
/// addresses itself). Each is also an environment variable, `HERALD_` + the upper-case name.
public struct ConsoleOptions: ParsableArguments, Sendable {
    @Option(help: "Address the console's HTTP server binds. Env: HERALD_HOST.")
    public var host = HeraldEnvironment.string("host", default: "127.0.0.1")

    @Option(help: "Port of the console's HTTP server (0: any free port). Env: HERALD_PORT.")
    public var port = HeraldEnvironment.int("port", default: 8080)

    @Option(help: "gRPC address (host:port) of the registry. Env: HERALD_REGISTRY_URL.")
    public var registryURL = HeraldEnvironment.string("registry-url", default: "127.0.0.1:50050")

    @Option(help: "gRPC address (host:port) of the producer. Env: HERALD_PRODUCER_URL.")
    public var producerURL = HeraldEnvironment.string("producer-url", default: "127.0.0.1:50051")

    @Option(help: "gRPC address (host:port) of a router. Env: HERALD_ROUTER_URL.")
    public var routerURL = HeraldEnvironment.string("router-url", default: "127.0.0.1:50052")

    @Option(help: "gRPC address (host:port) of the delivery service. Env: HERALD_DELIVERY_URL.")
    public var deliveryURL = HeraldEnvironment.string("delivery-url", default: "127.0.0.1:50053")

    @Option(help: """
        The producer instances' /metrics for the overview's ingest rate, comma-separated: a host name \
        with several addresses (a headless Service) is one instance per address, resolved at every \
        reading; the instances' counters add up. Env: HERALD_PRODUCER_METRICS_URL.
        """)
    public var producerMetricsURL = HeraldEnvironment.string("producer-metrics-url", default: "http://127.0.0.1:8091/metrics")

    @Option(help: """
        The delivery instances' /metrics for the overview's end-to-end latency, comma-separated, read \
        like --producer-metrics-url. Env: HERALD_DELIVERY_METRICS_URL.
        """)
    public var deliveryMetricsURL = HeraldEnvironment.string("delivery-metrics-url", default: "http://127.0.0.1:8093/metrics")

    @Option(help: "Seconds a sign-in lasts; then the user signs in again. Env: HERALD_SESSION_TTL.")
    public var sessionTTL = HeraldEnvironment.int("session-ttl", default: 28_800)

    @OptionGroup(title: "TLS on the console's listener (the session cookie is then Secure)")
    public var listenerTLS: ListenerTLSOptions

    @OptionGroup(title: "TLS to the services")
    public var clientTLS: ClientTLSOptions

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
        guard sessionTTL > 0 else { throw ValidationError("--session-ttl must be a positive number of seconds") }
        for (option, url) in [("--registry-url", registryURL), ("--producer-url", producerURL), ("--router-url", routerURL), ("--delivery-url", deliveryURL)] {
            do { _ = try ServiceAddress(url) } catch { throw ValidationError("\(option): \(error.description)") }
        }
        _ = try Self.metricsURLs("--producer-metrics-url", producerMetricsURL)
        _ = try Self.metricsURLs("--delivery-metrics-url", deliveryMetricsURL)
    }

    /// The instances' `/metrics` URLs `option` lists, comma-separated; each must be http(s) with a host.
    static func metricsURLs(_ option: String, _ list: String) throws -> [String] {
        let urls = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !urls.isEmpty else { throw ValidationError("\(option): give at least one URL, such as http://127.0.0.1:8091/metrics") }
        for url in urls {
            guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host?.isEmpty == false else {
                throw ValidationError("\(option): '\(url)' is not an http(s) URL such as http://127.0.0.1:8091/metrics")
            }
        }
        return urls
    }

    public func configuration() throws -> ConsoleServer.Configuration {
        var configuration = ConsoleServer.Configuration(services: .init(
            registry: try ServiceAddress(registryURL), producer: try ServiceAddress(producerURL),
            router: try ServiceAddress(routerURL), delivery: try ServiceAddress(deliveryURL)))
        configuration.host = host
        configuration.port = port
        configuration.sessionLifetime = .seconds(sessionTTL)
        configuration.metrics.producer = try Self.metricsURLs("--producer-metrics-url", producerMetricsURL)
        configuration.metrics.delivery = try Self.metricsURLs("--delivery-metrics-url", deliveryMetricsURL)
        configuration.clientTLS = clientTLS.clientTLS
        configuration.listenerCertificate = try listenerTLS.listenerCertificate()
        return configuration
    }
}
