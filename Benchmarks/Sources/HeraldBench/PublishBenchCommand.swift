import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldAvro
import HeraldCore
import HeraldKafka
import HeraldProducer
import HeraldProtos
import HeraldRuntime
import HeraldRegistry
import HeraldTestSupport
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// `herald-bench publish`: the producer service (the very `ProducerServer.build` assembly, with an
/// in-process registry, on the local broker) beside (a) a bare grpc-swift `herald.v1.Producer` that
/// answers every event at once — the RPC floor — and (b) transactional produce of the records the
/// producer wrote, through HeraldKafka with no gRPC or Avro — the Kafka floor. Then partition skew
/// of `type-source` and `adaptive` under Zipf(1.1) keys (issue 6's benchmark).
struct PublishBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish over PublishStream and unary Publish, beside a bare gRPC service and raw transactional produce."
    )

    @OptionGroup var shared: BenchSharedOptions

    @Option(help: "Events sent over one PublishStream, on each side.")
    var streamEvents = 30_000

    @Option(help: "Concurrent unary Publish callers.")
    var concurrency = 64

    @Option(help: "Seconds the unary workload runs, on each side.")
    var duration: Double = 5

    @Option(help: "Size of each event's Avro payload in bytes.")
    var payloadBytes = 1024

    @Option(help: "Partitions of the benchmark's events topic.")
    var partitions = 12

    @Option(help: "Records per transaction in the raw produce baseline (the producer's default batch bound).")
    var transactionRecords = 1000

    @Option(help: "Events drawn for the partition-skew comparison.")
    var skewEvents = 200_000

    @Flag(help: "Measure Herald only.")
    var skipBaseline = false

    func validate() throws {
        guard streamEvents > 0, concurrency > 0, partitions > 0, transactionRecords > 0, skewEvents > 0 else {
            throw ValidationError("--stream-events, --concurrency, --partitions, --transaction-records and --skew-events must be positive")
        }
        guard payloadBytes >= 64, duration > 0 else { throw ValidationError("--payload-bytes must be at least 64 and --duration positive") }
    }

    func run() async throws {
        let logger = Logger.bench("herald.bench.publish")
        let kafka = shared.kafka(requestTimeout: .seconds(20))
        print("Producer vs bare gRPC and raw transactional produce on \(shared.kafkaBrokers): \(payloadBytes) B Avro payloads, "
            + "\(streamEvents) events per stream, \(concurrency) unary callers for \(duration) s, \(partitions) partitions")

        let registry = try await InProcessRegistry.start(kafka: kafka, prefix: "herald-bench", logger: logger)
        let producer: InProcessProducer
        do {
            producer = try await InProcessProducer.start(kafka: kafka, registry: registry, partitions: partitions, prefix: "herald-bench", logger: logger)
        } catch {
            try? await registry.stop()
            throw error
        }
        var rows: [RegistryBenchRow] = []
        do {
            rows = try await measure(producer, registry: registry, kafka: kafka, logger: logger)
            await producer.stop()
            try await registry.stop()
        } catch {
            await producer.stop()
            try? await registry.stop()
            throw error
        }
        print()
        print(PublishBenchTable.render(rows))
        print()
        print(PublishBenchTable.renderSkew(PartitionSkew.measure(events: skewEvents, partitions: partitions)))
    }

    private func measure(_ producer: InProcessProducer, registry: InProcessRegistry, kafka: KafkaConfiguration, logger: Logger) async throws -> [RegistryBenchRow] {
        let events = try await PublishBenchWork.events(count: streamEvents, payloadBytes: payloadBytes, registry: registry)
        let bare = skipBaseline ? nil : try await BareProducer.start(logger: logger)
        do {
            let rows = try await measure(producer, bare: bare, events: events, kafka: kafka, logger: logger)
            await bare?.stop()
            return rows
        } catch {
            await bare?.stop()
            throw error
        }
    }

    private func measure(
        _ producer: InProcessProducer, bare: BareProducer?, events: [Herald_V1_Event], kafka: KafkaConfiguration, logger: Logger
    ) async throws -> [RegistryBenchRow] {
        var rows: [RegistryBenchRow] = []

        let stream = try await PublishBenchWork.stream(events, port: producer.grpcPort)
        var bareStream: KafkaBenchResult?
        if let bare { bareStream = try await PublishBenchWork.stream(events, port: bare.grpcPort) }
        rows.append(RegistryBenchRow(title: "PublishStream, 1 stream", unit: "events/s", herald: stream, baseline: bareStream,
                                     baselineName: "bare grpc-swift stream, same requests"))
        report(rows.last!)

        let unary = try await PublishBenchWork.unary(events, port: producer.grpcPort, callers: concurrency, seconds: duration)
        var bareUnary: KafkaBenchResult?
        if let bare { bareUnary = try await PublishBenchWork.unary(events, port: bare.grpcPort, callers: concurrency, seconds: duration) }
        rows.append(RegistryBenchRow(title: "Publish, \(concurrency) callers", unit: "events/s", herald: unary, baseline: bareUnary,
                                     baselineName: "bare grpc-swift unary, same requests"))
        report(rows.last!)

        if !skipBaseline {
            let records = try await PublishBenchWork.writtenRecords(topic: producer.topic, count: transactionRecords, kafka: kafka, logger: logger)
            let raw = try await PublishBenchWork.rawTransactions(records, count: streamEvents, kafka: kafka, logger: logger)
            rows.append(RegistryBenchRow(title: "PublishStream vs raw produce", unit: "events/s", herald: stream, baseline: raw,
                                         baselineName: "the same records, \(transactionRecords) per transaction, HeraldKafka (librdkafka) only"))
            report(rows.last!)
        }
        return rows
    }

    private func report(_ row: RegistryBenchRow) {
        var line = "  \(row.title.padding(toLength: 30, withPad: " ", startingAt: 0)) herald \(KafkaBenchTable.rate(row.herald.rate)) \(row.unit)"
        if let baseline = row.baseline { line += ", baseline \(KafkaBenchTable.rate(baseline.rate)) \(row.unit)" }
        print(line)
    }
}

