import Foundation
import GRPCCore
import HeraldRuntime
public import GRPCNIOTransportHTTP2Posix
public import HeraldKafka
public import HeraldProtos
public import Logging

/// Topic, group and id names of one stack, so runs never see each other's data.
public struct StackNames: Sendable {
    public let prefix: String
    public var events: String { "\(prefix).events" }
    public var routes: String { "\(prefix).routes" }
    public var dedupe: String { "\(prefix).router-dedupe" }
    public var deliveries: String { "\(prefix).deliveries" }
    public var status: String { "\(prefix).delivery-status" }
    public var endpoints: String { "\(prefix).endpoints" }

    /// The services' `--instance-id`: their transactional ids and static group members. Unique per
    /// stack, so two stacks on one broker (suites run in parallel) never fence each other.
    public let instanceID: String

    public init(label: String = "herald-e2e") {
        let unique = UInt32.random(in: 0...UInt32.max)
        prefix = "\(label).\(ProcessInfo.processInfo.processIdentifier).\(unique)"
        instanceID = "e2e-\(unique)"
    }
}

/// herald-registry, herald-producer, herald-router and herald-delivery as child processes (one
/// instance each), each restartable after a SIGKILL on the same ports with the same instance id.
/// Used by the end-to-end and chaos suites and by `herald-bench chaos`. Over the TLS-only Kafka
/// arrangement (`TestEnvironment.overTLS`) every service reaches Kafka over verified TLS and
/// serves gRPC and HTTP over TLS with certificates made for the stack, which the producer and
/// delivery trust for their registry calls and the stack's clients for theirs.
public struct HeraldStack: Sendable {
    public let names: StackNames
    public let registry: SupervisedService
    public let producer: SupervisedService
    public let router: SupervisedService
    public let delivery: SupervisedService
    public let kafka: KafkaConfiguration
    public let logger: Logger
    /// The listeners' certificates when the stack serves TLS; nil when it serves plaintext.
    public let certificates: TestCertificates?

    /// The four services, in the order they start.
    public var services: [SupervisedService] { [registry, producer, router, delivery] }

    public static let brokers = TestEnvironment.brokers

    /// - Parameter arguments: more options every service takes (e.g. `--otel-endpoint`).
    public static func start(
        partitions: Int = 6, names: StackNames = StackNames(), brokers: String = brokers, arguments: [String] = []
    ) async throws -> HeraldStack {
        let certificates = try TestEnvironment.overTLS ? TestCertificates.make() : nil
        do {
            return try await start(partitions: partitions, names: names, brokers: brokers, certificates: certificates, arguments: arguments)
        } catch {
            certificates?.remove()
            throw error
        }
    }

