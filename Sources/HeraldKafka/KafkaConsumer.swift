public import Logging

/// What a consumer observes, in order: messages and the assignment changes between them.
///
/// Partitions are announced by `.partitionsAssigned` before any of their messages, and no message
/// of a partition follows its `.partitionsRevoked`, so callers can load per-partition state on
/// assignment and drop it on revocation without racing the messages.
public enum KafkaConsumerEvent: Sendable, Hashable {
    case message(KafkaMessage)
    case partitionsAssigned([TopicPartition])
    /// Revoked by a rebalance, lost (e.g. after a session timeout), replaced by `assign`, or released on close.
    /// With `Options.revocation` `.afterAcknowledgement`, the group hands them on only after
    /// `acknowledgeRevocations()`.
    case partitionsRevoked([TopicPartition])
    /// The consumer reached the end of a partition, at `offset` (only with `reportsEndOfPartition`).
    /// Unlike the last message's offset, this accounts for transaction control records.
    case endOfPartition(TopicPartitionOffset)
}

/// A consumer, in a group (`subscribe`) or with manual assignment (`assign`), with manual commits.
///
/// A dedicated thread polls librdkafka and fills a bounded buffer that `events` drains, so a slow
/// caller slows fetching instead of growing memory. Iterate `events` from one task at a time.
///
/// ```swift
/// let consumer = try KafkaConsumer(configuration: config, options: .init(groupID: "router"), logger: logger)
/// try await consumer.subscribe(["herald.events"])
/// for try await event in consumer.events {
///     if case .message(let message) = event { …; try await consumer.commit([message.nextOffset]) }
/// }
/// ```
public final class KafkaConsumer: Sendable {
    private let loop: ConsumerPollLoop
    private let buffer: ConsumerEventBuffer
    private let thread: ServiceThread
    private let client: RDKafkaClient
    private let executor: BlockingExecutor
    private let configuration: KafkaConfiguration
    private let groupID: String?

    public init(configuration: KafkaConfiguration, options: Options = Options(), logger: Logger) throws {
        var logger = logger
        if let groupID = options.groupID { logger[metadataKey: LogKeys.kafkaGroupID] = "\(groupID)" }
        let buffer = ConsumerEventBuffer(capacity: options.bufferCapacity)
        let relay = ConsumerCallbackRelay()
        let callbacks = relay.callbacks(
            logger: logger,
            onStatistics: options.lagReporting.map { ConsumerStatistics.handler(reporting: $0, readCommitted: options.isolationLevel == .readCommitted, logger: logger) }
        )
        let client = try RDKafkaClient(
            kind: .consumer,
            properties: configuration.consumerProperties
                .merging(options.properties(resting: configuration.idleFetchBackoff > .zero)) { _, new in new },
            callbacks: callbacks
        )
        let loop = ConsumerPollLoop(
            client: client, buffer: buffer, revocation: options.revocation, reportsEndOfPartition: options.reportsEndOfPartition,
            idleFetchBackoff: configuration.idleFetchBackoff, catchUp: options.catchUp, writeSignal: configuration.writeSignal, logger: logger)
        relay.connect(loop)
        self.loop = loop
        self.buffer = buffer
        self.client = client
        self.configuration = configuration
        self.groupID = options.groupID
        self.executor = BlockingExecutor(label: "herald.kafka.consumer.blocking")
        self.thread = ServiceThread(name: "herald.kafka.consumer.poll") { thread in loop.run(thread) }
    }

    deinit {
        thread.requestStop()
        buffer.interrupt()
        client.wakeConsumerPoll()
    }

    /// The consumer's messages and assignment changes. Ends after `close()`; throws a fatal error.
    public var events: Events { Events(buffer: buffer) }

    /// Joins the group (`groupID` required) and follows its assignment of `topics`.
    public func subscribe(_ topics: [String]) async throws {
        try requireGroup()
        let client = client
        try await executor.run { try client.subscribe(topics) }
    }

