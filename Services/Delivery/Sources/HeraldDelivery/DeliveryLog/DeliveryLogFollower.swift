import Foundation
public import HeraldKafka
public import Logging
import Synchronization

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
    private let readiness = Mutex(Readiness())

    private struct Readiness {
        var isReady = false
        var failure: (any Error)?
        var waiters: [CheckedContinuation<Void, any Error>] = []
    }

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
        do {
            try await follow()
        } catch {
            fail(error)
            throw error
        }
    }

    public func waitUntilReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            readiness.withLock { state in
                if state.isReady { return continuation.resume() }
                if let failure = state.failure { return continuation.resume(throwing: failure) }
                state.waiters.append(continuation)
            }
        }
    }

    private func follow() async throws {
        var stored = try await log.offsets()
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        var ends: [TopicPartition: Int64] = [:]
        do {
            for topic in topics.all {
                for end in try await admin.listOffsets(topic: topic, .latest) { ends[end.topicPartition] = end.offset }
            }
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        if case .rebuild(let reason) = DeliveryLogRestorePlan.decide(recorded: stored, ends: ends) {
            logger.warning("Rebuilding the delivery log from its topics", metadata: ["reason": "\(reason)"])
            try await log.clear()
            stored = [:]
        }
        // Partitions with records the log has not applied yet, up to where they ended at start.
        var remaining = ends.filter { (stored[$0.key] ?? 0) < $0.value }
        if remaining.isEmpty { markReady() }
        let consumer = try KafkaConsumer(
            configuration: kafka, options: .init(isolationLevel: .readCommitted, autoOffsetReset: .earliest, reportsEndOfPartition: true), logger: logger)
        do {
            try await consumer.assign(ends.keys.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }.map {
                TopicPartitionOffset($0, offset: stored[$0] ?? KafkaOffset.beginning)
            })
            var events = consumer.events.makeAsyncIterator()
            while let first = try await events.next() {
                var entries: [LogEntry] = []
                var next: [TopicPartition: Int64] = [:]
                var reached: [TopicPartitionOffset] = []
                for event in [first] + (try events.available(upTo: Self.batchLimit - 1)) {
                    switch event {
                    case .message(let message):
                        next[message.topicPartition] = message.offset + 1
                        do {
                            if let entry = try LogEntry.decode(message, topics: topics) { entries.append(entry) }
                        } catch {
                            logger.warning("Skipping a record the delivery log cannot read", metadata: [
                                "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)", "error": "\(error)",
                            ])
                        }
                    case .endOfPartition(let end):
                        reached.append(end)
                    case .partitionsAssigned, .partitionsRevoked:
                        break
                    }
                }
                if !next.isEmpty {
                    try await log.apply(entries, offsets: next.map { TopicPartitionOffset($0.key, offset: $0.value) })
                }
                guard !remaining.isEmpty else { continue }
                for (partition, offset) in next where offset >= remaining[partition] ?? .max { remaining[partition] = nil }
                for end in reached where end.offset >= remaining[end.topicPartition] ?? .max { remaining[end.topicPartition] = nil }
                if remaining.isEmpty { markReady() }
            }
            if !Task.isCancelled { throw KafkaError(code: .closed, message: "delivery log: consumer ended") }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        fail(CancellationError())
    }

    private func markReady() {
        let waiters = readiness.withLock { state in
            state.isReady = true
            defer { state.waiters = [] }
            return state.waiters
        }
        logger.debug("Delivery log caught up with its topics")
        for waiter in waiters { waiter.resume() }
    }

    private func fail(_ error: any Error) {
        let waiters = readiness.withLock { state in
            state.failure = state.failure ?? error
            defer { state.waiters = [] }
            return state.isReady ? [] : state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
