import ArgumentParser
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
            50053 / 8093, sink (with --with-sink) 9000. Being a development mode, delivery accepts endpoints \
            on loopback and private addresses (it says so in the log), and without HERALD_SECRET_KEY it \
            keeps a generated key under .herald/.
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

    func validate() throws {
        if let sinkSecret { do { _ = try WebhookSecret(sinkSecret) } catch { throw ValidationError(error.description) } }
        guard partitions > 0, (1...65535).contains(sinkPort) else { throw ValidationError("--partitions and --sink-port must be valid") }
    }

    func run() async throws {
        HeraldLogging.bootstrap(level: common.logLevel)
        let logger = Logger(label: "herald.dev")
        // One check for all four: they share the cluster and its security settings.
        _ = try await common.checkedKafkaConfiguration(clientID: "herald-dev-\(common.instanceID)", logger: logger)
        // The registry this process runs, whatever --registry-url says.
        let registryAddress = "127.0.0.1:50050"

        let registryConfiguration: RegistryServer.Configuration = try common.configuration("registry")
        let registry = try RegistryServer.build(registryConfiguration, logger: Logger(label: "herald.registry"))

        var producerConfiguration: ProducerServer.Configuration = try common.configuration("producer")
        producerConfiguration.registryAddress = registryAddress
        producerConfiguration.partitions = partitions
        let producer = try await ProducerServer.build(producerConfiguration, logger: Logger(label: "herald.producer"))

        var routerConfiguration: RouterServer.Configuration = try common.configuration("router")
        routerConfiguration.partitions = partitions
        let router = try await RouterServer.build(routerConfiguration, logger: Logger(label: "herald.router"))

        var deliveryConfiguration: DeliveryServer.Configuration = try common.configuration("delivery")
        deliveryConfiguration.registryAddress = registryAddress
        deliveryConfiguration.partitions = partitions
        deliveryConfiguration.allowPrivateEndpoints = true
        if let key = HeraldEnvironment.string("secret-key", default: "").nonEmpty { deliveryConfiguration.secretKey = .base64(key) }
        logger.warning("Development mode: delivery accepts endpoints on loopback and private addresses")
        let delivery = try await DeliveryServer.build(deliveryConfiguration, logger: Logger(label: "herald.delivery"))

        var services: [any Service] = registry.services + producer.services + router.services + delivery.services
        if withSink {
            let sink = WebhookSink(secret: try sinkSecret.map { try WebhookSecret($0) })
            let (application, _) = HeraldHTTP.application(
                router: sink.router(), host: common.host, port: sinkPort, serverName: "herald-sink", logger: Logger(label: "herald.sink"))
            services.append(application)
        }
        let group = ServiceRunner.group(of: services, shutdownTimeout: .seconds(common.shutdownTimeout), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                // Ready once the registry serves (its log replayed, a leader elected).
                while !registry.health.isServing { try await Task.sleep(for: .milliseconds(50)) }
                logger.info("Herald dev ready", metadata: [
                    "registry": "grpc 50050 http 8081", "producer": "grpc 50051 http 8091", "router": "grpc 50052 http 8092",
                    "delivery": "grpc 50053 http 8093", "sink": "\(withSink ? "http \(sinkPort)" : "off")",
                ])
            }
            try await tasks.waitForAll()
        }
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
