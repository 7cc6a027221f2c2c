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

/// `herald-bench route`: the router's exactly-once loop (de-duplication, matching against many
/// routes, one delivery task per event) beside a Python confluent-kafka consume–transform–produce
/// loop with the same transaction sizes, reading the same events in the same run (issue 7).
struct RouteBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Routing throughput at 500 and 50 events per transaction, beside confluent-kafka EOS."
    )

    @OptionGroup var shared: BenchSharedOptions

    /// `--events` (one of the shared options): events per measurement.
    var events: Int { shared.events ?? 50_000 }

    @Option(help: "Partitions of the events topic.")
    var partitions = 3

    @Option(help: "Routes in the router's table (one matches each event; the rest match other types and sources).")
    var routes = 1000

    @Option(help: """
        Python with confluent-kafka built on the librdkafka Herald links (Benchmarks/baseline-venv-system-librdkafka.sh; \
        `make bench` builds it): the baseline the ratio target is judged against.
        """)
    var python = ".venv-system-rdkafka/bin/python"

    @Option(help: """
        Python with the confluent-kafka wheel, which bundles a newer librdkafka than Debian's (the default venv): \
        measured as a second baseline; empty to skip.
        """)
    var wheelPython = ".venv/bin/python"

    @Option(help: "The confluent-kafka baseline script.")
    var baseline = "Benchmarks/baselines/route_baseline.py"

    @Flag(help: "Measure Herald only.")
    var skipBaseline = false

    /// `--rounds` (one of the shared options): each round measures both sides at both batch sizes, alternating, and the best round counts.
    var rounds: Int { shared.rounds ?? 2 }

    func run() async throws {
        let logger = Logger.bench("herald.bench.route")
        let kafka = shared.kafka()
        for interpreter in skipBaseline ? [] : [python, wheelPython] where !interpreter.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: interpreter) else {
                throw ValidationError("no Python at \(interpreter): run Benchmarks/baseline-venv-system-librdkafka.sh (the baseline on Herald's librdkafka) or make deps")
            }
        }
        print("herald-router vs confluent-kafka EOS loop on \(shared.kafkaBrokers): \(events) events of 100 B, \(partitions) partitions, \(routes) routes, best of \(rounds) rounds")
        // The machine's load drifts: the sides alternate, batch size by batch size, and each keeps its best round.
        var best: [Int: (herald: Double, baseline: Double?, wheel: Double?)] = [:]
        for round in 1...max(1, rounds) {
        print("  round \(round)")
        for batch in [500, 50] {
            let run = "\(UInt32.random(in: 0...UInt32.max))"
            let input = "herald-bench.route.\(run).events"
            try await preload(kafka: kafka, topic: input, logger: logger)
            let herald = try await measureRouter(kafka: kafka, input: input, batch: batch, run: run, logger: logger)
            var line = "  \(batch) per transaction: herald-router \(KafkaBenchTable.rate(herald)) events/s"
            var theirs: Double?
            var wheel: Double?
            if !skipBaseline {
                theirs = try await measureBaseline(python: python, input: input, batch: batch, run: "\(run).system")
                line += ", confluent-kafka \(KafkaBenchTable.rate(theirs!)) msg/s"
                if !wheelPython.isEmpty {
                    wheel = try await measureBaseline(python: wheelPython, input: input, batch: batch, run: "\(run).wheel")
                    line += ", its wheel \(KafkaBenchTable.rate(wheel!)) msg/s"
                }
            }
            print(line)
            let previous = best[batch]
            best[batch] = (max(previous?.herald ?? 0, herald), theirs.map { max(previous?.baseline ?? 0, $0) },
                           wheel.map { max(previous?.wheel ?? 0, $0) })
            let admin = try KafkaAdmin(configuration: kafka, logger: logger)
            for topic in [input] + ["routes", "dedupe", "deliveries"].map({ "herald-bench.route.\(run).\($0)" }) {
                try? await admin.deleteTopic(topic)
            }
            await admin.close()
        }
        }
        func ratio(_ herald: Double, _ theirs: Double?) -> String {
            theirs.map { String(format: "%.2f×", herald / max($0, 1e-9)) } ?? "—"
        }
        print()
        print("| events per transaction | herald-router events/s | confluent-kafka EOS msg/s | ratio | wheel msg/s | ratio to wheel |")
        print("|---:|---:|---:|---:|---:|---:|")
        for batch in [500, 50] {
            let (herald, theirs, wheel) = best[batch] ?? (0, nil, nil)
            print("| \(batch) | \(KafkaBenchTable.rate(herald)) | \(theirs.map(KafkaBenchTable.rate) ?? "—") | \(ratio(herald, theirs)) "
                + "| \(wheel.map(KafkaBenchTable.rate) ?? "—") | \(ratio(herald, wheel)) |")
        }
        print()
        print("Target: ratio ≥ 0.80× against confluent-kafka on the librdkafka Herald links (Debian's). Herald de-duplicates")
        print("(one changelog record per event, in the same transaction) and matches \(routes) routes; the baseline writes")
        print("one record per event and does neither. The wheel bundles a newer librdkafka, which Herald cannot link here.")
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
        // The de-duplication stores on disk, as herald-router keeps them.
        configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench.route.\(run)").path

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

    private func measureBaseline(python: String, input: String, batch: Int, run: String) async throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            baseline, "--brokers", shared.kafkaBrokers, "--input", input, "--output", "herald-bench.route.\(run).python-out",
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
