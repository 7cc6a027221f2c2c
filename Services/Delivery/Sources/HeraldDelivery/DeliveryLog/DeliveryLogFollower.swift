import Foundation
public import HeraldKafka
public import Logging

/// Fills the delivery log from every partition of the status, attempts and dead-letter topics
/// (manual assignment, no consumer group, `read_committed`): any instance answers any query.
///
/// It starts each partition at the offset the log recorded with the rows (from the beginning
/// for a new log), applies records in batches, each batch with its offsets in one transaction,
/// and reports ready once it has reached the ends the topics had when it started. A log whose
/// topics were recreated since is emptied first (`DeliveryLogRestorePlan`). Records
/// apply idempotently, so a batch repeated after a crash between the topics and the log (or a
/// log rebuilt from scratch) gives the same rows.
public final class DeliveryLogFollower: Sendable {
    let log: DeliveryLog
    let topics: DeliveryLogTopics
    let kafka: KafkaConfiguration
    let logger: Logger
    private let readiness = ReplayReadiness()

    /// How long a caught-up partition waits before it is fetched again: the log lags the topics by
    /// up to this much, and in return takes in fewer, larger batches (each one a log transaction
    /// and a fetch of every partition of the three topics) than if each commit woke it.
    static let catchUpInterval = Duration.milliseconds(50)

    /// Records taken into one log transaction at most.
    static let batchLimit = 1024

    public init(log: DeliveryLog, topics: DeliveryLogTopics, kafka: KafkaConfiguration, logger: Logger) {
        self.log = log
        self.topics = topics
        self.kafka = kafka
        self.logger = logger
    }

    /// Follows the topics until cancelled; throws when the topics or the log fail.
    public func run() async throws {
        try await readiness.run { try await follow() }
    }

    public func waitUntilReady() async throws {
        try await readiness.waitUntilReady()
    }

    private func follow() async throws {
        let recorded = try await log.offsets()
        let ends = try await KafkaAdmin.withAdmin(configuration: kafka, logger: logger) { admin in
            try await admin.endOffsets(of: topics.all)
        }
        let stored: [TopicPartition: Int64]
        switch DeliveryLogRestorePlan.decide(recorded: recorded, ends: ends) {
        case .resume:
            stored = recorded
        case .rebuild(let reason):
            logger.warning("Rebuilding the delivery log from its topics", metadata: ["reason": "\(reason)"])
            try await log.clear()
            stored = [:]
        }
        // Partitions with records the log has not applied yet, up to where they ended at start.
        var progress = ReplayProgress(ends: ends, starts: stored)
        if progress.isCaughtUp { markReady() }
        let options = KafkaConsumer.Options(
            isolationLevel: .readCommitted, autoOffsetReset: .earliest, reportsEndOfPartition: true,
            catchUp: .batched(every: Self.catchUpInterval))
        try await KafkaConsumer.withConsumer(configuration: kafka, options: options, logger: logger) { consumer in
            try await consumer.assign(ends.keys.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }.map {
                TopicPartitionOffset($0, offset: stored[$0] ?? KafkaOffset.beginning)
            })
            var events = consumer.events.makeAsyncIterator()
            while let first = try await events.next() {
                let batch = [first] + (try events.available(upTo: Self.batchLimit - 1))
                try await apply(batch)
                var caughtUp = false
                for event in batch { caughtUp = progress.advance(past: event) || caughtUp }
                if caughtUp { markReady() }
            }
            if !Task.isCancelled { throw KafkaError(code: .closed, message: "delivery log: consumer ended") }
        }
    }

    /// Applies the records of `batch` with their offsets in one log transaction.
    private func apply(_ batch: [KafkaConsumerEvent]) async throws {
        var entries: [LogEntry] = []
        var next: [TopicPartition: Int64] = [:]
        for case .message(let message) in batch {
            next[message.topicPartition] = message.offset + 1
            do {
                if let entry = try LogEntry.decode(message, topics: topics) { entries.append(entry) }
            } catch {
                logger.warning("Skipping a record the delivery log cannot read", metadata: [
                    "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)", "error": "\(error)",
                ])
            }
        }
        guard !next.isEmpty else { return }
        try await log.apply(entries, offsets: next.map { TopicPartitionOffset($0.key, offset: $0.value) })
    }

    private func markReady() {
        readiness.markReady()
        logger.debug("Delivery log caught up with its topics")
    }
}
