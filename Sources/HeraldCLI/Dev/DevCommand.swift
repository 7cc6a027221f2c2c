import ArgumentParser
import Foundation
import HeraldConsole
import HeraldCore
import HeraldDelivery
import HeraldProducer
import HeraldRegistry
import HeraldRouter
import HeraldRuntime
import Logging
import ServiceLifecycle
import UnixSignals

/// `herald dev`: the four services in one process — the very `…Server.build` assemblies the
/// executables run, each on its default port — plus, with `--with-sink`, the local webhook
/// receiver. Ctrl-C (or SIGTERM) shuts them down in reverse order.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the registry, producer, router and delivery in this process, for local development.",
        discussion: """
            Ports: registry gRPC 50050 / REST 8081, producer 50051 / 8091, router 50052 / 8092, delivery \
            50053 / 8093 (--port-base moves all eight), sink (with --with-sink) 9000, the operators' console 8080 (--console-port). Being a development mode, delivery accepts endpoints \
            on loopback and private addresses (it says so in the log), and without HERALD_SECRET_KEY it \
            keeps a generated key under .herald/. With --tls-cert-file and --tls-key-file every listener serves \
            TLS with that one certificate (it must name 127.0.0.1, where the producer and delivery reach the \
            registry), --tls-ca-file is then required so they trust it, and SIGHUP re-reads it once for all four. \
            Authentication is on: the first start makes an admin key, prints it and keeps it in .herald/dev-admin-key \
            (mode 0600), which the services accept (beside any --bootstrap-key-file) and every herald command sends by \
            default; --insecure-no-auth turns checking off.
            """
    )

    @OptionGroup var common: CommonOptions

    @Flag(help: "Also run the local webhook receiver (`herald sink`).")
    var withSink = false

    @Option(help: "Port of the webhook receiver.")
    var sinkPort = 9000

    @Option(help: "Secret (whsec_…) the receiver verifies signatures with; without it nothing is verified.")
    var sinkSecret: String?

    @Option(help: "Partitions of herald.events (and the topics that follow it) when they are created.")
    var partitions = 12

    @Option(help: "Port of the operators' console (0: any free port, logged when ready). Sign in with .herald/dev-admin-key.")
    var consolePort = 8080

    @Option(help: """
        Put the services on eight consecutive ports from this one instead of their defaults, so a second \
        Herald can run beside the first: registry gRPC and HTTP, then producer, router and delivery likewise.
        """)
    var portBase: Int?

    @Option(help: """
        Put this in front of every topic, consumer group and fixed transactional id (P.herald.events, \
        P.herald-router, …), so this run reads nothing an earlier run left on the broker.
        """)
    var topicPrefix: String?

    func validate() throws {
        if let topicPrefix, topicPrefix.isEmpty || !topicPrefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            throw ValidationError("--topic-prefix must be letters, digits, '-', '_' or '.' (Kafka topic characters)")
        }
        if let sinkSecret { do { _ = try WebhookSecret(sinkSecret) } catch { throw ValidationError(error.description) } }
        guard partitions > 0, (1...65535).contains(sinkPort) else { throw ValidationError("--partitions and --sink-port must be valid") }
        guard (0...65535).contains(consolePort) else { throw ValidationError("--console-port must be 0–65535") }
        if let portBase, !(1...65528).contains(portBase) { throw ValidationError("--port-base must leave room for eight ports below 65536") }
        // The producer and delivery call this process's own registry, which then speaks TLS too.
        if !common.listenerTLS.tlsCertFile.isEmpty, common.registryTLS.tlsCaFile.isEmpty {
            throw ValidationError("--tls-cert-file needs --tls-ca-file in herald dev: the producer and delivery call its own TLS registry and must trust its certificate")
        }
        if !common.listenerTLS.tlsClientCaFile.isEmpty, common.registryTLS.tlsClientCertFile.isEmpty {
            throw ValidationError("--tls-client-ca-file needs --tls-client-cert-file and --tls-client-key-file in herald dev: the producer and delivery must present a client certificate to its own registry")
        }
    }

    func run() async throws {
        // Before any thread the services start allocates: arenas made earlier stay.
        common.malloc.settings.apply()
        HeraldLogging.bootstrap(level: common.logLevel)
        let logger = Logger(label: "herald.dev")
        // One check for all four: they share the cluster and its security settings.
        _ = try await common.checkedKafkaConfiguration(clientID: "herald-dev-\(common.instanceID)", logger: logger)
        /// The gRPC and HTTP ports of the `index`th service, when `--port-base` moves them.
        func ports(_ index: Int) -> (grpc: Int, http: Int)? { portBase.map { ($0 + 2 * index, $0 + 2 * index + 1) } }
        // The registry this process runs, whatever --registry-url says.
        let registryAddress = "127.0.0.1:\(ports(0)?.grpc ?? 50050)"
        // One certificate for the four, so one SIGHUP reload serves them all.
        let certificate = try common.listenerTLS.listenerCertificate()
        // One admin key for the four: callers' keys are checked against it, and the producer and delivery send it.
        let (authentication, ownKey) = try devAuthentication(logger: logger)
        let prefix = topicPrefix.map(DevTopicPrefix.init)

        var registryConfiguration: RegistryServer.Configuration = try common.configuration("registry", authentication: authentication)
        registryConfiguration.listenerCertificate = certificate
        if let moved = ports(0) { registryConfiguration.shared.grpcPort = moved.grpc; registryConfiguration.shared.httpPort = moved.http }
        prefix?.apply(registry: &registryConfiguration)
        let registry = try RegistryServer.build(registryConfiguration, logger: Logger(label: "herald.registry"))

        var producerConfiguration: ProducerServer.Configuration = try common.configuration("producer", authentication: authentication)
        producerConfiguration.listenerCertificate = certificate
        producerConfiguration.registryAddress = registryAddress
        producerConfiguration.registryKey = ownKey
        producerConfiguration.partitions = partitions
        if let moved = ports(1) { producerConfiguration.shared.grpcPort = moved.grpc; producerConfiguration.shared.httpPort = moved.http }
        prefix?.apply(producer: &producerConfiguration)
        let producer = try await ProducerServer.build(producerConfiguration, logger: Logger(label: "herald.producer"))

        var routerConfiguration: RouterServer.Configuration = try common.configuration("router", authentication: authentication)
        routerConfiguration.listenerCertificate = certificate
        routerConfiguration.partitions = partitions
        if let moved = ports(2) { routerConfiguration.shared.grpcPort = moved.grpc; routerConfiguration.shared.httpPort = moved.http }
        prefix?.apply(router: &routerConfiguration)
        let router = try await RouterServer.build(routerConfiguration, logger: Logger(label: "herald.router"))

        var deliveryConfiguration: DeliveryServer.Configuration = try common.configuration("delivery", authentication: authentication)
        deliveryConfiguration.listenerCertificate = certificate
        deliveryConfiguration.registryAddress = registryAddress
        deliveryConfiguration.registryKey = ownKey
        deliveryConfiguration.partitions = partitions
        deliveryConfiguration.allowPrivateEndpoints = true
        if let moved = ports(3) { deliveryConfiguration.shared.grpcPort = moved.grpc; deliveryConfiguration.shared.httpPort = moved.http }
        prefix?.apply(delivery: &deliveryConfiguration)
        deliveryConfiguration.secretKey = if let keys = HeraldEnvironment.string("secret-key", default: "").nonEmpty { SecretBox.KeySource.inline(keys) } else {
            SecretBox.KeySource.developmentFile(".herald/delivery-secret.key")
        }
        logger.warning("Development mode: delivery accepts endpoints on loopback and private addresses")
        let delivery = try await DeliveryServer.build(deliveryConfiguration, logger: Logger(label: "herald.delivery"))

        let console = try ConsoleServer.build(consoleConfiguration(
            ports: ports, metricsPorts: (producerConfiguration.shared.httpPort, deliveryConfiguration.shared.httpPort), certificate: certificate
        ), logger: Logger(label: "herald.console"))

        // The span exporter first, so it stops last and flushes the spans the others ended.
        var services = InsecureModeWarning.services(for: authentication, logger: logger)
        services += try SpanExport.services(endpoint: common.otelEndpoint, serviceName: "herald-dev", logger: logger)
        if let certificate { services.append(CertificateReloadService(certificates: [certificate], logger: logger)) }
        services += registry.services + producer.services + router.services + delivery.services + console.services
        if withSink {
            let sink = WebhookSink(secret: try sinkSecret.map { try WebhookSecret($0) })
            let (application, _) = HeraldHTTP.application(
                router: sink.router(), host: common.host, port: sinkPort, serverName: "herald-sink", logger: Logger(label: "herald.sink"))
            services.append(application)
        }
        let group = ServiceRunner.group(of: common.malloc.settings.services + services, shutdownTimeout: .seconds(common.shutdownTimeout), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                // Ready once the registry serves (its log replayed, a leader elected).
                while !registry.health.isServing { try await Task.sleep(for: .milliseconds(50)) }
                func describe(_ index: Int, _ defaults: (grpc: Int, http: Int)) -> Logger.MetadataValue {
                    let (grpc, http) = ports(index) ?? defaults
                    return "grpc \(grpc) http \(http)"
                }
                let boundConsolePort = await console.boundPort.value
                logger.info("Herald dev ready", metadata: [
                    "registry": describe(0, (50050, 8081)), "producer": describe(1, (50051, 8091)), "router": describe(2, (50052, 8092)),
                    "delivery": describe(3, (50053, 8093)), "sink": "\(withSink ? "http \(sinkPort)" : "off")",
                    "console": "\(certificate == nil ? "http" : "https")://127.0.0.1:\(boundConsolePort)/",
                ])
            }
            try await tasks.waitForAll()
        }
    }
}

