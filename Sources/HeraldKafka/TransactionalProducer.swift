public import Logging
import Synchronization

/// A producer that writes records and consumer offsets atomically, under a `transactional.id`.
///
/// Starting a producer with the same id fences every older instance: the old one fails with a
/// fatal `.fenced` error and the broker aborts whatever transaction it left open.
///
/// ```swift
/// let producer = try await TransactionalProducer.incarnating("router-0", configuration: config, logger: logger)
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
///
/// A producer made by `incarnating(_:configuration:…)` also moves to a fresh transactional id after every
/// abort, before its next transaction begins (see `TransactionalIDLedger` for why).
public final class TransactionalProducer: Sendable {
    /// The transactional id in use; for an incarnating producer `<base>.<n>`, which changes after an abort.
    public var transactionalID: String { current.withLock { $0.id } }

    /// One librdkafka producer under one transactional id.
    private struct Incarnation: Sendable {
        var id: String
        var number: Int
        var engine: ProducerEngine
    }

    /// Where an incarnating producer records its incarnations.
    private struct Incarnations: Sendable {
        var base: String
        var ledger: TransactionalIDLedger
        var options: KafkaProducer.Options
    }

    private let current: Mutex<Incarnation>
    private let incarnations: Incarnations?
    /// librdkafka allows one transaction at a time per producer.
    private let transactionOpen = Atomic<Bool>(false)
    /// An abort that did not finish within the request timeout (the broker stopped answering). It
    /// goes on in the background; the next transaction completes it before beginning, so a failed
    /// transaction is reported after one bounded abort attempt instead of waiting for the broker.
    private let abortPending = Atomic<Bool>(false)
    /// An incarnating producer aborted and must move to its next incarnation before beginning again.
    private let renewalPending = Atomic<Bool>(false)

    /// A producer that keeps `transactionalID` for good; call `initTransactions()` before the first transaction.
    public convenience init(
        configuration: KafkaConfiguration,
        transactionalID: String,
        options: KafkaProducer.Options = KafkaProducer.Options(),
        logger: Logger
    ) throws {
        let engine = try Self.engine(transactionalID, configuration: configuration, options: options, logger: logger)
        self.init(Incarnation(id: transactionalID, number: 0, engine: engine), incarnations: nil)
    }

    private init(_ incarnation: Incarnation, incarnations: Incarnations?) {
        current = Mutex(incarnation)
        self.incarnations = incarnations
    }

    /// A producer under `<base>.<n+1>`, where `n` is the incarnation last recorded for `base` in
    /// the ledger topic (`KafkaConfiguration.transactionalIDLedgerTopic`, created if missing):
    /// `<base>.<n>` is fenced first (aborting what it left open), `n+1` is recorded, and the
    /// producer is returned with its transactions initialised. It moves on to the next incarnation
    /// the same way after every abort.
    public static func incarnating(
        _ base: String,
        configuration: KafkaConfiguration,
        options: KafkaProducer.Options = KafkaProducer.Options(),
        logger: Logger
    ) async throws -> TransactionalProducer {
        let ledger = TransactionalIDLedger(configuration: configuration, logger: logger)
        try await ledger.prepare()
        let incarnations = Incarnations(base: base, ledger: ledger, options: options)
        let latest = try await ledger.latestIncarnation(of: base)
        if let latest {
            // Fences whoever still writes under it and aborts what it left open.
            try await initialised(latest, of: incarnations).engine.close()
        }
        let first = try await start((latest ?? -1) + 1, of: incarnations)
        return TransactionalProducer(first, incarnations: incarnations)
    }

    /// Records incarnation `number` and starts a producer under it.
    private static func start(_ number: Int, of incarnations: Incarnations) async throws -> Incarnation {
        try await incarnations.ledger.record(number, of: incarnations.base)
        let started = try await initialised(number, of: incarnations)
        incarnations.ledger.logger.info("Transactional producer started", metadata: [LogKeys.kafkaTransactionalID: "\(started.id)"])
        return started
    }

    /// A producer under incarnation `number`, its transactions initialised.
    private static func initialised(_ number: Int, of incarnations: Incarnations) async throws -> Incarnation {
        let id = "\(incarnations.base).\(number)"
        let ledger = incarnations.ledger
        let engine = try engine(id, configuration: ledger.configuration, options: incarnations.options, logger: ledger.logger)
        do { try await initTransactions(engine) } catch {
            await engine.close()
            throw error
        }
        return Incarnation(id: id, number: number, engine: engine)
    }

