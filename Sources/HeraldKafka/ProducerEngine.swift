import Logging
import Synchronization

/// The machinery shared by `KafkaProducer` and `TransactionalProducer`: the client, the thread
/// that serves its delivery reports and logs, back-pressure on a full local queue, and the
/// closed/fatal state every call checks first.
final class ProducerEngine: Sendable {
    /// State shared with the service thread (which must not retain the engine itself, so an
    /// engine dropped without `close()` still stops its thread and frees the client).
    final class Shared: Sendable {
        struct State {
            var closed = false
            var fatal: KafkaError?
            var capacityWaiters: [CheckedContinuation<Void, Never>] = []
        }

        let state = Mutex(State())

        func resumeCapacityWaiters() {
            let waiters = state.withLock { state in
                defer { state.capacityWaiters = [] }
                return state.capacityWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    let client: RDKafkaClient
    let executor: BlockingExecutor
    let configuration: KafkaConfiguration
    let logger: Logger
    /// Told of each acknowledged record: `nil` for a transactional producer, whose records become
    /// readable only when their transaction commits.
    private let acknowledgements: LocalWriteSignal?
    private let shared: Shared
    private let thread: ServiceThread

    init(configuration: KafkaConfiguration, properties: [String: String], announcesAcknowledgements: Bool, logger: Logger) throws(KafkaError) {
        let shared = Shared()
        let callbacks = RDKafkaClient.Callbacks(logger: logger) { error in
            if error.isFatal {
                shared.state.withLock { state in state.fatal = state.fatal ?? error }
                logger.info("Kafka producer hit a fatal error", metadata: [LogKeys.error: "\(error)"])
            } else {
                logger.debug("Kafka producer error (librdkafka retries)", metadata: [LogKeys.error: "\(error)"])
            }
        }
        let client = try RDKafkaClient(
            kind: .producer,
            properties: configuration.producerProperties
                .merging(["message.timeout.ms": String(max(1, configuration.deliveryTimeout.milliseconds))]) { _, new in new }
                .merging(properties) { _, new in new },
            callbacks: callbacks
        )
        self.client = client
        self.shared = shared
        self.acknowledgements = announcesAcknowledgements ? configuration.writeSignal : nil
        self.configuration = configuration
        self.logger = logger
        self.executor = BlockingExecutor(label: "herald.kafka.producer.blocking")
        self.thread = ServiceThread(name: "herald.kafka.producer.poll") { thread in
            Self.serve(client: client, shared: shared, thread: thread, drainTimeout: configuration.deliveryTimeout)
        }
    }

    deinit {
        thread.requestStop()
        shared.resumeCapacityWaiters()
    }

    private static func serve(client: RDKafkaClient, shared: Shared, thread: ServiceThread, drainTimeout: Duration) {
        while !thread.isStopRequested {
            client.poll(timeoutMilliseconds: 100)
            shared.resumeCapacityWaiters()
        }
        // Every pending delivery must complete, or its awaiting task and retained context would leak.
        client.purgeOutstanding()
        let deadline = ContinuousClock.now + drainTimeout
        repeat {
            client.poll(timeoutMilliseconds: 50)
        } while client.outstandingCount > 0 && ContinuousClock.now < deadline
        shared.resumeCapacityWaiters()
    }

    /// Throws the latched fatal error, or `.closed`.
    func checkUsable() throws(KafkaError) {
        let (closed, fatal) = shared.state.withLock { ($0.closed, $0.fatal) }
        if let fatal { throw fatal }
        if closed { throw KafkaError(code: .closed, message: "producer is closed") }
    }

    /// Records `error` as the producer's terminal state if librdkafka classified it fatal.
    func latchIfFatal(_ error: KafkaError) {
        guard error.isFatal else { return }
        shared.state.withLock { state in state.fatal = state.fatal ?? error }
    }

    /// Enqueues a record, waiting (suspended, not blocking) while librdkafka's local queue is full.
    func enqueue(_ record: ProducerRecord) async throws -> PendingDelivery {
        let delivery = PendingDelivery(topic: record.topic, announcingTo: acknowledgements)
        while true {
            try checkUsable()
            do {
                try client.produce(record, delivery: delivery)
                return delivery
            } catch where error.code == .queueFull {
                await waitForCapacity()
            } catch {
                latchIfFatal(error)
                throw error
            }
        }
    }

    /// Enqueues records in order without a report each (a transaction's commit tells their fate),
    /// waiting (suspended, not blocking) while librdkafka's local queue is full.
    func enqueueUnreported(_ records: [ProducerRecord]) async throws {
        var index = 0
        while index < records.count {
            try checkUsable()
            do {
                while index < records.count {
                    try client.produce(records[index], delivery: nil)
                    index += 1
                }
            } catch where error.code == .queueFull {
                await waitForCapacity()
            } catch {
                latchIfFatal(error)
                throw error
            }
        }
    }

    private func waitForCapacity() async {
        await withCheckedContinuation { continuation in
            let closed = shared.state.withLock { state in
                if !state.closed { state.capacityWaiters.append(continuation) }
                return state.closed
            }
            if closed { continuation.resume() }
        }
    }

    func flush() async throws {
        try checkUsable()
        let client = client
        let timeout = configuration.deliveryTimeout
        try await executor.run { try client.flush(timeout: timeout) }
    }

    /// Stops intake, waits up to the delivery timeout for outstanding records, fails the rest
    /// with `.purged`, and stops the service thread. Idempotent.
    func close() async {
        let alreadyClosed = shared.state.withLock { state in
            defer { state.closed = true }
            return state.closed
        }
        shared.resumeCapacityWaiters()
        if !alreadyClosed {
            let client = client
            let timeout = configuration.deliveryTimeout
            let logger = logger
            await executor.run {
                do { try client.flush(timeout: timeout) } catch {
                    logger.info("Kafka producer closed with records still outstanding", metadata: [LogKeys.error: "\(error)"])
                }
            }
        }
        thread.requestStop()
        await thread.join()
    }
}

extension KafkaProducer {
    /// Producer behaviour shared by `KafkaProducer` and `TransactionalProducer`.
    public struct Options: Sendable {
        /// How records without an explicit partition are spread. Default `.murmur2Random`,
        /// identical to the Java client's default, so keyed records land where other clients put them.
        public var partitioner: Partitioner
        /// Exactly-once, in-order writes per partition despite retries (`enable.idempotence`).
        /// Default `true`; transactional producers are always idempotent.
        public var isIdempotent: Bool
        /// Batch compression. Default `.none` (the payloads are compact Avro).
        public var compression: Compression
        /// How long to wait for more records before sending a batch (`linger.ms`). Default 5 ms.
        public var linger: Duration
        /// Transactional producers only: how long the broker lets a transaction stay open before
        /// aborting it (`transaction.timeout.ms`). Default 60 s.
        public var transactionTimeout: Duration

        public init(
            partitioner: Partitioner = .murmur2Random,
            isIdempotent: Bool = true,
            compression: Compression = .none,
            linger: Duration = .milliseconds(5),
            transactionTimeout: Duration = .seconds(60)
        ) {
            self.partitioner = partitioner
            self.isIdempotent = isIdempotent
            self.compression = compression
            self.linger = linger
            self.transactionTimeout = transactionTimeout
        }

        var properties: [String: String] {
            [
                "partitioner": partitioner.name,
                "enable.idempotence": isIdempotent ? "true" : "false",
                "compression.codec": compression.name,
                "linger.ms": String(linger.milliseconds),
                "transaction.timeout.ms": String(transactionTimeout.milliseconds),
            ]
        }
    }

    /// librdkafka's partitioners, by name.
    public struct Partitioner: Sendable, Hashable {
        let name: String
        /// Java-compatible murmur2 of the key; keyless records spread randomly.
        public static let murmur2Random = Partitioner(name: "murmur2_random")
        /// Java-compatible murmur2 of the key; keyless records all go to one partition.
        public static let murmur2 = Partitioner(name: "murmur2")
        /// CRC32 of the key (librdkafka's historical default); keyless records spread randomly.
        public static let consistentRandom = Partitioner(name: "consistent_random")
        /// FNV-1a of the key (Sarama-compatible); keyless records spread randomly.
        public static let fnv1aRandom = Partitioner(name: "fnv1a_random")
        /// Every record to a random partition.
        public static let random = Partitioner(name: "random")
    }

    /// Batch compression codecs.
    public struct Compression: Sendable, Hashable {
        let name: String
        public static let none = Compression(name: "none")
        public static let gzip = Compression(name: "gzip")
        public static let snappy = Compression(name: "snappy")
        public static let lz4 = Compression(name: "lz4")
        public static let zstd = Compression(name: "zstd")
    }
}
