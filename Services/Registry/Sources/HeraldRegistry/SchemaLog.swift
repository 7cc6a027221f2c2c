import HeraldKafka
import Logging
import Synchronization

/// Follows `herald._schemas` from the beginning and folds it into a `RegistryState`.
///
/// Ready once it has caught up with the end of the log as it stood at start; afterwards it keeps
/// following, so followers see the leader's writes. `waitUntilApplied(through:)` gives the leader
/// read-your-writes: a registration is answered only when this instance's state includes it.
final class SchemaLog: Sendable {
    static let partition: Int32 = 0

    private struct Progress {
        var state = RegistryState()
        /// Every record at or below this offset is applied (control records included).
        var appliedThrough: Int64 = -1
        var isReady = false
        var failure: (any Error)?
        var waiters: [(offset: Int64, continuation: CheckedContinuation<Void, any Error>)] = []
        var readyWaiters: [CheckedContinuation<Void, any Error>] = []
        var conditionWaiters: [(condition: @Sendable (RegistryState) -> Bool, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    let topic: String
    private let configuration: KafkaConfiguration
    private let admin: KafkaAdmin
    private let logger: Logger
    private let progress = Mutex(Progress())

    init(topic: String, configuration: KafkaConfiguration, admin: KafkaAdmin, logger: Logger) {
        self.topic = topic
        self.configuration = configuration
        self.admin = admin
        self.logger = logger
    }

    /// The offset the next record of the log will get.
    func endOffset() async throws -> Int64 {
        try await admin.watermarks(topic: topic, partition: Self.partition).high
    }

    var state: RegistryState { progress.withLock { $0.state } }
    var isReady: Bool { progress.withLock { $0.isReady } }

    /// Follows the log until cancelled.
    func run() async throws {
        let consumer = try KafkaConsumer(
            configuration: configuration,
            options: .init(isolationLevel: .readCommitted, autoOffsetReset: .earliest, reportsEndOfPartition: true),
            logger: logger
        )
        do {
            let end = try await endOffset()
            try await consumer.assign([TopicPartitionOffset(topic: topic, partition: Self.partition, offset: KafkaOffset.beginning)])
            if end == 0 { advance(through: -1, readyAt: end) }
            for try await event in consumer.events {
                switch event {
                case .message(let message):
                    apply(message)
                    advance(through: message.offset, readyAt: end)
                case .endOfPartition(let position):
                    advance(through: position.offset - 1, readyAt: end)
                case .partitionsAssigned, .partitionsRevoked:
                    break
                }
            }
            try Task.checkCancellation()
            throw KafkaError(code: .closed, message: "the consumer of \(topic) ended")
        } catch {
            await consumer.close()
            fail(error)
            throw error
        }
    }

    /// Returns once every record up to and including `offset` is applied.
    func waitUntilApplied(through offset: Int64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = progress.withLock { progress in
                if let failure = progress.failure { return .failure(failure) }
                if progress.appliedThrough >= offset { return .success(()) }
                progress.waiters.append((offset, continuation))
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// Returns once the log has been replayed up to its end as it stood when `run()` started.
    func waitUntilReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = progress.withLock { progress in
                if let failure = progress.failure { return .failure(failure) }
                if progress.isReady { return .success(()) }
                progress.readyWaiters.append(continuation)
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// Returns once the state satisfies `condition` (checked now and after every record).
    func waitUntil(_ condition: @escaping @Sendable (RegistryState) -> Bool) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = progress.withLock { progress in
                if let failure = progress.failure { return .failure(failure) }
                if condition(progress.state) { return .success(()) }
                progress.conditionWaiters.append((condition, continuation))
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    private func apply(_ message: KafkaMessage) {
        guard let key = message.key else { return }
        do {
            let record = try SchemaLogRecord(key: key, value: message.value)
            let satisfied = progress.withLock { progress in
                progress.state.apply(record)
                let state = progress.state
                let satisfied = progress.conditionWaiters.filter { $0.condition(state) }.map(\.continuation)
                progress.conditionWaiters.removeAll { $0.condition(state) }
                return satisfied
            }
            for continuation in satisfied { continuation.resume() }
        } catch {
            // A record this version does not understand must not stop the registry: skip it, loudly.
            logger.warning("Skipping an unreadable registry record", metadata: [
                "kafka.offset": "\(message.offset)", "error": "\(error)",
            ])
        }
    }

    private func advance(through offset: Int64, readyAt end: Int64) {
        let due = progress.withLock { progress -> [CheckedContinuation<Void, any Error>] in
            progress.appliedThrough = max(progress.appliedThrough, offset)
            var due: [CheckedContinuation<Void, any Error>] = []
            if !progress.isReady, progress.appliedThrough + 1 >= end {
                progress.isReady = true
                due = progress.readyWaiters
                progress.readyWaiters = []
            }
            let applied = progress.appliedThrough
            due += progress.waiters.filter { $0.offset <= applied }.map(\.continuation)
            progress.waiters.removeAll { $0.offset <= applied }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    private func fail(_ error: any Error) {
        let waiters = progress.withLock { progress in
            progress.failure = progress.failure ?? error
            defer {
                progress.waiters = []
                progress.readyWaiters = []
                progress.conditionWaiters = []
            }
            return progress.waiters.map(\.continuation) + progress.readyWaiters + progress.conditionWaiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
