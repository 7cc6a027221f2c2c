import ArgumentParser
import Foundation
import HeraldKafka
import HeraldRuntime
import Logging

/// `herald-bench kafka`: HeraldKafka beside Python confluent-kafka (librdkafka underneath) doing
/// the same workloads against the same broker in the same run (issue 3's benchmark).
struct KafkaBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Kafka produce, transactional produce and consume throughput, beside confluent-kafka."
    )

    @OptionGroup var shared: BenchSharedOptions

    @Option(help: "Records per plain produce and consume workload.")
    var messages = 100_000

    @Option(help: "Records per transactional workload.")
    var transactionalMessages = 50_000

    @Option(help: "Sequential awaited sends measured for latency.")
    var latencySends = 1000

    @Option(help: "Partitions of every benchmark topic.")
    var partitions = 3

    @Option(help: "Python interpreter with confluent-kafka installed.")
    var python = ".venv/bin/python"

    @Option(help: "The confluent-kafka baseline script.")
    var baseline = "Benchmarks/baselines/kafka_baseline.py"

    @Flag(help: "Measure Herald only.")
    var skipBaseline = false

    /// `--rounds` (one of the shared options): each round runs every workload on both sides, alternating, and the best round counts.
    var rounds: Int { shared.rounds ?? 2 }

    func run() async throws {
        let logger = Logger.bench("herald.bench.kafka")
        let configuration = shared.kafka()
        let plan = KafkaBenchPlan(messages: messages, transactionalMessages: transactionalMessages, latencySends: latencySends)
        print("HeraldKafka vs confluent-kafka on \(shared.kafkaBrokers): \(plan.summary), \(partitions) partitions per topic, best of \(rounds) rounds")

        // The broker's speed drifts as it stores more, so the two sides alternate workload by
        // workload instead of running one after the other.
        var herald: [KafkaBenchWorkload: KafkaBenchResult] = [:]
        var python: [KafkaBenchWorkload: KafkaBenchResult] = [:]
        let run = UInt32.random(in: 0...UInt32.max)
        for round in 1...max(1, rounds) {
            let runner = KafkaBenchRunner(configuration: configuration, partitions: partitions, runID: "\(run).\(round)", logger: logger)
            for workload in KafkaBenchWorkload.allCases {
                let mine = try await runner.measure(workload, plan: plan)
                herald[workload] = KafkaBenchResult.better(herald[workload], mine)
                var line = "  round \(round)  \(workload.title.padding(toLength: 24, withPad: " ", startingAt: 0)) herald \(KafkaBenchTable.rate(mine.rate)) msg/s"
                if !skipBaseline {
                    let theirs = try await KafkaBenchBaseline.run(
                        python: self.python, script: baseline, brokers: shared.kafkaBrokers, partitions: partitions,
                        plan: plan, workload: workload, runID: "\(run).\(round)"
                    )
                    python[workload] = KafkaBenchResult.better(python[workload], theirs)
                    line += ", confluent-kafka \(KafkaBenchTable.rate(theirs.rate)) msg/s"
                }
                print(line)
            }
        }
        print()
        print(KafkaBenchTable.render(KafkaBenchWorkload.allCases.map { ($0, herald[$0], python[$0]) }))
    }
}

/// The measured workloads; raw values are the names the baseline script reports.
enum KafkaBenchWorkload: String, CaseIterable {
    case produce100 = "produce_100b"
    case produce1K = "produce_1kb"
    case transactions500 = "txn_500"
    case transactions50 = "txn_50"
    case consume = "consume_100b"
    case sendLatency = "send_latency"

    var title: String {
        switch self {
        case .produce100: "produce 100 B"
        case .produce1K: "produce 1 KB"
        case .transactions500: "txn 500/commit (100 B)"
        case .transactions50: "txn 50/commit (100 B)"
        case .consume: "consume 100 B"
        case .sendLatency: "awaited send (100 B)"
        }
    }

    /// What the latency percentiles of the row measure, if any.
    var latencyUnit: String? {
        switch self {
        case .transactions500, .transactions50: "per transaction"
        case .sendLatency: "per send"
        default: nil
        }
    }
}

struct KafkaBenchPlan {
    var messages: Int
    var transactionalMessages: Int
    var latencySends: Int

    func count(for workload: KafkaBenchWorkload) -> Int {
        switch workload {
        case .produce100, .produce1K, .consume: messages
        case .transactions500, .transactions50: transactionalMessages
        case .sendLatency: latencySends
        }
    }

