import ArgumentParser
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import Logging
import SwiftProtobuf

/// `herald-bench delivery-log-follower`: how many records a second the delivery log's follower
/// applies, through its real path (a `read_committed` consumer on the broker, decode, batch,
/// one SQLite transaction per batch), from topics written once and replayed into a fresh log each round.
struct FollowerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery-log-follower",
        abstract: "Time the delivery log's follower applying status and attempt records from the broker into a fresh SQLite log.",
        discussion: """
            Writes --deliveries deliveries to private status and attempt topics of --partitions \
            partitions, as delivery instances write them: per delivery a pending state, its final \
            state (DeliveryLogHistory: mostly succeeded) and one attempt, three records keyed by the \
            delivery id. Each round then starts a DeliveryLogFollower on a new SQLite log and times \
            it from start until it reports ready (it has applied every record the topics held when it \
            started); the command prints each round's records per second and CPU time per record \
            (of this process: the follower, not the broker), their median and spread, and the load average.
            """
    )

    @OptionGroup var shared: BenchSharedOptions
    @Option(help: "Deliveries written (three records each).") var deliveries = 100_000
    @Option(help: "Partitions of each topic.") var partitions = 12
    @Option(help: "Folder of each round's SQLite log (removed after the round).") var folder = ".herald/bench"

    func validate() throws {
        guard deliveries > 0, partitions > 0 else { throw ValidationError("--deliveries and --partitions must be positive") }
    }

    func run() async throws {
        let logger = Logger.bench("herald-bench.delivery-log-follower")
        let kafka = shared.kafka()
        let rounds = max(shared.rounds ?? 5, 1)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let topics = DeliveryLogTopics(DeliveryTopics.named(prefix: "bench-follower", suffix: String(suffix)))
        let records = deliveries * 3
        say("herald-bench delivery-log-follower: \(deliveries) deliveries (\(records) records) on \(partitions) partitions, \(rounds) rounds, load average \(Self.loadAverage())")
        try await write(topics, kafka: kafka, logger: logger)
        say("written; load average \(Self.loadAverage())")
        var rates: [Double] = []
        for round in 1...rounds {
            let path = "\(folder)/follower-\(suffix)-\(round).sqlite"
            let cpuBefore = Self.processCPUSeconds()
            let elapsed = try await replay(topics, into: path, kafka: kafka, logger: logger)
            let cpu = Self.processCPUSeconds() - cpuBefore
            for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            rates.append(Double(records) / seconds)
            say(String(
                format: "round %d: %d records in %.2f s, %.0f records/s, CPU %.2f s (%.1f µs a record), load average %@",
                round, records, seconds, rates.last!, cpu, cpu / Double(records) * 1e6, Self.loadAverage()))
        }
        say(String(format: "median %.0f records/s over %d rounds (min %.0f, max %.0f)", Self.median(rates), rounds, rates.min()!, rates.max()!))
        try await KafkaAdmin.withAdmin(configuration: kafka, logger: logger) { admin in
            for topic in topics.all { try? await admin.deleteTopic(topic) }
        }
    }

    /// The topics' records: per delivery a pending state, the final state and its attempt.
    private func write(_ topics: DeliveryLogTopics, kafka: KafkaConfiguration, logger: Logger) async throws {
        try await KafkaAdmin.withAdmin(configuration: kafka, logger: logger) { admin in
            for topic in topics.all { try await admin.createTopic(topic, partitions: partitions) }
        }
        let history = DeliveryLogHistory(
            rows: deliveries, endpoints: 100, eventTypes: 50, sources: 1000,
            endMicros: DeliveryLogBenchCommand.historyEndMicros, spanMicros: 86_400_000_000)
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        do {
            for index in 0..<deliveries {
                let final = history.record(index)
                var pending = final
                pending.state = .pending
                pending.attempts = 0
                pending.lastStatusCode = 0
                pending.lastError = ""
                pending.updatedAt = Google_Protobuf_Timestamp(seconds: final.updatedAt.seconds - 1, nanos: final.updatedAt.nanos)
                var attempt = AttemptRecord.of(final)
                attempt.attemptedAt = final.updatedAt
                attempt.duration = Google_Protobuf_Duration(seconds: 0, nanos: 3_000_000)
                attempt.statusCode = final.lastStatusCode
                attempt.error = final.lastError
                attempt.responseBody = Data("ok".utf8)
                attempt.state = final.state
                attempt.attempts = final.attempts
                let key = Array(final.deliveryID.utf8)
                _ = try await producer.enqueue(ProducerRecord(topic: topics.status, key: key, value: try pending.serializedBytes()))
                _ = try await producer.enqueue(ProducerRecord(topic: topics.status, key: key, value: try final.serializedBytes()))
                _ = try await producer.enqueue(ProducerRecord(topic: topics.attempts, key: key, value: try attempt.serializedBytes()))
            }
            try await producer.flush()
            await producer.close()
        } catch {
            await producer.close()
            throw error
        }
    }

    /// How long a follower on a new log at `path` takes to report ready.
    private func replay(_ topics: DeliveryLogTopics, into path: String, kafka: KafkaConfiguration, logger: Logger) async throws -> Duration {
        let log = try await DeliveryLog.open(SQLiteLogDatabase.open(path: path))
        let follower = DeliveryLogFollower(log: log, topics: topics, kafka: kafka, logger: logger)
        let clock = ContinuousClock(), start = clock.now
        let task = Task { try await follower.run() }
        do {
            try await follower.waitUntilReady()
        } catch {
            task.cancel()
            await log.database.close()
            throw error
        }
        let elapsed = start.duration(to: clock.now)
        task.cancel()
        _ = try? await task.value
        await log.database.close()
        return elapsed
    }

    /// The middle value, or the mean of the two middle ones of an even count; `values` must not be empty.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// User and system CPU time this process has used: the follower's cost apart from the broker's
    /// and from what other work on the machine takes from it.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return [usage.ru_utime, usage.ru_stime].map { Double($0.tv_sec) + Double($0.tv_usec) / 1e6 }.reduce(0, +)
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }
}
