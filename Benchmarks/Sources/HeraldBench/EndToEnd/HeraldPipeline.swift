import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import HeraldRegistry
import HeraldRouter
import HeraldRuntime
import HeraldTestSupport
import Logging
import ServiceLifecycle
import SwiftProtobuf

/// Herald's side: registry, producer, router and delivery — the very `…Server.build` assemblies
/// the executables (and `herald dev`) run, with their default settings — in this process, on free
/// ports and with topic, group and transactional-id names of their own. One route per endpoint,
/// matching one source each; events go in over `PublishStream`.
final class HeraldPipeline: EndToEndPipeline {
    let side = EndToEndRun.Side.herald
    private let registry: InProcessRegistry
    private let producer: InProcessProducer
    private let running: [(group: ServiceGroup, task: Task<Void, any Error>)]
    private let topics: [String]
    private let kafka: KafkaConfiguration
    private let logger: Logger

    private init(registry: InProcessRegistry, producer: InProcessProducer, running: [(ServiceGroup, Task<Void, any Error>)],
                 topics: [String], kafka: KafkaConfiguration, logger: Logger) {
        self.registry = registry
        self.producer = producer
        self.running = running.map { (group: $0.0, task: $0.1) }
        self.topics = topics
        self.kafka = kafka
        self.logger = logger
    }

    static func start(kafka: KafkaConfiguration, target: EndToEndTarget, logger: Logger) async throws -> HeraldPipeline {
        let suffix = "\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        let prefix = "herald-bench-e2e"
        let registry = try await InProcessRegistry.start(kafka: kafka, prefix: prefix, logger: logger)
        var running: [(ServiceGroup, Task<Void, any Error>)] = []
        var producer: InProcessProducer?
        func stopStarted() async {
            for (group, task) in running.reversed() {
                await group.triggerGracefulShutdown()
                _ = try? await task.value
            }
            await producer?.stop()
            try? await registry.stop()
        }
        do {
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: registry.grpcPort), transportSecurity: .plaintext)) {
                _ = try await Herald_V1_Registry.Client(wrapping: $0).registerSchema(.with {
                    $0.subject = BenchEvents.schemaSubject
                    $0.schema = BenchEvents.schema
                })
            }
            let started = try await InProcessProducer.start(kafka: kafka, registry: registry, partitions: target.partitions, prefix: prefix, logger: logger)
            producer = started

            let delivery = DeliveryServer.Configuration.bench(
                kafka: kafka, prefix: prefix, suffix: suffix, registryAddress: registry.grpcAddress,
                partitions: target.partitions, concurrency: target.concurrency)
            let deliveryTopics = delivery.topics
            var router = RouterServer.Configuration(kafka: kafka)
            router.grpcPort = 0
            router.httpPort = 0
            router.instanceID = "\(prefix).\(suffix)"
            router.groupID = "\(prefix).router.\(suffix)"
            router.eventsTopic = started.topic
            router.routesTopic = "\(prefix).routes.\(suffix)"
            router.dedupeTopic = "\(prefix).router-dedupe.\(suffix)"
            router.deliveriesTopic = deliveryTopics.deliveries
            router.partitions = target.partitions
            // The de-duplication stores on disk, as herald-router keeps them.
            router.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix).router-data.\(suffix)").path
            let routerServer = try await RouterServer.build(router, logger: logger)
            running.append(Self.run(routerServer.services, logger: logger))

            let deliveryServer = try await DeliveryServer.build(delivery, logger: logger)
            running.append(Self.run(deliveryServer.services, logger: logger))

            let deadline = ContinuousClock.now + .seconds(60)
            while !(routerServer.health.isServing && deliveryServer.health.isServing) {
                guard ContinuousClock.now < deadline else { throw BenchFailure(description: "the router and delivery services did not serve within 60 s") }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: try await deliveryServer.grpc.boundPort()), transportSecurity: .plaintext)) { client in
                let endpoints = Herald_V1_Delivery.Client(wrapping: client)
                for endpoint in 0..<target.endpoints {
                    _ = try await endpoints.putEndpoint(.with {
                        $0.endpoint = .with {
                            $0.id = BenchEvents.endpointID(endpoint)
                            $0.url = target.receiverURL
                            $0.secret = target.secret
                            $0.enabled = true
                        }
                    })
                }
            }
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: try await routerServer.grpc.boundPort()), transportSecurity: .plaintext)) { client in
                let routes = Herald_V1_Router.Client(wrapping: client)
                for endpoint in 0..<target.endpoints {
                    _ = try await routes.putRoute(.with {
                        $0.route = .with {
                            $0.id = "bench-e2e-\(endpoint)"
                            $0.filter.types = [BenchEvents.type]
                            $0.filter.sources = [BenchEvents.source(endpoint: endpoint)]
                            $0.endpointIds = [BenchEvents.endpointID(endpoint)]
                            $0.enabled = true
                        }
                    })
                }
            }
            let topics = [started.topic, router.routesTopic, router.dedupeTopic, router.deliveriesTopic,
                          deliveryTopics.status, deliveryTopics.endpoints, deliveryTopics.deadLetters] + deliveryTopics.retryTiers.topics
            return HeraldPipeline(registry: registry, producer: started, running: running, topics: topics, kafka: kafka, logger: logger)
        } catch {
            await stopStarted()
            throw error
        }
    }

    private static func run(_ services: [any Service], logger: Logger) -> (ServiceGroup, Task<Void, any Error>) {
        let group = ServiceGroup(services: services, logger: logger)
        return (group, Task { try await group.run() })
    }

    func publish(_ events: BenchEvents, schedule: PacedSchedule, start: ContinuousClock.Instant, sent: SendCounter) async throws -> Int {
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: producer.grpcPort), transportSecurity: .plaintext)) { client in
            try await Herald_V1_Producer.Client(wrapping: client).publishStream(requestProducer: { writer in
                try await OpenLoopPacer.run(schedule, start: start, sent: sent) { index in
                    try await writer.write(.with {
                        $0.event = .with {
                            $0.id = events.id(index)
                            $0.source = events.source(index)
                            $0.type = BenchEvents.type
                            $0.subject = events.subject(index)
                            $0.schema.subject = BenchEvents.schemaSubject
                            $0.json = events.dataJSON(index)
                        }
                    })
                }
            }, onResponse: { response in
                var answers = 0
                var rejected = 0
                for try await answer in response.messages {
                    answers += 1
                    if answer.errorCode != 0 { rejected += 1 }
                }
                guard answers == schedule.count else {
                    throw BenchFailure(description: "the producer answered \(answers) of \(schedule.count) events")
                }
                return rejected
            })
        }
    }

    /// Herald's services log their own failures; a broken pipeline shows as a run that does not drain.
    var failure: String? { nil }

    func stop() async {
        for (group, task) in running.reversed() {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
        await producer.stop()
        try? await registry.stop()
        // Best effort: the broker keeps what it stores, and slows as that grows.
        if let admin = try? KafkaAdmin(configuration: kafka, logger: logger) {
            for topic in topics { try? await admin.deleteTopic(topic) }
            await admin.close()
        }
    }
}
