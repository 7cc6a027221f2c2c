import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldKafka
import HeraldProtos
import HeraldTestSupport
import Logging

/// Topic, group and id names of one stack, so runs never see each other's data.
struct StackNames: Sendable {
    let prefix: String
    var events: String { "\(prefix).events" }
    var routes: String { "\(prefix).routes" }
    var dedupe: String { "\(prefix).router-dedupe" }
    var deliveries: String { "\(prefix).deliveries" }
    var status: String { "\(prefix).delivery-status" }
    var endpoints: String { "\(prefix).endpoints" }

    init() {
        prefix = "herald-e2e.\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// herald-registry, herald-producer, herald-router and herald-delivery as child processes.
struct HeraldStack: Sendable {
    let names: StackNames
    let registry: ServiceProcess
    let producer: ServiceProcess
    let router: ServiceProcess
    let delivery: ServiceProcess
    let kafka: KafkaConfiguration
    let logger: Logger

    static let brokers = ProcessInfo.processInfo.environment["HERALD_KAFKA_BROKERS"] ?? "127.0.0.1:9092"

    static func start(partitions: Int = 6) async throws -> HeraldStack {
        let names = StackNames()
        let p = names.prefix
        let common = ["--kafka-brokers", brokers, "--grpc-port", "0", "--http-port", "0", "--instance-id", "e2e", "--kafka-timeout-ms", "10000"]
        let registry = try await ServiceProcess.start("herald-registry", arguments: common + [
            "--schemas-topic", "\(p)._schemas", "--election-topic", "\(p)._schemas.election",
            "--election-group", "\(p).registry", "--leader-transactional-id", "\(p).registry-leader",
        ], readyMessage: "Registry listening")
        var started = [registry]
        do {
            let registryURL = ["--registry-url", "127.0.0.1:\(registry.grpcPort)"]
            let producer = try await ServiceProcess.start("herald-producer", arguments: common + registryURL + [
                "--events-topic", names.events, "--partitions", "\(partitions)",
            ], readyMessage: "Producer listening")
            started.append(producer)
            let router = try await ServiceProcess.start("herald-router", arguments: common + [
                "--events-topic", names.events, "--routes-topic", names.routes, "--dedupe-topic", names.dedupe,
                "--deliveries-topic", names.deliveries, "--partitions", "\(partitions)", "--consumer-group", "\(p).router",
            ], readyMessage: "Router listening")
            started.append(router)
            let delivery = try await ServiceProcess.start("herald-delivery", arguments: common + registryURL + [
                "--deliveries-topic", names.deliveries, "--status-topic", names.status, "--endpoints-topic", names.endpoints,
                "--dlq-topic", "\(p).deliveries.dlq", "--retry-topic-prefix", "\(p).deliveries.retry",
                "--retry-schedule-ms", "500,1000,2000", "--partitions", "\(partitions)", "--consumer-group", "\(p).delivery",
                "--allow-private-endpoints",
            ], environment: ["HERALD_SECRET_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()],
            readyMessage: "Delivery listening")
            var logger = Logger(label: "herald-e2e-tests")
            logger.logLevel = .warning
            return HeraldStack(
                names: names, registry: registry, producer: producer, router: router, delivery: delivery,
                kafka: KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init), requestTimeout: .seconds(20)),
                logger: logger)
        } catch {
            started.forEach { $0.kill() }
            throw error
        }
    }

    /// SIGTERM in reverse order; each must exit 0.
    func stop() async throws {
        for (name, process) in [("delivery", delivery), ("router", router), ("producer", producer), ("registry", registry)] {
            let status = process.terminate()
            if status != 0 { throw UncleanExit(service: name, status: status, log: process.log) }
        }
    }

    /// The last lines each service logged, for a failure message.
    func logTails(lines: Int = 15) -> String {
        [("registry", registry), ("producer", producer), ("router", router), ("delivery", delivery)].map { name, process in
            "--- herald-\(name)\n" + process.log.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func kill() {
        [delivery, router, producer, registry].forEach { $0.kill() }
    }

    struct UncleanExit: Error, CustomStringConvertible {
        let service: String
        let status: Int32
        let log: String
        var description: String { "herald-\(service) exited \(status) on SIGTERM:\n\(log.suffix(4000))" }
    }

    func withClients<Result: Sendable>(
        _ body: (
            Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>, Herald_V1_Producer.Client<HTTP2ClientTransport.Posix>,
            Herald_V1_Router.Client<HTTP2ClientTransport.Posix>, Herald_V1_Delivery.Client<HTTP2ClientTransport.Posix>
        ) async throws -> Result
    ) async throws -> Result {
        func transport(_ process: ServiceProcess) throws -> HTTP2ClientTransport.Posix {
            try .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: process.grpcPort), transportSecurity: .plaintext)
        }
        return try await withGRPCClient(transport: transport(registry)) { registryClient in
            try await withGRPCClient(transport: transport(producer)) { producerClient in
                try await withGRPCClient(transport: transport(router)) { routerClient in
                    try await withGRPCClient(transport: transport(delivery)) { deliveryClient in
                        try await body(
                            Herald_V1_Registry.Client(wrapping: registryClient), Herald_V1_Producer.Client(wrapping: producerClient),
                            Herald_V1_Router.Client(wrapping: routerClient), Herald_V1_Delivery.Client(wrapping: deliveryClient))
                    }
                }
            }
        }
    }
}
