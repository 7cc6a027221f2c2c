public import Logging
import Synchronization

/// The latest value per key of a compacted topic, held in memory and kept up to date.
///
/// `run()` replays the topic from the beginning up to the high watermarks it observes at start,
/// then reports ready (`isReady`, `waitUntilReady()`) and keeps following the topic. A record
/// without a value (a tombstone) deletes its key. Reads use `read_committed` and manual
/// assignment (no consumer group), so every instance holds the whole table.
///
/// Readiness is decided by the consumer reaching the end of each partition (which accounts for
/// transaction control records), never by the offset of the last record seen: a transactionally
/// written topic ends in control records no consumer ever receives.
///
/// A table may hold only some of the values (`retaining`): the others delete their key from the
/// table but still reach `changes()`, so memory follows what is retained, not the topic's history.
///
/// Partitions added to the topic after `run()` started are not followed.
public final class CompactedTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// One applied update, as delivered by `changes()`.
    public enum Change: Sendable {
        case updated(key: Key, value: Value)
        case deleted(key: Key)
    }

    private struct State {
        var values: [Key: Value] = [:]
        var revision = 0
        /// `run()` ended: no more changes come.
        var ended = false
        var subscribers: [Int: AsyncStream<Change>.Continuation] = [:]
        var nextSubscriber = 0
    }

    public let topic: String
    private let configuration: KafkaConfiguration
    private let logger: Logger
    /// A record's key and value (`nil` for a delete), or `nil` to skip the record.
    private let decode: @Sendable (KafkaMessage) throws -> (key: Key, value: Value?)?
    /// Whether a value is held in the table (else its key is removed, as by a tombstone).
    private let retains: @Sendable (Value) -> Bool
    private let state = Mutex(State())
    private let readiness = ReplayReadiness()

    /// - Parameters:
    ///   - key: decodes a record key; records whose key fails to decode (or is absent) are skipped and logged.
    ///   - retaining: which values the table holds; the others remove their key (default: all).
    ///   - value: decodes a record value; a failure is logged and leaves the key's previous value in place.
    public init(
        topic: String,
        configuration: KafkaConfiguration,
        logger: Logger,
        key: @escaping @Sendable ([UInt8]) throws -> Key,
        retaining: @escaping @Sendable (Value) -> Bool = { _ in true },
        value: @escaping @Sendable ([UInt8]) throws -> Value
    ) {
        self.retains = retaining
        self.topic = topic
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: LogKeys.kafkaTopic] = "\(topic)"
        self.logger = logger
        self.decode = { message in
            guard let rawKey = message.key else { return nil }
            let decodedKey = try key(rawKey)
            return (decodedKey, try message.value.map { try value($0) })
        }
    }

    /// A table whose key is taken from anywhere in the record (e.g. a field of the value, for a
    /// topic keyed by something else). `record` returns the key and value (`nil` for a delete),
    /// or `nil` to skip the record; a throw is logged and skips it too.
    public init(
        topic: String,
        configuration: KafkaConfiguration,
        logger: Logger,
        record: @escaping @Sendable (KafkaMessage) throws -> (key: Key, value: Value?)?
    ) {
        self.retains = { _ in true }
        self.topic = topic
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: LogKeys.kafkaTopic] = "\(topic)"
        self.logger = logger
        self.decode = record
    }

    /// Replays and then follows the topic until the task is cancelled. Throws if the topic does
    /// not exist or the consumer fails; `waitUntilReady()` then throws the same error.
    public func run() async throws {
        defer { endChanges() }
        try await readiness.run { try await follow() }
    }

    private func follow() async throws {
        let options = KafkaConsumer.Options(isolationLevel: .readCommitted, autoOffsetReset: .earliest, reportsEndOfPartition: true)
        try await KafkaConsumer.withConsumer(configuration: configuration, options: options, logger: logger) { consumer in
            let watermarks = try await consumer.watermarks(of: topic)
            var ends: [TopicPartition: Int64] = [:]
            var starts: [TopicPartition: Int64] = [:]
            for (partition, marks) in watermarks {
                ends[TopicPartition(topic: topic, partition: partition)] = marks.high
                starts[TopicPartition(topic: topic, partition: partition)] = marks.low
            }
            var progress = ReplayProgress(ends: ends, starts: starts)
            if progress.isCaughtUp { markReady() }
            try await consumer.assign(watermarks.keys.sorted().map {
                TopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning)
            })
            for try await event in consumer.events {
                if case .message(let message) = event { apply(message) }
                if progress.advance(past: event) { markReady() }
            }
            if !Task.isCancelled {
                throw KafkaError(code: .closed, message: "compacted table \(topic): consumer ended")
            }
        }
    }

    private func apply(_ message: KafkaMessage) {
        let change: Change
        do {
            guard let (key, value) = try decode(message) else {
                logger.info("Skipping a record without key", metadata: [LogKeys.kafkaPartition: "\(message.partition)", "kafka.offset": "\(message.offset)"])
                return
            }
            change = value.map { .updated(key: key, value: $0) } ?? .deleted(key: key)
        } catch {
            logger.info("Skipping an undecodable record", metadata: [
                LogKeys.kafkaPartition: "\(message.partition)", "kafka.offset": "\(message.offset)", LogKeys.error: "\(error)",
            ])
            return
        }
        let subscribers = state.withLock { state in
            switch change {
            case .updated(let key, let value): state.values[key] = retains(value) ? value : nil
            case .deleted(let key): state.values[key] = nil
            }
            state.revision += 1
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(change) }
    }

    private func markReady() {
        readiness.markReady()
        logger.debug("Compacted table is ready")
    }

    private func endChanges() {
        let subscribers = state.withLock { state in
            state.ended = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// Whether the replay up to the start-time high watermarks has finished.
    public var isReady: Bool { readiness.isReady }

    /// Returns once the replay has finished; throws if `run()` failed or stopped before that.
    public func waitUntilReady() async throws {
        try await readiness.waitUntilReady()
    }

    /// The latest value of `key`, or `nil` if absent or deleted.
    public subscript(key: Key) -> Value? {
        state.withLock { $0.values[key] }
    }

    /// A copy of the whole table.
    public func snapshot() -> [Key: Value] {
        state.withLock { $0.values }
    }

    public var count: Int { state.withLock { $0.values.count } }

    /// Counts applied changes: a reader that derived something from `versionedSnapshot()` knows it
    /// is current while the revision is unchanged.
    public var revision: Int { state.withLock { $0.revision } }

    /// The latest value of `key` (`nil` if absent or deleted) together with the table's revision,
    /// read atomically: what a reader derives from the value stays current while the revision does.
    public func versioned(_ key: Key) -> (revision: Int, value: Value?) {
        state.withLock { ($0.revision, $0.values[key]) }
    }

    /// A copy of the whole table together with its revision, taken atomically.
    public func versionedSnapshot() -> (revision: Int, values: [Key: Value]) {
        state.withLock { ($0.revision, $0.values) }
    }

    /// Every change applied from now on, in order. Ends when `run()` ends.
    public func changes() -> AsyncStream<Change> {
        let (stream, continuation) = AsyncStream<Change>.makeStream()
        let id: Int? = state.withLock { state in
            guard !state.ended else { return nil }
            defer { state.nextSubscriber += 1 }
            state.subscribers[state.nextSubscriber] = continuation
            return state.nextSubscriber
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }
}

extension CompactedTable where Key == String {
    /// A table keyed by UTF-8 strings.
    public convenience init(
        topic: String,
        configuration: KafkaConfiguration,
        logger: Logger,
        retaining: @escaping @Sendable (Value) -> Bool = { _ in true },
        value: @escaping @Sendable ([UInt8]) throws -> Value
    ) {
        self.init(topic: topic, configuration: configuration, logger: logger, key: { String(decoding: $0, as: UTF8.self) },
                  retaining: retaining, value: value)
    }
}
