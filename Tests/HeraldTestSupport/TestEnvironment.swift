public import Foundation
public import HeraldKafka
public import Logging
import Synchronization

/// What every integration suite and herald-bench share about the test run: the broker it talks
/// to, a logger, names no other test uses, and a way to wait for something to happen.
public enum TestEnvironment {
    /// The broker tests run against: `HERALD_KAFKA_BROKERS`, so helpers on one machine each use their own.
    public static let brokers = ProcessInfo.processInfo.environment["HERALD_KAFKA_BROKERS"] ?? "127.0.0.1:9092"

    /// The CA of the TLS-only Kafka arrangement (`scripts/kafka-tls.sh run`), which sets
    /// `HERALD_TEST_KAFKA_TLS_CA_FILE`: with it every Kafka client of a test, and every service a
    /// test starts, speaks verified TLS to `brokers`, and the four-service stack serves gRPC and
    /// HTTP over TLS too. Nil on the plaintext broker.
    public static let kafkaTLSCAFile: String? = ProcessInfo.processInfo.environment["HERALD_TEST_KAFKA_TLS_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }

    /// Whether this run goes over the TLS-only arrangement.
    public static var overTLS: Bool { kafkaTLSCAFile != nil }

    /// How test clients secure their Kafka connections in this run.
    public static var kafkaSecurity: KafkaConfiguration.Security {
        kafkaTLSCAFile.map { .tls(KafkaConfiguration.TLS(caLocation: $0)) } ?? .plaintext
    }

    /// The same, as the Kafka security options of a Herald executable.
    public static var kafkaSecurityArguments: [String] {
        kafkaTLSCAFile.map { ["--kafka-security-protocol", "ssl", "--kafka-ssl-ca-file", $0] } ?? []
    }

    public static func kafka(brokers: String = brokers, timeout: Duration = .seconds(20)) -> KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: brokers.split(separator: ",").map(String.init), requestTimeout: timeout, deliveryTimeout: timeout,
            security: kafkaSecurity)
    }

    /// Quiet unless `HERALD_TEST_LOG_LEVEL` asks for more.
    public static let logger: Logger = {
        var logger = Logger(label: "herald-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["HERALD_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// The Avro schema the suites register and publish: an order with an optional carrier.
    public static let orderSchema = #"{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"},{"name":"carrier","type":["null","string"],"default":null}]}"#

    private static let counter = Atomic<Int>(0)

    /// A name no other test, and no earlier run against the same broker, uses.
    public static func unique(_ prefix: String) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return "herald-test.\(prefix).\(ProcessInfo.processInfo.processIdentifier).\(n).\(UInt32.random(in: 0...UInt32.max))"
    }

    /// A fresh folder under the system's temporary directory, for a service's `--data-dir`.
    public static func temporaryDirectory(_ prefix: String) -> String {
        let path = NSTemporaryDirectory() + unique(prefix)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Retries `body` until it returns a value, or throws `TimedOut` once `limit` passed. A nil or
    /// a thrown error means "not yet" (a service still starting refuses calls); the last error is
    /// kept for the failure message. The limit only turns a hang into a failure: no timing assertion.
    @discardableResult
    public static func eventually<Value>(
        _ what: String, within limit: Duration = .seconds(90), _ body: () async throws -> Value?
    ) async throws -> Value {
        let deadline = ContinuousClock.now + limit
        var lastError: (any Error)?
        while true {
            do {
                if let value = try await body() { return value }
            } catch {
                lastError = error
            }
            guard ContinuousClock.now < deadline else { throw TimedOut(what: what, lastError: lastError.map { "\($0)" }) }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// Waits until `condition` holds, throwing `TimedOut` once `limit` passed.
    public static func eventually(
        _ what: String, within limit: Duration = .seconds(90), _ condition: () async throws -> Bool
    ) async throws {
        try await eventually(what, within: limit) { try await condition() ? true : nil }
    }

    /// `eventually(_:within:_:)` for suites that name the limit a timeout.
    public static func eventually(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
        try await eventually(what, within: timeout, condition)
    }

    /// Whether `condition` came to hold within `limit`, for tests that assert on the answer.
    public static func eventually(within limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        do {
            try await eventually("the condition", within: limit, condition)
            return true
        } catch is TimedOut {
            return false
        }
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let what: String
        public let lastError: String?
        public var description: String { "timed out waiting for \(what)" + (lastError.map { " (last error: \($0))" } ?? "") }
    }
}