    var summary: String {
        "\(messages) plain records, \(transactionalMessages) transactional records, \(latencySends) awaited sends"
    }
}

struct KafkaBenchResult {
    var messages: Int
    var seconds: Double
    /// Milliseconds, one per transaction or awaited send.
    var latencies: [Double]

    var rate: Double { seconds > 0 ? Double(messages) / seconds : 0 }

    /// The higher-throughput of two rounds.
    static func better(_ a: KafkaBenchResult?, _ b: KafkaBenchResult) -> KafkaBenchResult {
        guard let a else { return b }
        return a.rate >= b.rate ? a : b
    }

    func percentile(_ p: Double) -> Double? {
        guard !latencies.isEmpty else { return nil }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}

/// Herald's side of each workload. Every workload writes to a topic of its own.
struct KafkaBenchRunner {
    let configuration: KafkaConfiguration
    let partitions: Int
    let runID: String
    let logger: Logger

    func topicName(_ workload: KafkaBenchWorkload) -> String {
        "herald-bench.swift.\(runID).\(workload.rawValue)"
    }

    func topic(_ workload: KafkaBenchWorkload) async throws -> String {
        let name = topicName(workload)
        let admin = try KafkaAdmin(configuration: configuration, logger: logger)
        try await admin.createTopic(name, partitions: partitions, ignoreIfExists: true)
        await admin.close()
        return name
    }

    func measure(_ workload: KafkaBenchWorkload, plan: KafkaBenchPlan) async throws -> KafkaBenchResult {
        let count = plan.count(for: workload)
        let result = try await run(workload, count: count)
        // The local broker keeps everything in memory: drop each topic once nothing reads it.
        if workload != .produce100 {
            let admin = try KafkaAdmin(configuration: configuration, logger: logger)
            try await admin.deleteTopic(topicName(workload == .consume ? .produce100 : workload))
            await admin.close()
        }
        return result
    }

    private func run(_ workload: KafkaBenchWorkload, count: Int) async throws -> KafkaBenchResult {
        switch workload {
        case .produce100:
            return try await produce(count, size: 100, to: topic(.produce100))
        case .produce1K:
            return try await produce(count, size: 1024, to: topic(.produce1K))
        case .transactions500:
            return try await transactions(count, perTransaction: 500)
        case .transactions50:
            return try await transactions(count, perTransaction: 50)
        case .consume:
            // Reads what `produce100` wrote.
            return try await consume(count, from: topic(.produce100))
        case .sendLatency:
            return try await sendLatency(count)
        }
    }

    private func produce(_ count: Int, size: Int, to topic: String) async throws -> KafkaBenchResult {
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let value = [UInt8](repeating: 0x61, count: size)
        // Both sides warm up with one record first: the first write to a topic waits for its metadata.
        _ = try await producer.send(ProducerRecord(topic: topic, value: value))
        var pending: [PendingDelivery] = []
        pending.reserveCapacity(count)
        let start = ContinuousClock.now
        for _ in 0..<count {
            pending.append(try await producer.enqueue(ProducerRecord(topic: topic, value: value)))
        }
        for delivery in pending { _ = try await delivery.report }
        let seconds = (ContinuousClock.now - start).seconds
        await producer.close()
        return KafkaBenchResult(messages: count, seconds: seconds, latencies: [])
    }

    private func transactions(_ count: Int, perTransaction: Int) async throws -> KafkaBenchResult {
        let topic = try await topic(perTransaction == 500 ? .transactions500 : .transactions50)
        let producer = try TransactionalProducer(configuration: configuration, transactionalID: "\(topic).producer", logger: logger)
        try await producer.initTransactions()
        let value = [UInt8](repeating: 0x61, count: 100)
        // Warm-up (both sides): the first transaction also fetches the topic's metadata.
        try await producer.withTransaction { transaction in _ = try await transaction.send(ProducerRecord(topic: topic, value: value)) }
        var latencies: [Double] = []
        let start = ContinuousClock.now
        var written = 0
        while written < count {
            let batch = min(perTransaction, count - written)
            let began = ContinuousClock.now
            try await producer.withTransaction { transaction in
                for _ in 0..<batch { _ = try await transaction.send(ProducerRecord(topic: topic, value: value)) }
            }
            latencies.append((ContinuousClock.now - began).seconds * 1000)
            written += batch
        }
        let seconds = (ContinuousClock.now - start).seconds
        await producer.close()
        return KafkaBenchResult(messages: count, seconds: seconds, latencies: latencies)
    }

