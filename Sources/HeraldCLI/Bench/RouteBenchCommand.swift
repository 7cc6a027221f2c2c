import ArgumentParser
import Foundation
import HeraldAvro
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRouter
import HeraldRuntime
import Logging
import ServiceLifecycle
import SwiftProtobuf

/// `herald bench route`: the router's exactly-once loop (de-duplication, matching against many
/// routes, one delivery task per event) beside a Python confluent-kafka consume–transform–produce
/// loop with the same transaction sizes, reading the same events in the same run (issue 7).
struct RouteBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Routing throughput at 500 and 50 events per transaction, beside confluent-kafka EOS."
    )

    @Option(name: .customLong("kafka-brokers"), help: "Kafka bootstrap servers. Env: HERALD_KAFKA_BROKERS.")
    var brokers = HeraldEnvironment.string("kafka-brokers", default: "127.0.0.1:9092")

    @Option(help: "Events per measurement.")
    var events = 50_000

    @Option(help: "Partitions of the events topic.")
    var partitions = 3

    @Option(help: "Routes in the router's table (one matches each event; the rest match other types and sources).")
    var routes = 1000

    @Option(help: "Python interpreter with confluent-kafka installed. The default venv's wheel bundles a newer librdkafka than the Debian one Herald links; scripts/baseline-venv-system-librdkafka.sh builds one on the same librdkafka (.venv-system-rdkafka/bin/python).")
    var python = ".venv/bin/python"

    @Option(help: "The confluent-kafka baseline script.")
    var baseline = "bench/route_baseline.py"

    @Flag(help: "Measure Herald only.")
    var skipBaseline = false

    @Option(help: "Rounds; each round measures both sides at both batch sizes, alternating, and the best round counts.")
    var rounds = 2

    func run() async throws {
        var logger = Logger(label: "herald.bench.route")
        logger.logLevel = .warning
        let kafka = KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init))
        print("herald-router vs confluent-kafka EOS loop on \(brokers): \(events) events of 100 B, \(partitions) partitions, \(routes) routes, best of \(rounds) rounds")
        // The machine's load drifts: the sides alternate, batch size by batch size, and each keeps its best round.
        var best: [Int: (herald: Double, baseline: Double?)] = [:]
        for round in 1...max(1, rounds) {
        print("  round \(round)")
        for batch in [500, 50] {
            let run = "\(UInt32.random(in: 0...UInt32.max))"
            let input = "herald-bench.route.\(run).events"
            try await preload(kafka: kafka, topic: input, logger: logger)
            let herald = try await measureRouter(kafka: kafka, input: input, batch: batch, run: run, logger: logger)
            var line = "  \(batch) per transaction: herald-router \(KafkaBenchTable.rate(herald)) events/s"
            var theirs: Double?
            if !skipBaseline {
                theirs = try await measureBaseline(input: input, batch: batch, run: run)
                line += ", confluent-kafka \(KafkaBenchTable.rate(theirs!)) msg/s"
            }
            print(line)
            let previous = best[batch]
            best[batch] = (max(previous?.herald ?? 0, herald), theirs.map { max(previous?.baseline ?? 0, $0) })
            let admin = try KafkaAdmin(configuration: kafka, logger: logger)
            for topic in [input] + ["routes", "dedupe", "deliveries"].map({ "herald-bench.route.\(run).\($0)" }) {
                try? await admin.deleteTopic(topic)
            }
            await admin.close()
        }
        }
        let rows = [500, 50].map { ($0, best[$0]?.herald ?? 0, best[$0]?.baseline) }
        print()
        print("| events per transaction | herald-router events/s | confluent-kafka EOS msg/s | ratio |")
        print("|---:|---:|---:|---:|")
        for (batch, herald, theirs) in rows {
            let ratio = theirs.map { String(format: "%.2f×", herald / max($0, 1e-9)) } ?? "—"
            print("| \(batch) | \(KafkaBenchTable.rate(herald)) | \(theirs.map(KafkaBenchTable.rate) ?? "—") | \(ratio) |")
        }
        print()
        print("Target: ratio ≥ 0.80×. Herald de-duplicates (one changelog record per event, in the same transaction) and")
        print("matches \(routes) routes; the baseline writes one record per event and does neither.")
    }

    /// `events` Herald events (CloudEvents headers, Confluent framing, 100 B payload) on distinct sources.
    private func preload(kafka: KafkaConfiguration, topic: String, logger: Logger) async throws {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopic(topic, partitions: partitions)
        await admin.close()
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        let payload = ConfluentWireFormat.frame(schemaID: 1, payload: [UInt8](repeating: 0x61, count: 100))
        var pending: [PendingDelivery] = []
        pending.reserveCapacity(events)
        for n in 0..<events {
            let event = EventAttributes(id: "e-\(n)", source: "/bench/\(n % 64)", type: "com.example.order.shipped",
                                        time: EventTimestamp(secondsSinceEpoch: 1_700_000_000))
            let key = Array((event.type + "|" + event.source).utf8)
            pending.append(try await producer.enqueue(ProducerRecord(
                topic: topic, partition: Murmur2.partition(forKey: key, partitionCount: partitions), key: key, value: payload,
                headers: CloudEventsKafkaBinding.headers(for: event).map { KafkaHeader(name: $0.name, value: $0.value) })))
        }
        for delivery in pending { _ = try await delivery.report }
        await producer.close()
    }

    private func measureRouter(kafka: KafkaConfiguration, input: String, batch: Int, run: String, logger: Logger) async throws -> Double {
        var configuration = RouterServer.Configuration(kafka: kafka)
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.instanceID = "bench-\(run)"
        configuration.groupID = "herald-bench.route.\(run)"
        configuration.eventsTopic = input
        configuration.routesTopic = "herald-bench.route.\(run).routes"
        configuration.dedupeTopic = "herald-bench.route.\(run).dedupe"
        configuration.deliveriesTopic = "herald-bench.route.\(run).deliveries"
        configuration.partitions = partitions
        configuration.maxBatchEvents = batch

        // The route table: one route matches every event; the others are on other types and sources.
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopic(configuration.routesTopic, partitions: 1, configs: ["cleanup.policy": "compact"])
        await admin.close()
        let writer = try KafkaProducer(configuration: kafka, logger: logger)
        for n in 0..<max(1, routes) {
            let route = Herald_V1_Route.with {
                $0.id = "route-\(n)"
                $0.enabled = true
                if n == 0 {
                    $0.filter.types = ["com.example.order.*"]
                    $0.endpointIds = ["endpoint-1"]
                } else {
                    switch n % 3 {
                    case 0: $0.filter.types = ["com.example.other\(n)"]
                    case 1: $0.filter.types = ["com.other\(n).*"]
                    default: $0.filter.sources = ["/elsewhere/\(n)/*"]
                    }
                    $0.endpointIds = ["endpoint-\(n)"]
                }
            }
            _ = try await writer.enqueue(ProducerRecord(topic: configuration.routesTopic, partition: 0,
                                                        key: Array(route.id.utf8), value: try route.serializedBytes()))
        }
        try await writer.flush()
        await writer.close()

        let server = try await RouterServer.build(configuration, logger: logger)
        let group = ServiceGroup(services: server.services, logger: logger)
        let task = Task { try await group.run() }
        let statistics = server.statistics
        // Timed from the first committed transaction to the last, as the baseline times from its first record.
        var first: (ContinuousClock.Instant, Int)?
        let deadline = ContinuousClock.now + .seconds(600)
        while statistics.handledEvents < events {
            guard ContinuousClock.now < deadline else { throw KafkaBenchError("the router handled \(statistics.handledEvents) of \(events) events") }
            if first == nil, statistics.handledEvents > 0 { first = (.now, statistics.handledEvents) }
            try await Task.sleep(for: .milliseconds(1))
        }
        let end = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await task.value
        guard let (start, already) = first, statistics.routedEvents == events else {
            throw KafkaBenchError("expected \(events) routed events, got \(statistics.routedEvents)")
        }
        let elapsed = (end - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        print("    herald-router: \(statistics.committedTransactions) transactions (\(events / max(1, statistics.committedTransactions)) events each on average), \(String(format: "%.2f", seconds)) s")
        return Double(events - already) / seconds
    }

    private func measureBaseline(input: String, batch: Int, run: String) async throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            baseline, "--brokers", brokers, "--input", input, "--output", "herald-bench.route.\(run).python-out",
            "--partitions", "\(partitions)", "--messages", "\(events)", "--batch", "\(batch)",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text: String = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) }.start()
        }
        process.waitUntilExit()
        struct Row: Decodable { var messages: Int; var seconds: Double }
        guard process.terminationStatus == 0,
              let row = text.split(separator: "\n").lazy.compactMap({ try? JSONDecoder().decode(Row.self, from: Data($0.utf8)) }).first
        else { throw KafkaBenchError("\(baseline) exited with status \(process.terminationStatus)") }
        return Double(row.messages) / row.seconds
    }
}