enum PublishBenchWork {
    static let subject = "herald-bench-publish-value"
    static let schema = #"{"type":"record","name":"BenchPayload","namespace":"com.example.bench","fields":["#
        + #"{"name":"order_id","type":"string"},{"name":"sequence","type":"long"},{"name":"body","type":"string"}]}"#

    /// `count` events of `payloadBytes` Avro each, over 16 sources and many subjects.
    static func events(count: Int, payloadBytes: Int, registry: InProcessRegistry) async throws -> [Herald_V1_Event] {
        let schemaID = try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: registry.grpcPort), transportSecurity: .plaintext)
        ) { client in
            try await Herald_V1_Registry.Client(wrapping: client).registerSchema(.with {
                $0.subject = subject
                $0.schema = schema
            }).id
        }
        let avro = try AvroSchema(parsing: schema)
        let run = UInt32.random(in: 0...UInt32.max)
        var events: [Herald_V1_Event] = []
        events.reserveCapacity(count)
        // One body per length, not per event: building them dominated the set-up (and its profile).
        var bodies: [Int: String] = [:]
        for index in 0..<count {
            let orderID = "order-\(index % 5000)"
            // The body fills the payload up to the size asked for (string length prefix included).
            let length = max(0, payloadBytes - orderID.utf8.count - 12)
            let body = bodies[length] ?? String(repeating: "x", count: length)
            bodies[length] = body
            let payload = try avro.encodeJSON(#"{"order_id":"\#(orderID)","sequence":\#(index),"body":"\#(body)"}"#)
            events.append(.with {
                $0.id = "bench-\(run)-\(index)"
                $0.source = "/bench/shop-\(index % 16)"
                $0.type = "com.example.order.shipped"
                $0.subject = orderID
                $0.schema.id = schemaID
                $0.avro = Data(payload)
            })
        }
        return events
    }

    /// All events over one PublishStream; latency is write to answer, per event.
    static func stream(_ events: [Herald_V1_Event], port: Int) async throws -> KafkaBenchResult {
        try await withProducer(port: port) { producer in
            let sentAt = SendTimes(count: events.count)
            let start = ContinuousClock.now
            let latencies = try await producer.publishStream(requestProducer: { writer in
                for (index, event) in events.enumerated() {
                    sentAt.set(index)
                    try await writer.write(.with { $0.event = event })
                }
            }, onResponse: { response in
                var latencies: [Double] = []
                latencies.reserveCapacity(events.count)
                for try await answer in response.messages {
                    guard answer.errorCode == 0 else { throw BenchFailure(description: "event \(answer.id) failed: \(answer.errorMessage)") }
                    latencies.append(RegistryBenchWork.milliseconds(ContinuousClock.now - sentAt.get(latencies.count)))
                }
                return latencies
            })
            guard latencies.count == events.count else {
                throw BenchFailure(description: "the stream answered \(latencies.count) of \(events.count) events")
            }
            return KafkaBenchResult(messages: events.count, seconds: RegistryBenchWork.milliseconds(ContinuousClock.now - start) / 1000, latencies: latencies)
        }
    }

    /// Unary Publish from `callers` concurrent tasks; each call sends an event no other call sends.
    static func unary(_ events: [Herald_V1_Event], port: Int, callers: Int, seconds: Double) async throws -> KafkaBenchResult {
        let round = UInt32.random(in: 0...UInt32.max)
        return try await withProducer(port: port) { producer in
            try await RegistryBenchWork.drive(callers: callers, seconds: seconds) { caller, iteration in
                var event = events[(caller * 7919 + iteration) % events.count]
                event.id = "unary-\(round)-\(caller)-\(iteration)"
                _ = try await producer.publish(.with { $0.event = event })
            }
        }
    }

    /// The first `count` records the producer committed (key, value, headers, partition), for the raw baseline.
    static func writtenRecords(topic: String, count: Int, kafka: KafkaConfiguration, logger: Logger) async throws -> [ProducerRecord] {
        let consumer = try KafkaConsumer(configuration: kafka, options: .init(isolationLevel: .readCommitted), logger: logger)
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let partitions = try await admin.describeTopic(topic).partitions
        await admin.close()
        try await consumer.assign(partitions.map { TopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        var records: [ProducerRecord] = []
        for try await event in consumer.events {
            guard case .message(let message) = event else { continue }
            records.append(ProducerRecord(topic: topic, partition: message.partition, key: message.key, value: message.value, headers: message.headers))
            if records.count == count { break }
        }
        await consumer.close()
        return records
    }

    /// `count` records, cycling through `records`, in transactions of `records.count`, into a topic of their own.
    static func rawTransactions(_ records: [ProducerRecord], count: Int, kafka: KafkaConfiguration, logger: Logger) async throws -> KafkaBenchResult {
        let topic = "herald-bench.publish-baseline.\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let partitions = try await admin.describeTopic(records[0].topic).partitionCount
        try await admin.createTopic(topic, partitions: partitions, ignoreIfExists: true)
        await admin.close()
        let producer = try TransactionalProducer(configuration: kafka, transactionalID: "\(topic).producer", logger: logger)
        try await producer.initTransactions()
        var latencies: [Double] = []
        let start = ContinuousClock.now
        var written = 0
        while written < count {
            let began = ContinuousClock.now
            let batch = min(records.count, count - written)
            let pending = try await producer.withTransaction { transaction in
                var pending: [PendingDelivery] = []
                for record in records.prefix(batch) {
                    pending.append(try await transaction.send(ProducerRecord(
                        topic: topic, partition: record.partition, key: record.key, value: record.value, headers: record.headers)))
                }
                return pending
            }
            for delivery in pending { _ = try await delivery.report }
            latencies.append(RegistryBenchWork.milliseconds(ContinuousClock.now - began))
            written += batch
        }
        let seconds = RegistryBenchWork.milliseconds(ContinuousClock.now - start) / 1000
        await producer.close()
        return KafkaBenchResult(messages: written, seconds: seconds, latencies: latencies)
    }

    static func withProducer<Result: Sendable>(
        port: Int, _ body: (Herald_V1_Producer.Client<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        // Every call sends the admin key: ignored by a producer that checks none, checked by one that does.
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext), interceptors: TestKeys.interceptors
        ) { client in
            try await body(Herald_V1_Producer.Client(wrapping: client))
        }
    }
}