    private static func start(
        partitions: Int, names: StackNames, brokers: String, certificates: TestCertificates?, arguments: [String]
    ) async throws -> HeraldStack {
        let p = names.prefix
        let listenerTLS = certificates.map {
            ["--tls-cert-file", $0.serverCertificateFile, "--tls-key-file", $0.serverKeyFile, "--tls-ca-file", $0.caFile]
        } ?? []
        let common = ["--kafka-brokers", brokers, "--instance-id", names.instanceID, "--kafka-timeout-ms", "10000"]
            + TestEnvironment.kafkaSecurityArguments + listenerTLS + arguments
        let registry = try await SupervisedService.start("registry", executable: "herald-registry", arguments: common + [
            "--schemas-topic", "\(p)._schemas", "--election-topic", "\(p)._schemas.election",
            "--election-group", "\(p).registry", "--leader-transactional-id", "\(p).registry-leader",
        ], readyMessage: "Registry listening")
        var started = [registry]
        do {
            let registryURL = ["--registry-url", "127.0.0.1:\(registry.grpcPort)"]
            let producer = try await SupervisedService.start("producer", executable: "herald-producer", arguments: common + registryURL + [
                "--events-topic", names.events, "--partitions", "\(partitions)",
            ], readyMessage: "Producer listening")
            started.append(producer)
            let router = try await SupervisedService.start("router", executable: "herald-router", arguments: common + [
                "--events-topic", names.events, "--routes-topic", names.routes, "--dedupe-topic", names.dedupe,
                "--deliveries-topic", names.deliveries, "--partitions", "\(partitions)", "--consumer-group", "\(p).router",
            ], readyMessage: "Router listening")
            started.append(router)
            let delivery = try await SupervisedService.start("delivery", executable: "herald-delivery", arguments: common + registryURL + [
                "--deliveries-topic", names.deliveries, "--status-topic", names.status, "--endpoints-topic", names.endpoints,
                "--dlq-topic", "\(p).deliveries.dlq", "--retry-topic-prefix", "\(p).deliveries.retry",
                "--attempts-topic", "\(p).delivery-attempts", "--data-dir", NSTemporaryDirectory() + "\(p).delivery",
                "--retry-schedule-ms", "500,1000,2000", "--partitions", "\(partitions)", "--consumer-group", "\(p).delivery",
                "--allow-private-endpoints",
            ], environment: ["HERALD_SECRET_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()],
            readyMessage: "Delivery listening")
            var logger = Logger(label: "herald-stack")
            logger.logLevel = .warning
            return HeraldStack(
                names: names, registry: registry, producer: producer, router: router, delivery: delivery,
                kafka: TestEnvironment.kafka(brokers: brokers), logger: logger, certificates: certificates)
        } catch {
            started.forEach { $0.kill() }
            throw error
        }
    }

    /// SIGTERM in reverse order; each must exit 0.
    public func stop() async throws {
        defer { certificates?.remove() }
        for service in services.reversed() {
            let status = service.terminate()
            if status != 0 { throw UncleanExit(service: service.name, status: status, log: service.log) }
        }
    }

    /// The last lines each service logged, for a failure message.
    public func logTails(lines: Int = 15) -> String {
        services.map { service in
            "--- herald-\(service.name)\n" + service.log.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    public func kill() {
        services.reversed().forEach { $0.kill() }
        certificates?.remove()
    }

    /// How a gRPC client reaches the stack's services: TLS trusting the stack's CA, or plaintext.
    public var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        ClientTLS(caFile: certificates?.caFile).transportSecurity
    }

    /// One scrape of `service`'s `/metrics`, over HTTPS when the stack serves TLS.
    public func metrics(of service: SupervisedService) async throws -> MetricsScrape {
        try await MetricsScrape.fetch(httpPort: service.httpPort, caFile: certificates?.caFile)
    }

    public struct UncleanExit: Error, CustomStringConvertible {
        public let service: String
        public let status: Int32
        public let log: String
        public var description: String { "herald-\(service) exited \(status) on SIGTERM:\n\(log.suffix(4000))" }
    }

    public func withClients<Result: Sendable>(
        _ body: (
            Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>, Herald_V1_Producer.Client<HTTP2ClientTransport.Posix>,
            Herald_V1_Router.Client<HTTP2ClientTransport.Posix>, Herald_V1_Delivery.Client<HTTP2ClientTransport.Posix>
        ) async throws -> Result
    ) async throws -> Result {
        func transport(_ service: SupervisedService) throws -> HTTP2ClientTransport.Posix {
            try .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: service.grpcPort), transportSecurity: transportSecurity)
        }
        return try await withGRPCClient(transport: transport(registry), interceptors: TestKeys.interceptors) { registryClient in
            try await withGRPCClient(transport: transport(producer), interceptors: TestKeys.interceptors) { producerClient in
                try await withGRPCClient(transport: transport(router), interceptors: TestKeys.interceptors) { routerClient in
                    try await withGRPCClient(transport: transport(delivery), interceptors: TestKeys.interceptors) { deliveryClient in
                        try await body(
                            Herald_V1_Registry.Client(wrapping: registryClient), Herald_V1_Producer.Client(wrapping: producerClient),
                            Herald_V1_Router.Client(wrapping: routerClient), Herald_V1_Delivery.Client(wrapping: deliveryClient))
                    }
                }
            }
        }
    }
}
