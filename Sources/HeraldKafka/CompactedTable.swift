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
        var isReady = false
        var failure: (any Error)?
        var readyWaiters: [CheckedContinuation<Void, any Error>] = []
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
        do {
            try await follow()
        } catch {
            fail(error)
            throw error
        }
    }

    private func follow() async throws {
        let consumer = try KafkaConsumer(
            configuration: configuration,
            options: KafkaConsumer.Options(isolationLevel: .readCommitted, autoOffsetReset: .earliest, reportsEndOfPartition: true),
            logger: logger
        )
        do {
            let watermarks = try await consumer.watermarks(of: topic)
            // Partitions still to replay, with the end offset observed now.
            var remaining = watermarks.filter { $0.value.high > $0.value.low }.mapValues(\.high)
            if remaining.isEmpty { markReady() }
            try await consumer.assign(watermarks.keys.sorted().map {
                TopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning)
            })
            for try await event in consumer.events {
                switch event {
                case .message(let message):
                    apply(message)
                    if let end = remaining[message.partition], message.offset + 1 >= end {
                        remaining[message.partition] = nil
                        if remaining.isEmpty { markReady() }
                    }
                case .endOfPartition(let end):
                    if let target = remaining[end.partition], end.offset >= target {
                        remaining[end.partition] = nil
                        if remaining.isEmpty { markReady() }
                    }
                case .partitionsAssigned, .partitionsRevoked:
                    break
                }
            }
            if !Task.isCancelled {
                throw KafkaError(code: .closed, message: "compacted table \(topic): consumer ended")
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        fail(CancellationError())
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
        let waiters = state.withLock { state in
            state.isReady = true
            defer { state.readyWaiters = [] }
            return state.readyWaiters
        }
        logger.debug("Compacted table is ready")
        for waiter in waiters { waiter.resume() }
    }

    private func fail(_ error: any Error) {
        let (waiters, subscribers) = state.withLock { state in
            state.failure = state.failure ?? error
            defer {
                state.readyWaiters = []
                state.subscribers = [:]
            }
            return (state.isReady ? [] : state.readyWaiters, Array(state.subscribers.values))
        }
        for waiter in waiters { waiter.resume(throwing: error) }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// Whether the replay up to the start-time high watermarks has finished.
    public var isReady: Bool { state.withLock { $0.isReady } }

    /// Returns once the replay has finished; throws if `run()` failed or stopped before that.
    public func waitUntilReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = state.withLock { state in
                if state.isReady { return .success(()) }
                if let failure = state.failure { return .failure(failure) }
                state.readyWaiters.append(continuation)
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
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

    /// A copy of the whole table together with its revision, taken atomically.
    public func versionedSnapshot() -> (revision: Int, values: [Key: Value]) {
        state.withLock { ($0.revision, $0.values) }
    }

    /// Every change applied from now on, in order. Ends when `run()` ends.
    public func changes() -> AsyncStream<Change> {
        let (stream, continuation) = AsyncStream<Change>.makeStream()
        let id: Int? = state.withLock { state in
            guard state.failure == nil else { return nil }
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