    private static func engine(
        _ transactionalID: String, configuration: KafkaConfiguration, options: KafkaProducer.Options, logger: Logger
    ) throws -> ProducerEngine {
        var properties = options.properties
        properties["transactional.id"] = transactionalID
        properties["enable.idempotence"] = "true"
        var logger = logger
        logger[metadataKey: LogKeys.kafkaTransactionalID] = "\(transactionalID)"
        return try ProducerEngine(configuration: configuration, properties: properties, announcesAcknowledgements: false, logger: logger)
    }

    private static func initTransactions(_ engine: ProducerEngine) async throws {
        try engine.checkUsable()
        let client = engine.client
        let timeout = engine.configuration.requestTimeout
        do {
            try await engine.executor.run { try client.initTransactions(timeout: timeout) }
        } catch let error as KafkaError {
            engine.latchIfFatal(error)
            throw error
        }
    }

    /// Registers the transactional id with its coordinator, fencing older instances and aborting
    /// the transaction they left open. Call once before the first transaction of a producer made
    /// with `init` (an incarnating producer comes initialised); a retriable error (e.g. `.timedOut`)
    /// may be retried.
    public func initTransactions() async throws {
        try await Self.initTransactions(current.withLock { $0.engine })
    }

    /// Runs `body` inside a transaction: commits when it returns, aborts when it throws (and
    /// rethrows its error). Returns `body`'s result once the commit succeeded.
    public func withTransaction<Result>(_ body: (Transaction) async throws -> Result) async throws -> Result {
        try current.withLock { $0.engine }.checkUsable()
        guard !transactionOpen.exchange(true, ordering: .acquiringAndReleasing) else {
            throw KafkaError(code: .invalidState, message: "a transaction is already open on producer \(transactionalID)")
        }
        defer { transactionOpen.store(false, ordering: .releasing) }

        if abortPending.load(ordering: .acquiring) { try await abort(current.withLock { $0.engine }) }
        try await renewIfAborted()
        let engine = current.withLock { $0.engine }
        try classifiedSync(engine) { try engine.client.beginTransaction() }
        let transaction = Transaction(engine: engine)
        let result: Result
        do {
            result = try await body(transaction)
        } catch {
            _ = transaction.end()
            engine.logger.debug("Transaction body failed", metadata: [LogKeys.error: "\(error)"])
            do { try await abort(engine) } catch let abortError {
                engine.logger.info("Aborting the transaction failed", metadata: [LogKeys.error: "\(abortError)"])
            }
            throw error
        }
        let ended = transaction.end()
        try await commit(sendingFirst: ended.offsets, on: engine)
        // Committed, so readable: consumers of this process resting those topics fetch them now.
        engine.configuration.writeSignal.announce(ended.topics)
        return result
    }

    /// Stops the producer. An open transaction is not committed; the broker aborts it when this
    /// transactional id is next initialised (or when the transaction times out).
    public func close() async {
        await current.withLock { $0.engine }.close()
    }

    /// Moves an incarnating producer that aborted to its next incarnation. Refuses (fatally, like
    /// fencing) when the ledger shows a later incarnation started elsewhere under the same base.
    private func renewIfAborted() async throws {
        guard let incarnations, renewalPending.load(ordering: .acquiring) else { return }
        let previous = current.withLock { $0 }
        if let latest = try await incarnations.ledger.latestIncarnation(of: incarnations.base), latest > previous.number {
            let error = KafkaError(
                code: .fenced, message: "incarnation \(latest) of \(incarnations.base) was started elsewhere", isFatal: true)
            previous.engine.latchIfFatal(error)
            throw error
        }
        let next = try await Self.start(previous.number + 1, of: incarnations)
        current.withLock { $0 = next }
        renewalPending.store(false, ordering: .releasing)
        await previous.engine.close()
    }

    /// Consumer offsets the body sent could not be added to the transaction.
    private struct OffsetsNotSent: Error {
        let error: KafkaError
    }

