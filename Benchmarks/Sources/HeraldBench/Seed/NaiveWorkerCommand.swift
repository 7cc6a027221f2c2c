import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRPCCore
import HeraldKafka
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import Logging
import NIOCore
import NIOHTTP1
import SwiftProtobuf
import Synchronization

/// `herald-bench naive-worker` (hidden): the "usual first attempt" the seed scenario compares
/// Herald with, run as a child process so it can be SIGKILLed like Herald's services.
/// `--role ingest` answers `herald.v1.Producer/Publish` by writing the event as JSON with a plain
/// producer (no transaction, no idempotence, random partitioning) and acknowledging on the
/// delivery report. `--role deliver` consumes with offsets committed every 5 s for whatever was
/// read (what `enable.auto.commit` does), and POSTs each event to every endpoint its route names
/// with a fresh webhook-id per request — no de-duplication, no delivery records.
struct NaiveWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "naive-worker",
        abstract: "The naive pipeline of `herald-bench seed` (one role per process).",
        shouldDisplay: false
    )

    enum Role: String, ExpressibleByArgument { case ingest, deliver }

    @Option(help: "ingest (gRPC Publish → Kafka) or deliver (Kafka → webhooks).") var role: Role
    @Option(help: "Kafka bootstrap servers.") var bootstrapServers: String
    @Option(help: "The events topic.") var topic: String
    @Option(help: "Consumer group of the deliver role.") var group: String
    @Option(help: "Static group membership of the deliver role.") var instanceId: String
    @Option(help: "Where every endpoint's webhooks go.") var receiverUrl: String
    @Option(help: "gRPC port of the ingest role (0 = any).") var grpcPort = 0
    @Option(help: "Accepted for the supervisor; no HTTP server runs.") var httpPort = 0

    /// How often the deliver role commits what it has read (librdkafka's auto.commit.interval.ms default).
    static let autoCommitInterval = Duration.seconds(5)
    /// Requests the deliver role has in flight at most.
    static let concurrency = 16

    func run() async throws {
        HeraldLogging.bootstrap(level: .info)
        let logger = Logger(label: "herald.naive.\(role.rawValue)")
        let kafka = KafkaConfiguration(bootstrapServers: bootstrapServers.split(separator: ",").map(String.init))
        switch role {
        case .ingest: try await ingest(kafka: kafka, logger: logger)
        case .deliver: try await deliver(kafka: kafka, logger: logger)
        }
    }

    private func ingest(kafka: KafkaConfiguration, logger: Logger) async throws {
        let producer = try KafkaProducer(configuration: kafka, options: .init(partitioner: .random, isIdempotent: false), logger: logger)
        let server = GRPCServerService(host: "127.0.0.1", port: grpcPort, services: [NaiveIngestService(producer: producer, topic: topic)], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await server.run() }
            let port = try await server.boundPort()
            logger.info("Naive ingest listening", metadata: ["grpc.port": "\(port)", "http.port": "0"])
            try await tasks.waitForAll()
        }
    }

    private func deliver(kafka: KafkaConfiguration, logger: Logger) async throws {
        // Static membership only because the local broker never evicts a SIGKILLed member (docs/ARCHITECTURE.md, the local broker).
        let consumer = try KafkaConsumer(
            configuration: kafka,
            options: .init(groupID: group, groupInstanceID: instanceId, isolationLevel: .readUncommitted, sessionTimeout: .seconds(10)),
            logger: logger)
        try await consumer.subscribe([topic])
        logger.info("Naive worker listening", metadata: ["grpc.port": "0", "http.port": "0"])
        let read = ReadOffsets()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let receiverURL = receiverUrl
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                while true {
                    try await Task.sleep(for: Self.autoCommitInterval)
                    let offsets = read.offsets.withLock { $0.map { TopicPartitionOffset($0.key, offset: $0.value + 1) } }
                    if !offsets.isEmpty { try? await consumer.commit(offsets) }
                }
            }
            var inFlight = 0
            for try await event in consumer.events {
                guard case .message(let message) = event else { continue }
                read.offsets.withLock { $0[message.topicPartition] = message.offset }
                if inFlight >= Self.concurrency {
                    try await tasks.next()
                    inFlight -= 1
                }
                inFlight += 1
                tasks.addTask { await Self.post(message, to: receiverURL, with: client, logger: logger) }
            }
        }
    }

    /// POSTs the event to each endpoint its route names; a failed request is tried twice more, then dropped.
    static func post(_ message: KafkaMessage, to url: String, with client: HTTPClient, logger: Logger) async {
        guard let value = message.value,
              let event = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
              let source = event["source"] as? String
        else { return }
        for endpoint in ChaosWorkload.endpoints(forSource: source) {
            for attempt in 1...3 {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                request.headers.add(name: "webhook-id", value: UUID().uuidString)
                request.headers.add(name: ChaosWorkload.endpointHeader, value: endpoint)
                request.body = .bytes(ByteBuffer(bytes: value))
                do {
                    let response = try await client.execute(request, timeout: .seconds(10))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    if (200..<300).contains(response.status.code) { break }
                } catch {
                    logger.warning("webhook failed", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                }
            }
        }
    }
}

/// The highest offset handed to the deliver loop per partition: what auto-commit would commit.
private final class ReadOffsets: Sendable {
    let offsets = Mutex<[TopicPartition: Int64]>([:])
}

/// Publish → one JSON record, acknowledged once the broker acknowledged it.
struct NaiveIngestService: Herald_V1_Producer.SimpleServiceProtocol {
    let producer: KafkaProducer
    let topic: String

    func publish(request: Herald_V1_PublishRequest, context: ServerContext) async throws -> Herald_V1_PublishResponse {
        let event = request.event
        guard let data = try? JSONSerialization.jsonObject(with: Data(event.json.utf8)) else {
            throw RPCError(code: .invalidArgument, message: "event.json: not JSON")
        }
        let body: [String: Any] = ["id": event.id, "source": event.source, "type": event.type, "subject": event.subject, "data": data]
        let value = try JSONSerialization.data(withJSONObject: body)
        let report: DeliveryReport
        do {
            report = try await producer.send(ProducerRecord(topic: topic, key: nil, value: Array(value)))
        } catch {
            throw RPCError(code: .unavailable, message: "\(error)")
        }
        return .with {
            $0.id = event.id
            $0.partition = report.partition
            $0.offset = report.offset
        }
    }

    func publishBatch(request: Herald_V1_PublishBatchRequest, context: ServerContext) async throws -> Herald_V1_PublishBatchResponse {
        throw RPCError(code: .unimplemented, message: "the naive ingest answers Publish only")
    }

    func publishStream(
        request: RPCAsyncSequence<Herald_V1_PublishRequest, any Error>, response: RPCWriter<Herald_V1_PublishResponse>, context: ServerContext
    ) async throws {
        throw RPCError(code: .unimplemented, message: "the naive ingest answers Publish only")
    }
}