    private func consume(_ count: Int, from topic: String) async throws -> KafkaBenchResult {
        let consumer = try KafkaConsumer(configuration: configuration, options: KafkaConsumer.Options(), logger: logger)
        try await consumer.assign((0..<Int32(partitions)).map { TopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        // Timed from the first message: connection set-up and the first fetch are not consumption.
        var start: ContinuousClock.Instant?
        var received = 0
        var bytes = 0
        for try await event in consumer.events {
            guard case .message(let message) = event else { continue }
            if start == nil { start = .now }
            received += 1
            bytes &+= message.value?.count ?? 0
            if received == count { break }
        }
        let seconds = start.map { (ContinuousClock.now - $0).seconds } ?? 0
        await consumer.close()
        guard received == count, bytes > 0 else { throw KafkaBenchError("consumed \(received) of \(count) messages") }
        return KafkaBenchResult(messages: count, seconds: seconds, latencies: [])
    }

    private func sendLatency(_ count: Int) async throws -> KafkaBenchResult {
        let topic = try await topic(.sendLatency)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let value = [UInt8](repeating: 0x61, count: 100)
        _ = try await producer.send(ProducerRecord(topic: topic, value: value))
        var latencies: [Double] = []
        let start = ContinuousClock.now
        for _ in 0..<count {
            let sent = ContinuousClock.now
            _ = try await producer.send(ProducerRecord(topic: topic, value: value))
            latencies.append((ContinuousClock.now - sent).seconds * 1000)
        }
        let seconds = (ContinuousClock.now - start).seconds
        await producer.close()
        return KafkaBenchResult(messages: count, seconds: seconds, latencies: latencies)
    }
}

/// Runs `Benchmarks/baselines/kafka_baseline.py` for one workload; it prints one JSON object.
enum KafkaBenchBaseline {
    static func run(
        python: String,
        script: String,
        brokers: String,
        partitions: Int,
        plan: KafkaBenchPlan,
        workload: KafkaBenchWorkload,
        runID: String
    ) async throws -> KafkaBenchResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            script,
            "--brokers", brokers,
            "--partitions", "\(partitions)",
            "--messages", "\(plan.count(for: workload))",
            "--workload", workload.rawValue,
            "--run-id", runID,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = await Self.readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        let row = text.split(separator: "\n").lazy
            .compactMap { try? JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
            .first { $0.workload == workload.rawValue }
        guard process.terminationStatus == 0, let row else {
            throw KafkaBenchError("\(script) --workload \(workload.rawValue) exited with status \(process.terminationStatus)")
        }
        return KafkaBenchResult(messages: row.messages, seconds: row.seconds, latencies: row.latencies_ms ?? [])
    }

    /// The child's whole output, read on a thread of its own so the blocking read stays off the
    /// cooperative pool (which the Herald side of the benchmark needs).
    private static func readToEnd(_ handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)) }.start()
        }
    }

    private struct Row: Decodable {
        var workload: String
        var messages: Int
        var seconds: Double
        var latencies_ms: [Double]?
    }
}

enum KafkaBenchTable {
    static func render(_ rows: [(KafkaBenchWorkload, KafkaBenchResult?, KafkaBenchResult?)]) -> String {
        var lines = [
            "| workload | Herald msg/s | confluent-kafka msg/s | ratio | Herald p50 / p99 ms | confluent-kafka p50 / p99 ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for (workload, herald, baseline) in rows {
            let ratio = herald.flatMap { herald in baseline.map { herald.rate / max($0.rate, 1e-9) } }
            lines.append("| \(workload.title) | \(herald.map { rate($0.rate) } ?? "—") | \(baseline.map { rate($0.rate) } ?? "—") | "
                + "\(ratio.map { String(format: "%.2f×", $0) } ?? "—") | \(latency(herald, workload)) | \(latency(baseline, workload)) |")
        }
        lines.append("")
        lines.append("Target: ratio ≥ 0.90× on every row. Latencies are per transaction (txn rows) or per awaited send.")
        return lines.joined(separator: "\n")
    }

    static func rate(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: value)) ?? "\(Int(value))"
    }

    private static func latency(_ result: KafkaBenchResult?, _ workload: KafkaBenchWorkload) -> String {
        guard workload.latencyUnit != nil, let result, let p50 = result.percentile(0.5), let p99 = result.percentile(0.99) else { return "—" }
        return String(format: "%.2f / %.2f", p50, p99)
    }
}

struct KafkaBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