    /// Adds the body's consumer offsets and commits, in one blocking call (a thread hop less per
    /// transaction); a failure to add the offsets aborts, like a failure in the body.
    private func commit(sendingFirst offsets: [Transaction.Offsets], on engine: ProducerEngine) async throws {
        let client = engine.client
        let timeout = engine.configuration.requestTimeout
        var offsets = offsets
        var backoff = Self.commitBackoff
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
                    do { try await abort(engine) } catch let abortError {
                        engine.logger.info("Aborting the transaction failed", metadata: [LogKeys.error: "\(abortError)"])
                    }
                }
                throw failure.error
            } catch let error as KafkaError {
                offsets = []
                engine.latchIfFatal(error)
                if error.isFatal { throw error }
                if error.requiresAbort {
                    try await abort(engine)
                    throw error
                }
                // The commit may have reached the coordinator: aborting now could undo a commit that
                // readers already see as done elsewhere, so only retrying is safe.
                guard error.isRetriable, !Task.isCancelled else { throw error }
                guard let wait = backoff.next() else {
                    // Neither abort nor another retry is safe: the producer is unusable, and the
                    // service restarts, fencing this incarnation (which settles the transaction).
                    let fatal = KafkaError(code: .fatal, message: "transaction commit still failing after \(backoff.maxRetries) retries: \(error.message)", isFatal: true)
                    engine.latchIfFatal(fatal)
                    throw fatal
                }
                engine.logger.info("Retrying transaction commit", metadata: [LogKeys.error: "\(error)", "retry.wait": "\(wait)"])
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// Retries of a commit that failed retriably: 50 ms doubling to 5 s, 10 retries (about 25 s).
    static let commitBackoff = RetryBackoff(first: .milliseconds(50), longest: .seconds(5), maxRetries: 10)

    private func abort(_ engine: ProducerEngine) async throws {
        let client = engine.client
        let timeout = engine.configuration.requestTimeout
        engine.logger.debug("Aborting transaction")
        abortPending.store(true, ordering: .releasing)
        // Set before the attempt: even an abort that fails may have reached the broker.
        if incarnations != nil { renewalPending.store(true, ordering: .releasing) }
        try await classified(engine) { try await engine.executor.run { try client.abortTransaction(timeout: timeout) } }
        abortPending.store(false, ordering: .releasing)
    }

    private func classified(_ engine: ProducerEngine, _ operation: () async throws -> Void) async throws {
        do { try await operation() } catch let error as KafkaError {
            engine.latchIfFatal(error)
            throw error
        }
    }

    private func classifiedSync(_ engine: ProducerEngine, _ operation: () throws -> Void) throws {
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
        let written = Mutex<Ended>(Ended(offsets: [], topics: []))
    }

    init(engine: ProducerEngine) {
        self.engine = engine
    }

    /// Consumer offsets to add to the transaction, with the group membership they belong to.
    struct Offsets: Sendable {
        var offsets: [TopicPartitionOffset]
        var groupMetadata: ConsumerGroupMetadata
    }

    /// What a transaction body sent: the offsets the commit adds, and the topics it wrote to.
    struct Ended: Sendable {
        var offsets: [Offsets]
        var topics: Set<String>
    }

    /// Ends the transaction body; returns what it sent.
    func end() -> Ended {
        scope.isOpen.store(false, ordering: .releasing)
        return scope.written.withLock { written in
            defer { written = Ended(offsets: [], topics: []) }
            return written
        }
    }

    /// Enqueues a record in this transaction without waiting for the broker. Await the returned
    /// delivery's `report` after `withTransaction` returned to learn the record's partition and offset.
    public func send(_ record: ProducerRecord) async throws -> PendingDelivery {
        try checkOpen()
        scope.written.withLock { _ = $0.topics.insert(record.topic) }
        return try await engine.enqueue(record)
    }

    /// Enqueues `records` in this transaction, in order, without a report per record: the commit
    /// succeeds only if every one of them was written. Cheaper than one `send(_:)` per record.
    public func send(contentsOf records: [ProducerRecord]) async throws {
        try checkOpen()
        scope.written.withLock { written in
            for record in records { written.topics.insert(record.topic) }
        }
        try await engine.enqueueUnreported(records)
    }

    /// Commits the consumer's offsets (the *next* offsets to read) as part of this transaction.
    /// They are added to it when the body returns, in the same blocking call as the commit; if
    /// that fails, the transaction aborts and `withTransaction` throws the error.
    public func sendOffsets(_ offsets: [TopicPartitionOffset], groupMetadata: ConsumerGroupMetadata) async throws {
        try checkOpen()
        guard !offsets.isEmpty else { return }
        scope.written.withLock { $0.offsets.append(Offsets(offsets: offsets, groupMetadata: groupMetadata)) }
    }

    private func checkOpen() throws(KafkaError) {
        try engine.checkUsable()
        guard scope.isOpen.load(ordering: .acquiring) else {
            throw KafkaError(code: .invalidState, message: "the transaction has already ended")
        }
    }
}
