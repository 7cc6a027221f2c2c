public import Logging
import Synchronization

/// A producer that writes records and consumer offsets atomically, under a stable `transactional.id`.
///
/// Starting a producer with the same id fences every older instance: the old one fails with a
/// fatal `.fenced` error and the broker aborts whatever transaction it left open.
///
/// ```swift
/// let producer = try TransactionalProducer(configuration: config, transactionalID: "router-0", logger: logger)
/// try await producer.initTransactions()
/// let pending = try await producer.withTransaction { txn in
///     try await txn.sendOffsets(offsets, groupMetadata: consumer.groupMetadata())
///     return try await txn.send(record)
/// }
/// let report = try await pending.report   // committed
/// ```
///
/// Error handling follows librdkafka's classes: an error that requires abort aborts the
/// transaction and is thrown; a retriable commit failure (e.g. a timeout) is retried, never
/// aborted, because the commit may already have succeeded; a fatal error (fencing) is thrown by
/// this and every later call. A failed transaction is reported after at most one abort attempt
/// (bounded by the request timeout); an abort left unfinished is completed by the next transaction.
public final class TransactionalProducer: Sendable {
    public let transactionalID: String
    private let engine: ProducerEngine
    /// librdkafka allows one transaction at a time per producer.
    private let transactionOpen = Atomic<Bool>(false)
    /// An abort that did not finish within the request timeout (the broker stopped answering). It
    /// goes on in the background; the next transaction completes it before beginning, so a failed
    /// transaction is reported after one bounded abort attempt instead of waiting for the broker.
    private let abortPending = Atomic<Bool>(false)

    public init(
        configuration: KafkaConfiguration,
        transactionalID: String,
        options: KafkaProducer.Options = KafkaProducer.Options(),
        logger: Logger
    ) throws {
        var properties = options.properties
        properties["transactional.id"] = transactionalID
        properties["enable.idempotence"] = "true"
        var logger = logger
        logger[metadataKey: LogKeys.kafkaTransactionalID] = "\(transactionalID)"
        self.transactionalID = transactionalID
        engine = try ProducerEngine(configuration: configuration, properties: properties, logger: logger)
    }

    /// Registers the transactional id with its coordinator, fencing older instances and aborting
    /// the transaction they left open. Call once before the first transaction; a retriable error
    /// (e.g. `.timedOut`) may be retried.
    public func initTransactions() async throws {
        try engine.checkUsable()
        let client = engine.client
        let timeout = engine.configuration.requestTimeout
        try await classified { try await self.engine.executor.run { try client.initTransactions(timeout: timeout) } }
    }

    /// Runs `body` inside a transaction: commits when it returns, aborts when it throws (and
    /// rethrows its error). Returns `body`'s result once the commit succeeded.
    public func withTransaction<Result>(_ body: (Transaction) async throws -> Result) async throws -> Result {
        try engine.checkUsable()
        guard !transactionOpen.exchange(true, ordering: .acquiringAndReleasing) else {
            throw KafkaError(code: .invalidState, message: "a transaction is already open on producer \(transactionalID)")
        }
        defer { transactionOpen.store(false, ordering: .releasing) }

        if abortPending.load(ordering: .acquiring) { try await abort() }
        try classifiedSync { try engine.client.beginTransaction() }
        let transaction = Transaction(engine: engine)
        let result: Result
        do {
            result = try await body(transaction)
        } catch {
            _ = transaction.end()
            engine.logger.debug("Transaction body failed", metadata: [LogKeys.error: "\(error)"])
            do { try await abort() } catch let abortError {
                engine.logger.info("Aborting the transaction failed", metadata: [LogKeys.error: "\(abortError)"])
            }
            throw error
        }
        let offsets = transaction.end()
        try await commit(sendingFirst: offsets)
        return result
    }

    /// Stops the producer. An open transaction is not committed; the broker aborts it when this
    /// transactional id is next initialised (or when the transaction times out).
    public func close() async {
        await engine.close()
    }

    /// Consumer offsets the body sent could not be added to the transaction.
    private struct OffsetsNotSent: Error {
        let error: KafkaError
    }