    /// Replaces the assignment with exactly these partitions, starting at the given offsets
    /// (`KafkaOffset.beginning`, `.end`, `.stored`, or an absolute offset). No group needed.
    public func assign(_ partitions: [TopicPartitionOffset]) async throws {
        try await loop.perform { loop in try loop.assign(partitions) }
    }

    /// Commits offsets (each the *next* offset to read) for the group, waiting for the broker.
    public func commit(_ offsets: [TopicPartitionOffset]) async throws {
        try requireGroup()
        guard !offsets.isEmpty else { return }
        let client = client
        try await executor.run { try client.commit(offsets) }
    }

    /// The group's committed offsets; `KafkaOffset.invalid` where none is committed.
    public func committed(_ partitions: [TopicPartition]) async throws -> [TopicPartitionOffset] {
        try requireGroup()
        let client = client
        let timeout = configuration.requestTimeout
        return try await executor.run { try client.committed(partitions, timeout: timeout) }
    }

    /// The offset after the last message this consumer handed out from each partition (or the
    /// end-of-partition offset it reached, or the offset it was seeked to); `KafkaOffset.invalid` if none yet.
    public func position(_ partitions: [TopicPartition]) -> [TopicPartitionOffset] {
        partitions.map { TopicPartitionOffset($0, offset: buffer.position(of: $0) ?? KafkaOffset.invalid) }
    }

    /// The partitions assigned to this consumer now (by the group or `assign`). A revocation
    /// held for `acknowledgeRevocations()` still counts its partitions as assigned.
    public func assignment() throws -> [TopicPartition] {
        try client.assignment()
    }

    /// Confirms that the work of every partition in the `.partitionsRevoked` events taken from
    /// `events` so far is committed or dropped, so the group may hand them to another member
    /// (with `Options.revocation` `.afterAcknowledgement`; otherwise it does nothing).
    public func acknowledgeRevocations() {
        buffer.acknowledgeRevocations()
    }

    /// The current group membership, for `Transaction.sendOffsets` (KIP-447).
    public func groupMetadata() throws -> ConsumerGroupMetadata {
        try requireGroup()
        return try client.groupMetadata()
    }

    private func requireGroup() throws(KafkaError) {
        guard groupID != nil else {
            throw KafkaError(code: .invalidState, message: "the consumer has no group id: commits and group metadata need one")
        }
    }

    /// Stops fetching these partitions. Buffered messages not yet handed out are discarded and
    /// fetched again after `resume`, so nothing is skipped.
    public func pause(_ partitions: [TopicPartition]) async throws {
        try await loop.perform { loop in try loop.pause(partitions) }
    }

    public func resume(_ partitions: [TopicPartition]) async throws {
        try await loop.perform { loop in try loop.resume(partitions) }
    }

    /// Continues these partitions from the given offsets; buffered messages of them are discarded.
    public func seek(_ positions: [TopicPartitionOffset]) async throws {
        try await loop.perform { loop in try loop.seek(positions) }
    }

    /// Number of partitions of `topic` and their low/high watermarks, as the broker reports them now.
    func watermarks(of topic: String) async throws -> [Int32: (low: Int64, high: Int64)] {
        let client = client
        let timeout = configuration.requestTimeout
        return try await executor.run {
            var result: [Int32: (low: Int64, high: Int64)] = [:]
            for partition in try client.partitions(of: topic, timeout: timeout) {
                result[partition] = try client.watermarks(topic: topic, partition: partition, timeout: timeout)
            }
            return result
        }
    }

    /// Runs `body` with a consumer of its own, closed again when `body` returns or throws.
    public static func withConsumer<Result>(
        configuration: KafkaConfiguration, options: Options, logger: Logger, _ body: (KafkaConsumer) async throws -> Result
    ) async throws -> Result {
        try await closing(try KafkaConsumer(configuration: configuration, options: options, logger: logger), body)
    }

