import AsyncHTTPClient
import Foundation
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import Logging
import NIOCore
import NIOHTTP1
import SwiftProtobuf
import Synchronization

/// The baseline: the transport alone. The publisher writes each event's webhook body (the same
/// CloudEvents JSON Herald sends) with a plain idempotent librdkafka producer (acks=all); one
/// consumer reads them and POSTs each, signed like Herald's, to the same receiver through an HTTP
/// client configured like Herald's, with endpoints × concurrency requests in flight. No gRPC, no
/// schema, no Avro, no transactions, no routing, no de-duplication, no status records, no commits.
final class BarePipeline: EndToEndPipeline {
    let side = EndToEndRun.Side.baseline
    private let topic: String
    private let producer: KafkaProducer
    private let consumer: KafkaConsumer
    private let client: HTTPClient
    private let forwarding: Task<Void, any Error>
    private let forwardingFailure: LockedValue<String?>
    private let kafka: KafkaConfiguration
    private let logger: Logger

    private init(topic: String, producer: KafkaProducer, consumer: KafkaConsumer, client: HTTPClient, forwarding: Task<Void, any Error>,
                 forwardingFailure: LockedValue<String?>, kafka: KafkaConfiguration, logger: Logger) {
        self.forwardingFailure = forwardingFailure
        self.topic = topic
        self.producer = producer
        self.consumer = consumer
        self.client = client
        self.forwarding = forwarding
        self.kafka = kafka
        self.logger = logger
    }

    static func start(kafka: KafkaConfiguration, target: EndToEndTarget, logger: Logger) async throws -> BarePipeline {
        let suffix = "\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        let topic = "herald-bench-e2e.bare.\(suffix)"
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopic(topic, partitions: target.partitions, ignoreIfExists: true)
        await admin.close()
        let secret = try WebhookSecret(target.secret)
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        let consumer = try KafkaConsumer(configuration: kafka, options: .init(groupID: "herald-bench-e2e.bare.\(suffix)"), logger: logger)
        try await consumer.subscribe([topic])
        let client = WebhookSender.makeClient(connectTimeout: .seconds(5), connectionsPerEndpoint: target.concurrency)
        let url = target.receiverURL
        let inFlight = target.endpoints * target.concurrency
        let failure = LockedValue<String?>(nil)
        let forwarding = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { posts in
                    var running = 0
                    for try await event in consumer.events {
                        guard case .message(let message) = event, let body = message.value,
                              let webhookID = message.header("webhook-id").map({ String(decoding: $0, as: UTF8.self) }) else { continue }
                        if running == inFlight {
                            try await posts.next()
                            running -= 1
                        }
                        running += 1
                        posts.addTask {
                            var request = HTTPClientRequest(url: url)
                            request.method = .POST
                            let timestamp = Int64(Date().timeIntervalSince1970)
                            request.headers.add(name: "content-type", value: CloudEventBody.contentType)
                            request.headers.add(name: "webhook-id", value: webhookID)
                            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
                            request.headers.add(name: "webhook-signature", value: secret.signature(id: webhookID, timestamp: timestamp, body: body))
                            request.body = .bytes(ByteBuffer(bytes: body))
                            let response = try await client.execute(request, timeout: .seconds(30))
                            for try await _ in response.body {}
                            guard response.status.code / 100 == 2 else { throw BenchFailure(description: "the receiver answered \(response.status.code)") }
                        }
                    }
                }
            } catch {
                if !Task.isCancelled { failure.withLock { $0 = "the baseline's forwarding loop stopped: \(error)" } }
                throw error
            }
        }
        return BarePipeline(topic: topic, producer: producer, consumer: consumer, client: client, forwarding: forwarding,
                            forwardingFailure: failure, kafka: kafka, logger: logger)
    }

    func publish(_ events: BenchEvents, schedule: PacedSchedule, start: ContinuousClock.Instant, sent: SendCounter) async throws -> Int {
        var pending: [PendingDelivery] = []
        pending.reserveCapacity(schedule.count)
        try await OpenLoopPacer.run(schedule, start: start, sent: sent) { index in
            let task = Herald_V1_DeliveryTask.with {
                $0.eventID = events.id(index)
                $0.eventSource = events.source(index)
                $0.eventType = BenchEvents.type
                $0.eventSubject = events.subject(index)
                $0.eventTime = Google_Protobuf_Timestamp(date: Date())
            }
            let endpoint = BenchEvents.endpointID(events.endpoint(index))
            pending.append(try await producer.enqueue(ProducerRecord(
                topic: topic, key: Array(endpoint.utf8), value: CloudEventBody.render(task, dataJSON: events.dataJSON(index)),
                headers: [KafkaHeader(name: "webhook-id", value: Array("bare-\(events.id(index))|\(endpoint)".utf8))])))
        }
        var rejected = 0
        for delivery in pending {
            do { _ = try await delivery.report } catch { rejected += 1 }
        }
        return rejected
    }

    var failure: String? { forwardingFailure.withLock { $0 } }

    func stop() async {
        forwarding.cancel()
        await consumer.close()
        _ = await forwarding.result
        await producer.close()
        try? await client.shutdown()
        if let admin = try? KafkaAdmin(configuration: kafka, logger: logger) {
            try? await admin.deleteTopic(topic)
            await admin.close()
        }
    }
}