    /// Adds the body's consumer offsets and commits, in one blocking call (a thread hop less per
    /// transaction); a failure to add the offsets aborts, like a failure in the body.
    private func commit(sendingFirst offsets: [Transaction.Offsets]) async throws {
        let client = engine.client
        let timeout = engine.configuration.requestTimeout
        var offsets = offsets
        while true {
            do {
                try await engine.executor.run { [offsets] in
                    do throws(KafkaError) {
                        for entry in offsets {
                            try client.sendOffsetsToTransaction(entry.offsets, groupMetadata: entry.groupMetadata, timeout: timeout)
                        }
                    } catch {
                        throw OffsetsNotSent(error: error)
                    }
                    try client.commitTransaction(timeout: timeout)
                }
                return
            } catch let failure as OffsetsNotSent {
                engine.latchIfFatal(failure.error)
                if !failure.error.isFatal {
                    do { try await abort() } catch let abortError {
                        engine.logger.info("Aborting the transaction failed", metadata: [LogKeys.error: "\(abortError)"])
                    }
                }
                throw failure.error
            } catch let error as KafkaError {
                offsets = []
                engine.latchIfFatal(error)
                if error.isFatal { throw error }
                if error.requiresAbort {
                    try await abort()
                    throw error
                }
                // The commit may have reached the coordinator: aborting now could undo a commit that
                // readers already see as done elsewhere, so only retrying is safe.
                guard error.isRetriable, !Task.isCancelled else { throw error }
                engine.logger.info("Retrying transaction commit", metadata: [LogKeys.error: "\(error)"])
            }
        }
    }

    private func abort() async throws {
        let client = engine.client
        let timeout = engine.configuration.requestTimeout
        engine.logger.debug("Aborting transaction")
        abortPending.store(true, ordering: .releasing)
        try await classified { try await self.engine.executor.run { try client.abortTransaction(timeout: timeout) } }
        abortPending.store(false, ordering: .releasing)
    }

    private func classified(_ operation: () async throws -> Void) async throws {
        do { try await operation() } catch let error as KafkaError {
            engine.latchIfFatal(error)
            throw error
        }
    }

    private func classifiedSync(_ operation: () throws -> Void) throws {
        do { try operation() } catch let error as KafkaError {
            engine.latchIfFatal(error)
            throw error
        }
    }
}

/// The open transaction inside `TransactionalProducer.withTransaction`; do not use it afterwards.
public struct Transaction: Sendable {
    private let engine: ProducerEngine
    private let scope = Scope()

    /// Shared by every copy of the transaction value, so ending it ends them all.
    private final class Scope: Sendable {
        let isOpen = Atomic<Bool>(true)
        let offsets = Mutex<[Offsets]>([])
    }

    init(engine: ProducerEngine) {
        self.engine = engine
    }

    /// Consumer offsets to add to the transaction, with the group membership they belong to.
    struct Offsets: Sendable {
        var offsets: [TopicPartitionOffset]
        var groupMetadata: ConsumerGroupMetadata
    }

    /// Ends the transaction body; returns the offsets it sent, which the commit adds.
    func end() -> [Offsets] {
        scope.isOpen.store(false, ordering: .releasing)
        return scope.offsets.withLock { offsets in
            defer { offsets = [] }
            return offsets
        }
    }

    /// Enqueues a record in this transaction without waiting for the broker. Await the returned
    /// delivery's `report` after `withTransaction` returned to learn the record's partition and offset.
    public func send(_ record: ProducerRecord) async throws -> PendingDelivery {
        try checkOpen()
        return try await engine.enqueue(record)
    }

    /// Enqueues `records` in this transaction, in order, without a report per record: the commit
    /// succeeds only if every one of them was written. Cheaper than one `send(_:)` per record.
    public func send(contentsOf records: [ProducerRecord]) async throws {
        try checkOpen()
        try await engine.enqueueUnreported(records)
    }

    /// Commits the consumer's offsets (the *next* offsets to read) as part of this transaction.
    /// They are added to it when the body returns, in the same blocking call as the commit; if
    /// that fails, the transaction aborts and `withTransaction` throws the error.
    public func sendOffsets(_ offsets: [TopicPartitionOffset], groupMetadata: ConsumerGroupMetadata) async throws {
        try checkOpen()
        guard !offsets.isEmpty else { return }
        scope.offsets.withLock { $0.append(Offsets(offsets: offsets, groupMetadata: groupMetadata)) }
    }

    private func checkOpen() throws(KafkaError) {
        try engine.checkUsable()
        guard scope.isOpen.load(ordering: .acquiring) else {
            throw KafkaError(code: .invalidState, message: "the transaction has already ended")
        }
    }
}