    /// Leaves the group (a static member keeps its partitions until it returns or its session
    /// expires), commits nothing, and ends `events`. Idempotent.
    public func close() async {
        thread.requestStop()
        buffer.interrupt()
        client.wakeConsumerPoll()
        await thread.join()
    }

    /// `events` as an `AsyncSequence`.
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = KafkaConsumerEvent
        let buffer: ConsumerEventBuffer

        public func makeAsyncIterator() -> Iterator { Iterator(buffer: buffer) }

        public struct Iterator: AsyncIteratorProtocol {
            let buffer: ConsumerEventBuffer
            public mutating func next() async throws -> KafkaConsumerEvent? { try await buffer.next() }

            /// Up to `limit` events that are already buffered, without waiting (`[]` if none is), so
            /// a caller can take a whole batch at once and await `next()` only when idle.
            public func available(upTo limit: Int) throws -> [KafkaConsumerEvent] { try buffer.available(upTo: limit) }
        }
    }
}

extension KafkaConsumer {
    /// Consumer behaviour; the defaults suit Herald's exactly-once services.
    public struct Options: Sendable {
        /// The consumer group; required for `subscribe` and commits. `nil` for manual assignment only.
        public var groupID: String?
        /// Static membership (`group.instance.id`): a restarted instance with the same id takes its
        /// partitions back without a rebalance. Keep `nil` where the member must leave on close.
        public var groupInstanceID: String?
        /// Default `.readCommitted`: aborted and open transactions are never visible.
        public var isolationLevel: IsolationLevel
        /// Where to start without a committed offset. Default `.earliest`, so a new group reads
        /// everything already written rather than skipping it.
        public var autoOffsetReset: AutoOffsetReset
        /// How long the group waits for a silent member before reassigning its partitions. Default 45 s.
        public var sessionTimeout: Duration
        /// Events buffered ahead of the caller before fetching pauses. Default 1024.
        public var bufferCapacity: Int
        /// Emit `.endOfPartition` whenever the consumer catches up with a partition. Default `false`.
        public var reportsEndOfPartition: Bool
        /// When a rebalance may take partitions away. Default `.immediate`.
        public var revocation: Revocation
        /// How long the broker may hold a fetch open while it has nothing new (`fetch.wait.max.ms`).
        /// Default 50 ms, not librdkafka's 500: a read_committed fetch that waits while the records it
        /// could return are still uncommitted is not woken by the commit marker on the local broker,
        /// so each hop of the pipeline could add the whole wait (a confluent-kafka probe saw a
        /// committed record arrive after up to 1,051 ms with 500 ms, 52 ms with 50 ms; docs/ARCHITECTURE.md §7).
        public var fetchWait: Duration
        /// Lag per assigned partition, reported from librdkafka's statistics. Default `nil` (no statistics).
        public var lagReporting: ConsumerLagReporting?
        /// How soon a caught-up partition is fetched again while partitions rest
        /// (`KafkaConfiguration.idleFetchBackoff`). Default `.prompt`.
        public var catchUp: CatchUp

        public init(
            groupID: String? = nil,
            groupInstanceID: String? = nil,
            isolationLevel: IsolationLevel = .readCommitted,
            autoOffsetReset: AutoOffsetReset = .earliest,
            sessionTimeout: Duration = .seconds(45),
            bufferCapacity: Int = 1024,
            reportsEndOfPartition: Bool = false,
            revocation: Revocation = .immediate,
            fetchWait: Duration = .milliseconds(50),
            lagReporting: ConsumerLagReporting? = nil,
            catchUp: CatchUp = .prompt
        ) {
            self.groupID = groupID
            self.groupInstanceID = groupInstanceID
            self.isolationLevel = isolationLevel
            self.autoOffsetReset = autoOffsetReset
            self.sessionTimeout = sessionTimeout
            self.bufferCapacity = bufferCapacity
            self.reportsEndOfPartition = reportsEndOfPartition
            self.revocation = revocation
            self.fetchWait = fetchWait
            self.lagReporting = lagReporting
            self.catchUp = catchUp
        }

