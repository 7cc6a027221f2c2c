import Foundation
import HeraldKafka
import HeraldTestSupport
import Logging
import Synchronization
import Testing

/// Every test that touches the broker lives in a suite nested here, so they run one at a time:
/// they share one small broker, and the memory test measures the whole process.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct KafkaIntegration {}

enum TestKafka {
    static let brokers = TestEnvironment.brokers

    static var configuration: KafkaConfiguration { TestEnvironment.kafka() }

    static var logger: Logger { TestEnvironment.logger }

    static func unique(_ prefix: String) -> String { TestEnvironment.unique(prefix) }

    /// Creates a fresh topic and returns its name.
    static func topic(_ prefix: String, partitions: Int = 1, configs: [String: String] = [:]) async throws -> String {
        let name = unique(prefix)
        let admin = try KafkaAdmin(configuration: configuration, logger: logger)
        try await admin.createTopic(name, partitions: partitions, configs: configs)
        await admin.close()
        return name
    }

    static func consumer(groupID: String? = nil, instanceID: String? = nil, isolation: KafkaConsumer.IsolationLevel = .readCommitted, reportsEnd: Bool = false) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: configuration,
            options: KafkaConsumer.Options(groupID: groupID, groupInstanceID: instanceID, isolationLevel: isolation, reportsEndOfPartition: reportsEnd),
            logger: logger
        )
    }

    /// Reads every partition of `topic` from the beginning until the end offsets seen now are
    /// reached (by end-of-partition events, so transaction markers count), returning the messages.
    static func readAll(_ topic: String, partitions: Int = 1, isolation: KafkaConsumer.IsolationLevel = .readCommitted) async throws -> [KafkaMessage] {
        let consumer = try consumer(isolation: isolation, reportsEnd: true)
        let admin = try KafkaAdmin(configuration: configuration, logger: logger)
        var ends: [Int32: Int64] = [:]
        for partition in 0..<Int32(partitions) {
            ends[partition] = try await admin.watermarks(topic: topic, partition: partition).high
        }
        await admin.close()
        try await consumer.assign((0..<Int32(partitions)).map { TopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        let remaining = ends.filter { $0.value > 0 }
        let messages = try await withDeadline { () async throws -> [KafkaMessage] in
          var messages: [KafkaMessage] = []
          var remaining = remaining
          if !remaining.isEmpty {
            for try await event in consumer.events {
                switch event {
                case .message(let message):
                    messages.append(message)
                case .endOfPartition(let end):
                    if let target = remaining[end.partition], end.offset >= target { remaining[end.partition] = nil }
                default:
                    break
                }
                if remaining.isEmpty { break }
            }
          }
          return messages
        }
        await consumer.close()
        return messages
    }

    /// Collects messages until `count` arrived (skipping other events), or throws once `limit` passed.
    static func collect(_ count: Int, from consumer: KafkaConsumer, within limit: Duration = .seconds(30)) async throws -> [KafkaMessage] {
        try await withDeadline(limit) {
            var messages: [KafkaMessage] = []
            guard count > 0 else { return messages }
            for try await event in consumer.events {
                if case .message(let message) = event { messages.append(message) }
                if messages.count == count { break }
            }
            return messages
        }
    }

    struct DeadlinePassed: Error {}

    /// Runs `body`, throwing `DeadlinePassed` if it has not finished within `limit`: turns a hang into a failure.
    static func withDeadline<T: Sendable>(_ limit: Duration = .seconds(30), _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw DeadlinePassed() }
            return value
        }
    }

    /// Whether `condition` came to hold in time (the shared `TestEnvironment.eventually`).
    static func eventually(within limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        try await TestEnvironment.eventually(within: limit, condition)
    }

    static func string(_ bytes: [UInt8]?) -> String? {
        bytes.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A running `herald-kafka-probe` child process, read line by line.
final class Probe: Sendable {
    let process: Process
    private let lines: AsyncStream<String>

    init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let (lines, continuation) = AsyncStream<String>.makeStream()
        // Blocking reads on a thread of their own (FileHandle's readabilityHandler is not reliable
        // on Linux when the writer dies).
        let reader = pipe.fileHandleForReading
        Thread {
            var buffer: [UInt8] = []
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                buffer.append(contentsOf: data)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    continuation.yield(String(decoding: buffer[..<newline], as: UTF8.self))
                    buffer.removeSubrange(...newline)
                }
            }
            continuation.finish()
        }.start()
        self.process = process
        self.lines = lines
    }

    /// Lines printed until (and including) the first line equal to `marker`.
    func lines(until marker: String) async -> [String] {
        var result: [String] = []
        for await line in lines {
            result.append(line)
            if line == marker { break }
        }
        return result
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The probe is built next to the test bundle (same build directory).
    private static func executable() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("herald-kafka-probe")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ProbeNotFound(searchedFrom: CommandLine.arguments[0])
    }

    struct ProbeNotFound: Error { let searchedFrom: String }
}

/// Thrown from a transaction's body so that the transaction aborts.
struct AbortingTransaction: Error {}
