import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldAvro
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import Hummingbird
import HeraldRegistry
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// `herald-bench delivery`: deliveries per second from `herald.deliveries` to a local receiver and
/// the time from a task being written to its 2xx, beside a baseline that POSTs the same signed
/// bodies straight from a loop with the same concurrency (no Kafka, no status, no retries).
struct DeliveryBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery",
        abstract: "Deliveries per second to a local receiver and p50/p99 from task to 2xx, beside direct POSTs."
    )

    @OptionGroup var shared: BenchSharedOptions
    @Option(help: "Tasks to deliver.") var tasks = 5000
    @Option(help: "Endpoints the tasks are spread over (all on the same local receiver port).") var endpoints = 4
    @Option(help: "Requests in flight per endpoint.") var concurrency = 8

    func run() async throws {
        let logger = Logger.bench("herald.bench.delivery")
        let kafka = shared.kafka()
        let registry = try await InProcessRegistry.start(kafka: kafka, prefix: "herald-bench", logger: logger)
        let schemaText = #"{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"}]}"#
        let schemaID = try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: registry.grpcPort), transportSecurity: .plaintext)) {
            try await Herald_V1_Registry.Client(wrapping: $0).registerSchema(.with { $0.subject = "bench-orders-value"; $0.schema = schemaText }).id
        }
        let schema = try AvroSchema(parsing: schemaText)

        // The receiver: notes when each webhook-id arrived, answers 200.
        let state = BenchState()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            let id = request.headers.first { $0.name.canonicalName == "webhook-id" }?.value ?? ""
            state.arrivals.withLock { $0[id] = $0[id] ?? .now }
            return Response(status: .ok)
        }
        let (receiver, receiverPort) = HeraldHTTP.application(router: router, host: "127.0.0.1", port: 0, serverName: "bench-receiver", logger: logger)
        let receiverGroup = ServiceGroup(services: [receiver], logger: logger)
        let receiverTask = Task { try await receiverGroup.run() }
        let url = "http://127.0.0.1:\(await receiverPort.value)/hook"

        let suffix = "\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        let configuration = DeliveryServer.Configuration.bench(
            kafka: kafka, prefix: "herald-bench", suffix: suffix, registryAddress: registry.grpcAddress, partitions: 6, concurrency: concurrency)
        let server = try await DeliveryServer.build(configuration, logger: logger)
        let serverGroup = ServiceGroup(services: server.services, logger: logger)
        let serverTask = Task { try await serverGroup.run() }
        while !server.health.isServing { try await Task.sleep(for: .milliseconds(20)) }
        let secret = WebhookSecret.generate()
        let endpointIDs = (0..<endpoints).map { "bench-\($0)" }
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: try await server.grpc.boundPort()), transportSecurity: .plaintext)) { client in
            let delivery = Herald_V1_Delivery.Client(wrapping: client)
            for id in endpointIDs {
                _ = try await delivery.putEndpoint(.with { $0.endpoint = .with { $0.id = id; $0.url = url; $0.secret = secret; $0.enabled = true } })
            }
        }

        let payload = try schema.encodeJSON(#"{"order_id":"o-1","items":3}"#)
        let batch = (0..<tasks).map { index in
            Herald_V1_DeliveryTask.with {
                $0.deliveryID = "bench-\(suffix)-\(index)"
                $0.eventID = "\(index)"
                $0.eventSource = "/bench"
                $0.eventType = "com.example.order.shipped"
                $0.eventTime = Google_Protobuf_Timestamp(date: Date())
                $0.schemaID = schemaID
                $0.payload = Data(payload)
                $0.endpointID = endpointIDs[index % endpointIDs.count]
                $0.routeID = "bench"
            }
        }

        // Herald: tasks written as fast as the producer takes them; each latency is write → receiver.
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        var written: [String: ContinuousClock.Instant] = [:]
        let start = ContinuousClock.now
        var pending: [PendingDelivery] = []
        for var task in batch {
            task.createdAt = Google_Protobuf_Timestamp(date: Date())
            written[task.deliveryID] = .now
            pending.append(try await producer.enqueue(ProducerRecord(topic: configuration.topics.deliveries, key: Array(task.endpointID.utf8), value: try task.serializedBytes())))
        }
        for delivery in pending { _ = try await delivery.report }
        await producer.close()
        while state.arrivals.withLock({ $0.count }) < tasks { try await Task.sleep(for: .milliseconds(20)) }
        let received = state.arrivals.withLock { $0 }
        let heraldElapsed = received.values.max()! - start
        let heraldLatencies = batch.map { (received[$0.deliveryID]! - written[$0.deliveryID]!) }

        // Baseline: the same signed bodies POSTed directly with the same total concurrency.
        state.arrivals.withLock { $0 = [:] }
        let key = try WebhookSecret(secret)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let bodies = batch.map { CloudEventBody.render($0, dataJSON: #"{"order_id":"o-1","items":3}"#) }
        let baselineStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<(concurrency * endpoints) {
                group.addTask {
                    while true {
                        let index = state.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < tasks else { return }
                        let began = ContinuousClock.now
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        let timestamp = Int64(Date().timeIntervalSince1970)
                        request.headers.add(name: "content-type", value: CloudEventBody.contentType)
                        request.headers.add(name: "webhook-id", value: batch[index].deliveryID)
                        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
                        request.headers.add(name: "webhook-signature", value: key.signature(id: batch[index].deliveryID, timestamp: timestamp, body: bodies[index]))
                        request.body = .bytes(ByteBuffer(bytes: bodies[index]))
                        let response = try await client.execute(request, timeout: .seconds(30))
                        for try await _ in response.body {}
                        let took = ContinuousClock.now - began
                        state.latencies.withLock { $0.append(took) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let baselineElapsed = ContinuousClock.now - baselineStart
        try await client.shutdown()

        func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18 }
        func percentiles(_ values: [Duration]) -> (Double, Double) {
            let sorted = values.map(seconds).sorted()
            return (sorted[sorted.count / 2] * 1000, sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))] * 1000)
        }
        let (hp50, hp99) = percentiles(heraldLatencies)
        let (bp50, bp99) = percentiles(state.latencies.withLock { $0 })
        let heraldRate = Double(tasks) / seconds(heraldElapsed)
        let baselineRate = Double(tasks) / seconds(baselineElapsed)
        print("delivery: \(tasks) tasks written at once over \(endpoints) endpoints, \(concurrency) in flight per endpoint, local receiver (latency includes queueing behind the burst)")
        func row(_ name: String, _ values: String...) -> String {
            name.padding(toLength: 46, withPad: " ", startingAt: 0) + values.map { String(repeating: " ", count: max(0, 13 - $0.count)) + $0 }.joined()
        }
        print(row("", "deliveries/s", "p50 ms", "p99 ms"))
        print(row("herald (task written → webhook received)", String(format: "%.0f", heraldRate), String(format: "%.1f", hp50), String(format: "%.1f", hp99)))
        print(row("baseline (direct signed POSTs)", String(format: "%.0f", baselineRate), String(format: "%.1f", bp50), String(format: "%.1f", bp99)))
        print(String(format: "herald / baseline throughput: %.2f", heraldRate / baselineRate))

        await serverGroup.triggerGracefulShutdown()
        try? await serverTask.value
        await receiverGroup.triggerGracefulShutdown()
        try? await receiverTask.value
        try await registry.stop()
    }
}

private final class BenchState: Sendable {
    let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])
    let next = Atomic<Int>(0)
    let latencies = Mutex<[Duration]>([])
}
