import Logging
import Synchronization

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
    private var paused: Set<TopicPartition> = []
    /// Caught-up partitions paused by the loop itself (`KafkaConfiguration.idleFetchBackoff`).
    /// Separate from the caller's pauses, whose buffered records are dropped.
    private var rests: IdleFetchSchedule
    /// Topics written by this process since the poll thread last looked, and which topics it
    /// follows (those in `rests`), shared with the producers' threads that announce writes.
    private let writes = Mutex<(written: Set<String>, followed: Set<String>)>(([], []))
    private let hasWrites = Atomic<Bool>(false)
    private let writeSignal: LocalWriteSignal
    /// Offset after the last message moved toward the caller, per partition (where to refetch from after a pause).
    private var fetched: [TopicPartition: Int64] = [:]
    private var manualAssignment: Set<TopicPartition> = []
    private let topicNames = RDKafkaClient.TopicNames()
    private static let batchSize = 256

    init(
        buffer: ConsumerEventBuffer, revocation: KafkaConsumer.Revocation, reportsEndOfPartition: Bool,
        idleFetchBackoff: Duration, writeSignal: LocalWriteSignal, logger: Logger
    ) {
        self.buffer = buffer
        self.revocation = revocation
        self.reportsEndOfPartition = reportsEndOfPartition
        self.rests = IdleFetchSchedule(longest: idleFetchBackoff, origin: .now)
        self.writeSignal = writeSignal
        self.logger = logger
    }

    func run(_ thread: ServiceThread) {
        self.thread = thread
        let registration = rests.isEnabled ? writeSignal.listen { [weak self] topics in self?.noteWritten(topics) } : nil
        while !thread.isStopRequested {
            runCommands()
            let wait = wakeRestedPartitions()
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
                rest(at: end)
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
        registration?.cancel()
        // Commands that raced with close fail instead of waiting forever.
        runCommands(closing: true)
        buffer.finish(.success(()))
        self.thread = nil
    }

    // MARK: Resting caught-up partitions

    /// Pauses a partition the consumer has caught up with, if `rests` says so. Every record
    /// before `end` has been handed out; librdkafka drops what it fetched beyond it before the
    /// pause, and the wake-up fetches from `end` again, so nothing is skipped or repeated.
    private func rest(at end: TopicPartitionOffset) {
        guard rests.caughtUp(end, at: .now) else { return }
        do {
            try client.pause([end.topicPartition])
        } catch {
            _ = rests.release([end.topicPartition])
            logger.debug("Pausing a caught-up partition failed; it is fetched again at once", metadata: [LogKeys.error: "\(error)"])
        }
        writes.withLock { _ = $0.followed.insert(end.topic) }
    }

    /// Resumes the rested partitions that are due or whose topic this process wrote to; returns
    /// how long the next poll may wait, in ms, so that it ends in time for the next rest's end.
    private func wakeRestedPartitions() -> Int32 {
        if hasWrites.load(ordering: .acquiring) {
            let written = writes.withLock { writes in
                hasWrites.store(false, ordering: .releasing)
                defer { writes.written = [] }
                return writes.written
            }
            refetch(rests.written(to: written))
        }
        let now = ContinuousClock.now
        refetch(rests.due(at: now))
        // Longer waits are fine: a command, a write, a stop or new messages end the poll early.
        let wait = rests.pollTimeout(at: now, limit: .seconds(1))
        let (seconds, attoseconds) = wait.components
        return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    /// On a producer's thread: records of `topics` are readable now. Wakes the poll thread only
    /// for a topic it follows and only once until it has looked, so a busy producer costs little.
    private func noteWritten(_ topics: Set<String>) {
        let wakeUp = writes.withLock { writes in
            guard topics.contains(where: writes.followed.contains) else { return false }
            writes.written.formUnion(topics)
            return !hasWrites.exchange(true, ordering: .acquiringAndReleasing)
        }
        if wakeUp { client.wakeConsumerPoll() }
    }

    /// Ends rests: resumes the partitions and seeks each to where it rested. The seek is what
    /// makes librdkafka fetch at once: after a bare resume of an idle consumer its broker thread
    /// waits up to a second (`socket.blocking.max.ms`) before it looks at the partition again.
    private func refetch(_ woken: [IdleFetchSchedule.Wake]) {
        guard !woken.isEmpty else { return }
        do {
            try client.resume(woken.map(\.topicPartition))
            try client.seek(woken)
        } catch {
            logger.info("Resuming rested partitions failed", metadata: [LogKeys.error: "\(error)"])
        }
    }

    /// The caller takes these partitions over (pauses, seeks or loses them): ends their rests
    /// without a seek, since the caller decides where they continue.
    private func endRests(_ partitions: some Sequence<TopicPartition>) {
        let resting = rests.release(partitions)
        guard !resting.isEmpty else { return }
        do {
            try client.resume(resting)
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
        _ = rests.release(set)
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
        _ = rests.release(partitions)
    }

    func seek(_ positions: [TopicPartitionOffset]) throws {
        let set = Set(positions.map(\.topicPartition))
        // A rewound partition has records to read again: no reason to wait out its rest.
        endRests(set)
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
        endRests(partitions)
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