/// When each event of a stream was written, read back as its answer arrives (answers come in order).
private final class SendTimes: Sendable {
    private let times: Mutex<[ContinuousClock.Instant]>

    init(count: Int) { times = Mutex(Array(repeating: ContinuousClock.now, count: count)) }

    func set(_ index: Int) { times.withLock { $0[index] = ContinuousClock.now } }
    func get(_ index: Int) -> ContinuousClock.Instant { times.withLock { $0[index] } }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

/// max/mean partition load of `type-source` and `adaptive` for the same Zipf(1.1) key sequence.
enum PartitionSkew {
    struct Result {
        var events: Int
        var keys: Int
        var partitions: Int
        var typeSource: Double
        var adaptive: Double
        var hotKeys: Int
    }

    static let keys = 1000
    static let subjectsPerKey = 10_000

    static func measure(events: Int, partitions: Int) -> Result {
        // Zipf(1.1) over `keys` (type, source) pairs: P(rank r) ∝ 1 / r^1.1.
        var cumulative: [Double] = []
        var total = 0.0
        for rank in 1...keys {
            total += 1 / pow(Double(rank), 1.1)
            cumulative.append(total)
        }
        var random = SplitMix64(seed: 0x4845_5241_4c44)
        var typeSource = Partitioner(strategy: .typeSource)
        var adaptive = Partitioner(strategy: .adaptive())
        var typeSourceLoad = PartitionLoad(partitionCount: partitions)
        var adaptiveLoad = PartitionLoad(partitionCount: partitions)
        for index in 0..<events {
            let draw = random.nextUnit() * total
            var low = 0, high = keys - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < draw { low = middle + 1 } else { high = middle }
            }
            let event = EventAttributes(
                id: "\(index)", source: "/tenant/\(low)", type: "com.example.order.shipped",
                subject: "order-\(random.next() % UInt64(subjectsPerKey))")
            typeSourceLoad.record(typeSource.partition(for: event, partitionCount: partitions))
            adaptiveLoad.record(adaptive.partition(for: event, partitionCount: partitions))
        }
        return Result(events: events, keys: keys, partitions: partitions,
                      typeSource: typeSourceLoad.skew, adaptive: adaptiveLoad.skew, hotKeys: adaptive.hotKeys.count)
    }
}

enum PublishBenchTable {
    static func render(_ rows: [RegistryBenchRow]) -> String {
        var lines = RegistryBenchTable.comparison(rows, heraldLatency: "Herald ack p50 / p99 ms")
        lines.append("")
        lines.append("Herald's latency is per event, from the request written to its answer (after its transaction committed). "
            + "The raw baseline's latency is per transaction. Client, servers and registry share this process.")
        return lines.joined(separator: "\n")
    }

    static func renderSkew(_ skew: PartitionSkew.Result) -> String {
        [
            "| partitioning | max/mean partition load |",
            "|---|---:|",
            "| type-source | \(String(format: "%.2f", skew.typeSource)) |",
            "| adaptive | \(String(format: "%.2f", skew.adaptive)) (\(skew.hotKeys) hot keys spread at the end) |",
            "",
            "\(skew.events) events, Zipf(1.1) over \(skew.keys) (type, source) keys, \(PartitionSkew.subjectsPerKey) subjects each, \(skew.partitions) partitions.",
        ].joined(separator: "\n")
    }
}
