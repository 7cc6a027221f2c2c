public import Logging
import Synchronization

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
        let loop = ConsumerPollLoop(
            buffer: buffer, revocation: options.revocation, reportsEndOfPartition: options.reportsEndOfPartition,
            idleFetchBackoff: configuration.idleFetchBackoff, logger: logger)
        let callbacks = RDKafkaClient.Callbacks(
            logger: logger,
            onError: { [weak loop] error in loop?.report(error) },
            onRebalance: { [weak loop] rebalance in loop?.handle(rebalance) },
            onStatistics: options.lagReporting.map { ConsumerStatistics.handler(reporting: $0, readCommitted: options.isolationLevel == .readCommitted, logger: logger) }
        )
        let client = try RDKafkaClient(
            kind: .consumer,
            properties: configuration.clientProperties
                .merging(options.properties(resting: configuration.idleFetchBackoff > .zero)) { _, new in new },
            callbacks: callbacks
        )
        loop.client = client
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

    /// Fetches every partition resting after it was caught up (`KafkaConfiguration.idleFetchBackoff`)
    /// now rather than when its rest ends: for a caller that has just written to what it follows
    /// and waits to read that back. A fetch already under way may still find nothing and rest once more.
    public func fetchRestingPartitions() async throws {
        try await loop.perform { loop in loop.endRests() }
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

    /// Leaves the group (a static member keeps its partitions until it returns or its session
    /// expires), commits nothing, and ends `events`. Idempotent.
    public func close() async {
        thread.requestStop()
        buffer.interrupt()
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
            lagReporting: ConsumerLagReporting? = nil
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

/// The consumer's poll thread and everything only it touches. Commands from other tasks (assign,
/// pause, resume, seek) run on this thread between polls, so they are ordered with the messages.
final class ConsumerPollLoop: @unchecked Sendable {
    // Set once before the thread starts; afterwards every mutable field below is touched only on the poll thread.
    var client: RDKafkaClient!
    private let buffer: ConsumerEventBuffer
    private let revocation: KafkaConsumer.Revocation
    private let logger: Logger
    /// The poll thread, set when it starts; a revocation stops waiting for its acknowledgement when it stops.
    private var thread: ServiceThread?
    private let commands = Mutex<(closed: Bool, queue: [@Sendable (ConsumerPollLoop) -> Void])>((false, []))
    private var pending: [KafkaConsumerEvent] = []
    private let reportsEndOfPartition: Bool
    private let idleFetchBackoff: Duration
    private var paused: Set<TopicPartition> = []
    /// Caught-up partitions paused by the loop itself (`KafkaConfiguration.idleFetchBackoff`): when
    /// each is fetched again, and from where (its end-of-partition offset). Separate from the
    /// caller's pauses, whose buffered records are dropped.
    private var resting: [TopicPartition: (until: ContinuousClock.Instant, offset: Int64)] = [:]
    /// No later than the earliest rest's end (earlier after a rest ended early: then merely rechecked).
    private var nextWake: ContinuousClock.Instant?
    /// Offset after the last message moved toward the caller, per partition (where to refetch from after a pause).
    private var fetched: [TopicPartition: Int64] = [:]
    private var manualAssignment: Set<TopicPartition> = []
    private let topicNames = RDKafkaClient.TopicNames()
    private static let batchSize = 256

    init(
        buffer: ConsumerEventBuffer, revocation: KafkaConsumer.Revocation, reportsEndOfPartition: Bool,
        idleFetchBackoff: Duration, logger: Logger
    ) {
        self.buffer = buffer
        self.revocation = revocation
        self.reportsEndOfPartition = reportsEndOfPartition
        self.idleFetchBackoff = idleFetchBackoff
        self.logger = logger
    }

    func run(_ thread: ServiceThread) {
        self.thread = thread
        while !thread.isStopRequested {
            runCommands()
            let wait = wakeRestedPartitions(within: 100)
            let timeout = pending.isEmpty ? wait : 0
            guard let polled = client.consumerPoll(timeoutMilliseconds: timeout, topicNames: topicNames) else {
                flush(thread)
                continue
            }
            switch polled {
            case .message(let message):
                guard !paused.contains(message.topicPartition) else { continue }
                fetched[message.topicPartition] = message.offset + 1
                pending.append(.message(message))
            case .endOfPartition(let end):
                guard !paused.contains(end.topicPartition) else { continue }
                if reportsEndOfPartition { pending.append(.endOfPartition(end)) }
                rest(end)
            case .error(let error):
                logger.info("Kafka consumer error", metadata: [LogKeys.error: "\(error)"])
            }
            if pending.count >= Self.batchSize { flush(thread) }
        }
        // What the caller has not taken yet is dropped; the final revocation still reaches it.
        pending.removeAll()
        buffer.purge(Set(manualAssignment), forgetPositions: true)
        if let error = client.closeConsumer() {
            logger.info("Closing the Kafka consumer failed", metadata: [LogKeys.error: "\(error)"])
        }
        if !manualAssignment.isEmpty {
            pending.append(.partitionsRevoked(manualAssignment.sorted(by: Self.order)))
            _ = buffer.push(&pending, force: true)
        }
        // Commands that raced with close fail instead of waiting forever.
        runCommands(closing: true)
        buffer.finish(.success(()))
        self.thread = nil
    }

    // MARK: Resting caught-up partitions

    /// Pauses a partition the consumer has caught up with for `idleFetchBackoff`. Every record
    /// before `end` has been handed out; librdkafka drops what it fetched beyond it before the
    /// pause, and the wake-up fetches from `end` again, so nothing is skipped or repeated.
    private func rest(_ end: TopicPartitionOffset) {
        let partition = end.topicPartition
        guard idleFetchBackoff > .zero, resting[partition] == nil, end.offset >= 0 else { return }
        do {
            try client.pause([partition])
            let until = ContinuousClock.now + idleFetchBackoff
            resting[partition] = (until, end.offset)
            nextWake = min(nextWake ?? until, until)
        } catch {
            logger.debug("Pausing a caught-up partition failed; it is fetched again at once", metadata: [LogKeys.error: "\(error)"])
        }
    }

    /// Resumes the rested partitions that are due; returns how long the next poll may wait
    /// (at most `limit` ms) so that the next one wakes in time.
    private func wakeRestedPartitions(within limit: Int32) -> Int32 {
        guard let next = nextWake else { return limit }
        let now = ContinuousClock.now
        if next <= now {
            wake(resting.filter { $0.value.until <= now }.map(\.key), refetch: true)
            nextWake = resting.values.map(\.until).min()
        }
        guard let next = nextWake else { return limit }
        return Int32(clamping: min(Int(limit), max(1, (next - now).milliseconds)))
    }

    /// Ends every rest now (`KafkaConsumer.fetchRestingPartitions`).
    func endRests() {
        wake(Array(resting.keys), refetch: true)
        nextWake = nil
    }

    /// Ends the rest of `partitions` (those resting): resumes them in librdkafka and, with
    /// `refetch`, seeks each to where it rested. The seek is what makes librdkafka fetch at once:
    /// after a bare resume of an idle consumer its broker thread waits up to a second
    /// (`socket.blocking.max.ms`) before it looks at the partition again.
    private func wake(_ partitions: some Sequence<TopicPartition>, refetch: Bool) {
        let waking = partitions.compactMap { partition in
            resting.removeValue(forKey: partition).map { TopicPartitionOffset(partition, offset: $0.offset) }
        }
        guard !waking.isEmpty else { return }
        do {
            try client.resume(waking.map(\.topicPartition))
            if refetch { try client.seek(waking) }
        } catch {
            logger.info("Resuming rested partitions failed", metadata: [LogKeys.error: "\(error)"])
        }
    }

    /// Moves the local batch into the buffer, waiting for space but still serving commands and stop.
    private func flush(_ thread: ServiceThread) {
        while !pending.isEmpty {
            switch buffer.push(&pending, force: false) {
            case .pushed, .finished:
                return
            case .interrupted:
                runCommands()
                if thread.isStopRequested { return }
            }
        }
    }

    private func forcePush(_ event: KafkaConsumerEvent) {
        pending.append(event)
        _ = buffer.push(&pending, force: true)
    }

    // MARK: Commands

    /// Runs `body` on the poll thread and returns its result.
    func perform(_ body: @escaping @Sendable (ConsumerPollLoop) throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let accepted = commands.withLock { commands in
                if !commands.closed { commands.queue.append { loop in continuation.resume(with: Result { try body(loop) }) } }
                return !commands.closed
            }
            guard accepted else {
                return continuation.resume(throwing: KafkaError(code: .closed, message: "consumer is closed"))
            }
            buffer.interrupt()
            client.wakeConsumerPoll()
        }
    }

    private func runCommands(closing: Bool = false) {
        let work = commands.withLock { commands in
            defer { commands.queue = [] }
            commands.closed = commands.closed || closing
            return commands.queue
        }
        for command in work { command(self) }
    }

    func assign(_ partitions: [TopicPartitionOffset]) throws {
        let assigned = Set(partitions.map(\.topicPartition))
        revoke(manualAssignment)
        forcePush(.partitionsAssigned(assigned.sorted(by: Self.order)))
        try client.assign(partitions)
        manualAssignment = assigned
        for partition in partitions where partition.offset >= 0 {
            buffer.setPosition(partition.offset, for: partition.topicPartition)
        }
    }

    func pause(_ partitions: [TopicPartition]) throws {
        try client.pause(partitions)
        let set = Set(partitions)
        // The caller's pause outlasts a rest; the caller's `resume` ends both.
        for partition in set { resting[partition] = nil }
        paused.formUnion(set)
        // Messages fetched but not yet taken go back to librdkafka: seek to the first of them.
        var lowest = buffer.purge(set, forgetPositions: false)
        for case .message(let message) in pending where set.contains(message.topicPartition) {
            lowest[message.topicPartition] = min(lowest[message.topicPartition] ?? .max, message.offset)
        }
        pending.removeAll { $0.partition.map(set.contains) ?? false }
        let rewinds = set.compactMap { partition in
            (lowest[partition] ?? fetched[partition]).map { TopicPartitionOffset(partition, offset: $0) }
        }
        for rewind in rewinds { fetched[rewind.topicPartition] = rewind.offset }
        if !rewinds.isEmpty { try client.seek(rewinds) }
    }

    func resume(_ partitions: [TopicPartition]) throws {
        try client.resume(partitions)
        paused.subtract(partitions)
        for partition in partitions { resting[partition] = nil }
    }

    func seek(_ positions: [TopicPartitionOffset]) throws {
        let set = Set(positions.map(\.topicPartition))
        // A rewound partition has records to read again: no reason to wait out its rest.
        wake(set, refetch: false)
        pending.removeAll { $0.partition.map(set.contains) ?? false }
        buffer.purge(set, forgetPositions: true)
        try client.seek(positions)
        for position in positions where position.offset >= 0 {
            fetched[position.topicPartition] = position.offset
            buffer.setPosition(position.offset, for: position.topicPartition)
        }
    }

    // MARK: Callbacks (on the poll thread, from inside consumerPoll or closeConsumer)

    func handle(_ rebalance: RDKafkaClient.Rebalance) {
        let partitions = RDKafkaClient.entries(of: rebalance).map(\.topicPartition)
        if rebalance.isAssignment {
            forcePush(.partitionsAssigned(partitions))
        } else {
            revoke(Set(partitions))
            awaitRevocationAcknowledgement(partitions)
        }
        logger.debug("Kafka consumer rebalance", metadata: [
            "kafka.rebalance": "\(rebalance.isAssignment ? "assigned" : "revoked")",
            "kafka.partitions": "\(partitions.map(\.description))",
        ])
        if let error = RDKafkaClient.apply(rebalance) {
            logger.info("Applying a Kafka rebalance failed", metadata: [LogKeys.error: "\(error)"])
        }
    }

    /// Holds the rebalance (librdkafka waits for this callback before rejoining) until the caller
    /// acknowledged every revocation handed out, serving commands meanwhile so the caller can
    /// still seek, pause or resume while it finishes its work.
    private func awaitRevocationAcknowledgement(_ partitions: [TopicPartition]) {
        guard let timeout = revocation.acknowledgementTimeout, let thread else { return }
        let deadline = ContinuousClock.now + timeout
        while true {
            runCommands()
            if thread.isStopRequested { return }
            switch buffer.awaitRevocationAcknowledgement(until: deadline) {
            case .acknowledged, .finished:
                return
            case .interrupted:
                continue
            case .timedOut:
                logger.info("Kafka consumer revocation not acknowledged in time; the partitions move on", metadata: [
                    "kafka.partitions": "\(partitions.map(\.description))",
                ])
                return
            }
        }
    }

    func report(_ error: KafkaError) {
        if error.isFatal {
            logger.info("Kafka consumer hit a fatal error", metadata: [LogKeys.error: "\(error)"])
            buffer.finish(.failure(error))
        } else {
            logger.debug("Kafka consumer error (librdkafka retries)", metadata: [LogKeys.error: "\(error)"])
        }
    }

    private func revoke(_ partitions: Set<TopicPartition>) {
        guard !partitions.isEmpty else { return }
        // librdkafka keeps a partition's pause across assignments: never leave one of ours behind.
        wake(partitions, refetch: false)
        pending.removeAll { $0.partition.map(partitions.contains) ?? false }
        buffer.purge(partitions, forgetPositions: true)
        forcePush(.partitionsRevoked(partitions.sorted(by: Self.order)))
        paused.subtract(partitions)
        for partition in partitions { fetched[partition] = nil }
        manualAssignment.subtract(partitions)
    }

    private static func order(_ a: TopicPartition, _ b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }
}