        /// - Parameter resting: the poll loop rests caught-up partitions, so it needs librdkafka's
        ///   end-of-partition events even where the caller does not.
        func properties(resting: Bool) -> [String: String] {
            var result = [
                "isolation.level": isolationLevel.name,
                "auto.offset.reset": autoOffsetReset.name,
                "session.timeout.ms": String(sessionTimeout.milliseconds),
                // Commits are explicit (`commit` or a transaction), never behind the caller's back.
                "enable.auto.commit": "false",
                "enable.auto.offset.store": "false",
                "enable.partition.eof": reportsEndOfPartition || resting ? "true" : "false",
                "fetch.wait.max.ms": String(fetchWait.milliseconds),
            ]
            // librdkafka needs a group id even to assign partitions by hand; a private one is never
            // joined (no subscribe) and `commit`/`groupMetadata` refuse to use it.
            result["group.id"] = groupID ?? "herald.unmanaged.\(UInt64.random(in: 0...UInt64.max))"
            result["group.instance.id"] = groupInstanceID
            result["statistics.interval.ms"] = lagReporting.map { String(max(1, $0.interval.milliseconds)) }
            return result
        }
    }

    /// How soon a consumer reads records written to a partition it has caught up with.
    public struct CatchUp: Sendable, Hashable {
        /// The first rest of a caught-up partition.
        let shortestRest: Duration
        /// Whether a write made readable by this process ends the rests of its topic at once.
        let followsLocalWrites: Bool

        /// Rests start at 1 ms and end at once when this process writes to the topic: for the
        /// pipeline's stages, where every millisecond of a hop is a user's latency.
        public static let prompt = CatchUp(shortestRest: IdleFetchSchedule.firstBackoff, followsLocalWrites: true)

        /// Rests last at least `interval`, whoever writes: fewer, fuller fetches and batches, for a
        /// reader that may lag by that much (the delivery log follows every commit of its own
        /// process's deliveries; woken by each one, it fetched far more often than it had to).
        public static func batched(every interval: Duration) -> CatchUp {
            CatchUp(shortestRest: max(interval, IdleFetchSchedule.firstBackoff), followsLocalWrites: false)
        }
    }

    /// How a group rebalance takes partitions from this consumer.
    public struct Revocation: Sendable, Hashable {
        /// How long the rebalance waits for `acknowledgeRevocations()`; `nil` for not at all.
        let acknowledgementTimeout: Duration?

        /// The partitions go at once; the `.partitionsRevoked` event follows. Work of them still in
        /// flight may then commit after their next owner read the committed offsets.
        public static let immediate = Revocation(acknowledgementTimeout: nil)

        /// The rebalance waits, after handing out `.partitionsRevoked`, until the caller calls
        /// `acknowledgeRevocations()` (having committed or dropped the work of those partitions),
        /// or until `timeout` passes; the partitions' next owner cannot start before. This makes a
        /// transaction in flight for them commit, or fail, before their new owner reads the
        /// committed offsets, whether or not the broker fences stale group generations. Keep
        /// `timeout` below `max.poll.interval.ms` (default 300 s), which bounds the whole rebalance.
        public static func afterAcknowledgement(timeout: Duration) -> Revocation {
            Revocation(acknowledgementTimeout: timeout)
        }
    }

    public struct IsolationLevel: Sendable, Hashable {
        let name: String
        /// Only records of committed transactions (and non-transactional records).
        public static let readCommitted = IsolationLevel(name: "read_committed")
        /// Every record, including those of open and aborted transactions.
        public static let readUncommitted = IsolationLevel(name: "read_uncommitted")
    }

    public struct AutoOffsetReset: Sendable, Hashable {
        let name: String
        public static let earliest = AutoOffsetReset(name: "earliest")
        public static let latest = AutoOffsetReset(name: "latest")
        /// Fail (an error is logged and the partition is not consumed).
        public static let error = AutoOffsetReset(name: "error")
    }
}