extension DevCommand {
    /// The console calls this process's four services on 127.0.0.1, as the producer and delivery call its
    /// registry, and reads the producer's and delivery's `/metrics` on their HTTP ports (`metricsPorts`).
    func consoleConfiguration(
        ports: (Int) -> (grpc: Int, http: Int)?, metricsPorts: (producer: Int, delivery: Int), certificate: ListenerCertificate?
    ) throws -> ConsoleServer.Configuration {
        func address(_ index: Int, _ defaultPort: Int) throws -> ServiceAddress { try ServiceAddress("127.0.0.1:\(ports(index)?.grpc ?? defaultPort)") }
        var configuration = ConsoleServer.Configuration(services: .init(
            registry: try address(0, 50050), producer: try address(1, 50051), router: try address(2, 50052), delivery: try address(3, 50053)))
        configuration.host = common.host
        configuration.port = consolePort
        configuration.clientTLS = common.registryTLS.clientTLS
        configuration.listenerCertificate = certificate
        let scheme = certificate == nil ? "http" : "https"
        configuration.metrics.producer = ["\(scheme)://127.0.0.1:\(metricsPorts.producer)/metrics"]
        configuration.metrics.delivery = ["\(scheme)://127.0.0.1:\(metricsPorts.delivery)/metrics"]
        return configuration
    }

    /// Checking off with `--insecure-no-auth`; else the dev admin key (made and printed on first
    /// start) and any `--bootstrap-key-file` keys, and the dev key for the services' own calls.
    func devAuthentication(logger: Logger) throws -> (CallAuthentication, ownKey: String?) {
        if common.auth.insecureNoAuth { return (.off, nil) }
        let (key, created) = try DevAdminKey.loadOrCreate()
        if created {
            // Written at once, not buffered: whoever runs herald dev with its output in a log needs it now.
            FileHandle.standardOutput.write(Data(
                "Herald dev admin key (kept in \(DevAdminKey.path); herald commands send it by default):\n\(key.presented)\n".utf8))
        } else {
            logger.info("Using the dev admin key", metadata: ["file": "\(DevAdminKey.path)", "herald.key.id": "\(key.id)"])
        }
        var ring = try common.auth.bootstrapRing() ?? KeyRing()
        ring.apply(KeyRecord(key: key, name: "dev-admin", scopes: Set(Scope.allCases), createdAt: .now))
        return (.keys(StaticKeyRing(ring), metricsRequireKey: common.auth.metricsRequireKey), key.presented)
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
