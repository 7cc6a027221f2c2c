import HeraldCore
import HeraldKafka
import Logging
import Synchronization

/// Many concurrent publish calls, one Kafka transaction: calls that arrive while a transaction
/// commits wait in the next batch (bounded by records, bytes and linger; `GroupCommitBatcher`
/// decides), and each call is answered only once the transaction holding its records committed.
/// When a transaction fails, every call in it fails and none of its records is visible to
/// read_committed readers. When it failed fatally (fenced: another instance took the
/// transactional id), every waiting call fails too and `run()` throws, so the process exits and
/// its supervisor restarts it instead of it answering UNAVAILABLE for ever.
final class GroupCommitter: RecordCommitter {
    /// One call's records (or a run of a stream's), written in one transaction.
    struct Submission: Sendable {
        let records: [ProducerRecord]
        let reply: @Sendable (Result<[DeliveryReport], any Error>) -> Void
    }

    private enum Input: Sendable {
        case submit(Submission, count: Int, size: Int)
        case tick
        case committed(reports: [[DeliveryReport]])
        case failed(any Error)
        case shutdown
    }

    struct ShuttingDown: Error, CustomStringConvertible {
        var description: String { "the producer is shutting down" }
    }

    private let producer: TransactionalProducer
    /// Records, bytes and linger of one transaction.
    let configuration: GroupCommitBatcher<Submission>.Configuration
    private let logger: Logger
    private let inputs: AsyncStream<Input>
    private let input: AsyncStream<Input>.Continuation
    /// Every call not answered yet, so none is left waiting if `run()` ends early (cancelled).
    private let unanswered = Mutex<[Int: @Sendable (Result<[DeliveryReport], any Error>) -> Void]>([:])
    private let nextCall = Atomic<Int>(0)

    init(producer: TransactionalProducer, configuration: GroupCommitBatcher<Submission>.Configuration, logger: Logger) {
        self.producer = producer
        self.configuration = configuration
        self.logger = logger
        (inputs, input) = AsyncStream.makeStream(of: Input.self)
    }

    func submit(_ records: [ProducerRecord], reply: @escaping @Sendable (Result<[DeliveryReport], any Error>) -> Void) {
        let size = records.reduce(0) { $0 + Self.bytes(of: $1) }
        let id = nextCall.add(1, ordering: .relaxed).newValue
        unanswered.withLock { $0[id] = reply }
        let submission = Submission(records: records) { [self] result in
            unanswered.withLock { $0.removeValue(forKey: id) }?(result)
        }
        if case .terminated = input.yield(.submit(submission, count: records.count, size: size)) {
            submission.reply(.failure(ShuttingDown()))
        }
    }

    /// A record's weight in the byte bound: its key and value.
    static func bytes(of record: ProducerRecord) -> Int {
        (record.value?.count ?? 0) + (record.key?.count ?? 0)
    }

    /// Stops taking calls; the open batch is still committed before `run()` returns.
    func shutDown() {
        input.yield(.shutdown)
    }

    /// Drives the batcher until shut down and drained; throws the producer's fatal error.
    func run() async throws {
        var batcher = GroupCommitBatcher<Submission>(configuration: configuration)
        var fatal: KafkaError?
        await withDiscardingTaskGroup { tasks in
            var reports: [[DeliveryReport]] = []
            loop: for await event in inputs {
                let now = ContinuousClock.now
                let actions: [GroupCommitBatcher<Submission>.Action]
                switch event {
                case .submit(let submission, let count, let size): actions = batcher.submit(submission, count: count, size: size, now: now)
                case .tick: actions = batcher.tick(now: now)
                case .committed(let committed):
                    reports = committed
                    actions = batcher.transactionCommitted(now: now)
                case .failed(let error as KafkaError) where error.isFatal:
                    fatal = error
                    logger.error("The transactional producer failed fatally; the service stops", metadata: ["error": "\(error)"])
                    actions = batcher.producerFailed(error)
                case .failed(let error): actions = batcher.transactionFailed(error, now: now)
                case .shutdown: actions = batcher.shutdown(now: now)
                }
                for action in actions {
                    switch action {
                    case .startTransaction(let submissions):
                        tasks.addTask { [producer, input] in
                            let started = ContinuousClock.now
                            do {
                                let reports = try await Self.commit(submissions, with: producer)
                                TransactionMetrics.committed(records: reports.reduce(0) { $0 + $1.count }, after: ContinuousClock.now - started)
                                input.yield(.committed(reports: reports))
                            } catch {
                                TransactionMetrics.failed(after: ContinuousClock.now - started)
                                input.yield(.failed(error))
                            }
                        }
                    case .scheduleLinger(let deadline):
                        tasks.addTask { [input] in
                            try? await Task.sleep(until: deadline)
                            input.yield(.tick)
                        }
                    case .complete(let submissions, .committed):
                        for (submission, records) in zip(submissions, reports) { submission.reply(.success(records)) }
                        reports = []
                    case .complete(let submissions, .failed(let error)):
                        logger.info("Transaction failed; its calls are answered UNAVAILABLE", metadata: ["error": "\(error)", "herald.calls": "\(submissions.count)"])
                        for submission in submissions { submission.reply(.failure(error)) }
                    case .reject(let submission, _):
                        submission.reply(.failure(ShuttingDown()))
                    case .finished:
                        input.finish()
                        break loop
                    }
                }
            }
            tasks.cancelAll()
        }
        // Calls that arrived after the last batch closed, or that a cancelled run never reached,
        // are refused rather than left waiting.
        input.finish()
        let left = unanswered.withLock { calls in
            defer { calls.removeAll() }
            return Array(calls.values)
        }
        for reply in left { reply(.failure(fatal ?? ShuttingDown())) }
        if let fatal { throw fatal }
    }

    /// One transaction holding every record of `submissions`, in order.
    private static func commit(_ submissions: [Submission], with producer: TransactionalProducer) async throws -> [[DeliveryReport]] {
        let pending = try await producer.withTransaction { transaction in
            var pending: [[PendingDelivery]] = []
            pending.reserveCapacity(submissions.count)
            for submission in submissions {
                var deliveries: [PendingDelivery] = []
                deliveries.reserveCapacity(submission.records.count)
                for record in submission.records { deliveries.append(try await transaction.send(record)) }
                pending.append(deliveries)
            }
            return pending
        }
        var reports: [[DeliveryReport]] = []
        reports.reserveCapacity(pending.count)
        for deliveries in pending {
            var batch: [DeliveryReport] = []
            for delivery in deliveries { batch.append(try await delivery.report) }
            reports.append(batch)
        }
        return reports
    }
}
