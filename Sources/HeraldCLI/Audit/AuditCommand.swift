import ArgumentParser
import Foundation
import HeraldCore
import HeraldKafka
import HeraldRuntime
import Logging

/// `herald audit`: the administrative changes recorded in the audit topic, read straight from Kafka.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List the administrative changes the services recorded (who, what, when, outcome), oldest first.",
        discussion: """
            Reads the audit topic from Kafka (read_committed): schema, config and mode changes (registry, gRPC and REST), \
            route changes (router), endpoint changes and secret rotations (delivery). Each line: time, service, API key id \
            ("(authentication off)" when the service checked no key), action, target, outcome and detail. \
            Exit status: 0 on success, 1 when Kafka cannot be read.
            """
    )

    @Option(name: .customLong("kafka-brokers"), help: "Kafka bootstrap servers. Env: HERALD_KAFKA_BROKERS.")
    var brokers = HeraldEnvironment.string("kafka-brokers", default: "127.0.0.1:9092")

    @Option(name: .customLong("kafka-timeout-ms"), help: "Kafka request timeout in ms. Env: HERALD_KAFKA_TIMEOUT_MS.")
    var kafkaTimeoutMS = HeraldEnvironment.int("kafka-timeout-ms", default: 15000)

    @OptionGroup(title: "Kafka security")
    var kafkaSecurity: KafkaSecurityOptions

    @OptionGroup var audit: AuditTopicOption

    @Option(help: "Only changes from this time on: RFC 3339 (2026-03-01T12:00:00Z) or a span back from now (90s, 15m, 2h, 7d).")
    var since: String?

    @Option(help: "Show the newest N changes at most.")
    var limit = 100

    @Flag(help: "One JSON object per line, as the topic stores them.")
    var json = false

    func validate() throws {
        do { _ = try AuditQuery(since: since, limit: limit, now: Date()) } catch { throw ValidationError(error.description) }
        guard kafkaTimeoutMS > 0 else { throw ValidationError("--kafka-timeout-ms must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "herald.audit")
        logger.logLevel = .warning
        let query = try AuditQuery(since: since, limit: limit, now: Date())
        let (security, properties) = try kafkaSecurity.settings()
        let kafka = KafkaConfiguration(
            bootstrapServers: brokers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            requestTimeout: .milliseconds(kafkaTimeoutMS), security: security, properties: properties)
        var records: [AuditRecord] = []
        for message in try await committedRecords(topic: audit.topic, kafka: kafka, logger: logger) {
            do {
                records.append(try AuditRecord(decoding: message.value ?? []))
            } catch {
                printError("\(audit.topic)/\(message.partition)/\(message.offset): skipped, \(error.description)")
            }
        }
        for record in query.select(records) {
            printFlushed(json ? String(decoding: record.encoded(), as: UTF8.self) : Self.line(record))
        }
    }

    static func line(_ record: AuditRecord) -> String {
        var line = "\(AuditRecord.format(record.time))  \(record.service)  key=\(record.keyID)  \(record.action)"
        line += "  target=\(record.target.isEmpty ? "(global)" : record.target)  \(record.outcome.rawValue)"
        if !record.detail.isEmpty { line += "  \(record.detail)" }
        return line
    }
}
