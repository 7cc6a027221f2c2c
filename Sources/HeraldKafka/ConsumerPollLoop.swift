import Logging
import Synchronization

/// The consumer's poll thread and everything only it touches. Commands from other tasks (assign,
/// pause, resume, seek) run on this thread between polls, so they are ordered with the messages.
final class ConsumerPollLoop: Sendable {
    private let client: RDKafkaClient
    private let buffer: ConsumerEventBuffer
    private let revocation: KafkaConsumer.Revocation
    private let logger: Logger
    private let reportsEndOfPartition: Bool
    /// Only the poll thread takes this lock, so it never waits; it makes the compiler check that
    /// no other thread reaches the state. It is never held across a poll or a close, whose
    /// callbacks (`handle`) take it again.
    private let state: Mutex<State>
    private let commands = Mutex<(closed: Bool, queue: [@Sendable (ConsumerPollLoop) -> Void])>((false, []))
    /// Topics written by this process since the poll thread last looked, and which topics it
    /// follows (those in `State.rests`), shared with the producers' threads that announce writes.
    private let writes = Mutex<(written: Set<String>, followed: Set<String>)>(([], []))
    private let hasWrites = Atomic<Bool>(false)
    /// `nil` where writes of this process do not end rests (`KafkaConsumer.CatchUp`).
    private let writeSignal: LocalWriteSignal?
    private static let batchSize = 256

    private struct State {
        /// The poll thread, set when it starts; a revocation stops waiting for its acknowledgement when it stops.
        var thread: ServiceThread?
        var pending: [KafkaConsumerEvent] = []
        var paused: Set<TopicPartition> = []
        /// Caught-up partitions paused by the loop itself (`KafkaConfiguration.idleFetchBackoff`).
        /// Separate from the caller's pauses, whose buffered records are dropped.
        var rests: IdleFetchSchedule
        /// Offset after the last message moved toward the caller, per partition (where to refetch from after a pause).
        var fetched: [TopicPartition: Int64] = [:]
        var manualAssignment: Set<TopicPartition> = []
    }

    init(
        client: RDKafkaClient, buffer: ConsumerEventBuffer, revocation: KafkaConsumer.Revocation,
        reportsEndOfPartition: Bool, idleFetchBackoff: Duration, catchUp: KafkaConsumer.CatchUp,
        writeSignal: LocalWriteSignal, logger: Logger
    ) {
        self.client = client
        self.buffer = buffer
        self.revocation = revocation
        self.reportsEndOfPartition = reportsEndOfPartition
        self.state = Mutex(State(rests: IdleFetchSchedule(shortest: catchUp.shortestRest, longest: idleFetchBackoff, origin: .now)))
        self.writeSignal = catchUp.followsLocalWrites ? writeSignal : nil
        self.logger = logger
    }

    func run(_ thread: ServiceThread) {
        state.withLock { $0.thread = thread }
        let topicNames = RDKafkaClient.TopicNames()
        let resting = state.withLock { $0.rests.isEnabled }
        let registration = resting ? writeSignal?.listen { [weak self] topics in self?.noteWritten(topics) } : nil
        while !thread.isStopRequested {
            runCommands()
            // Waits only once the burst is over: nothing pending to hand over, no rests to start.
            let timeout = state.withLock { state in
                let wait = wakeRestedPartitions(&state)
                return state.pending.isEmpty && !state.rests.hasReachedEnds ? wait : 0
            }
            guard let polled = client.consumerPoll(timeoutMilliseconds: timeout, topicNames: topicNames) else {
                state.withLock { startRests(&$0) }
                flush(thread)
                continue
            }
            let batchFull = state.withLock { state in
                take(polled, &state)
                return state.pending.count >= Self.batchSize
            }
            if batchFull {
                state.withLock { startRests(&$0) }
                flush(thread)
            }
        }
        // What the caller has not taken yet is dropped; the final revocation still reaches it.
        state.withLock { state in
            state.pending.removeAll()
            buffer.purge(state.manualAssignment, forgetPositions: true)
        }
        if let error = client.closeConsumer() {
            logger.info("Closing the Kafka consumer failed", metadata: [LogKeys.error: "\(error)"])
        }
        state.withLock { state in
            if !state.manualAssignment.isEmpty {
                state.pending.append(.partitionsRevoked(state.manualAssignment.sorted(by: Self.order)))
                _ = buffer.push(&state.pending, force: true)
            }
        }
        registration?.cancel()
        // Commands that raced with close fail instead of waiting forever.
        runCommands(closing: true)
        buffer.finish(.success(()))
        state.withLock { $0.thread = nil }
    }

    private func take(_ polled: RDKafkaClient.Polled, _ state: inout State) {
        switch polled {
        case .message(let message):
            guard !state.paused.contains(message.topicPartition) else { return }
            state.fetched[message.topicPartition] = message.offset + 1
            state.pending.append(.message(message))
            state.rests.received(message.topicPartition)
        case .endOfPartition(let end):
            guard !state.paused.contains(end.topicPartition) else { return }
            if reportsEndOfPartition { state.pending.append(.endOfPartition(end)) }
            state.rests.reachedEnd(end)
        case .error(let error):
            logger.info("Kafka consumer error", metadata: [LogKeys.error: "\(error)"])
        }
    }

    // MARK: Resting caught-up partitions

    /// Pauses, in one call, the partitions that `rests` says start resting now that a burst of
    /// polls is over. Every record before each one's end has been handed out; librdkafka drops what
    /// it fetched beyond it before the pause, and the wake-up fetches from that end again, so
    /// nothing is skipped or repeated.
    private func startRests(_ state: inout State) {
        let resting = state.rests.startRests(at: .now)
        guard !resting.isEmpty else { return }
        do {
            try client.pause(resting)
        } catch {
            // Some may be paused: resume them all, so none stays paused outside the schedule.
            _ = state.rests.release(resting)
            try? client.resume(resting)
            logger.debug("Pausing caught-up partitions failed; they are fetched again at once", metadata: [LogKeys.error: "\(error)"])
        }
        writes.withLock { writes in
            for partition in resting { writes.followed.insert(partition.topic) }
        }
    }

    /// Resumes the rested partitions that are due or whose topic this process wrote to; returns
    /// how long the next poll may wait, in ms, so that it ends in time for the next rest's end.
    private func wakeRestedPartitions(_ state: inout State) -> Int32 {
        if hasWrites.load(ordering: .acquiring) {
            let written = writes.withLock { writes in
                hasWrites.store(false, ordering: .releasing)
                defer { writes.written = [] }
                return writes.written
            }
            refetch(state.rests.written(to: written))
        }
        let now = ContinuousClock.now
        refetch(state.rests.due(at: now))
        // Longer waits are fine: a command, a write, a stop or new messages end the poll early.
        let wait = state.rests.pollTimeout(at: now, limit: .seconds(1))
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
    private func endRests(_ partitions: some Sequence<TopicPartition>, _ state: inout State) {
        let resting = state.rests.release(partitions)
        guard !resting.isEmpty else { return }
        do {
            try client.resume(resting)
        } catch {
            logger.info("Resuming rested partitions failed", metadata: [LogKeys.error: "\(error)"])
        }
    }

    /// Moves the local batch into the buffer, waiting for space but still serving commands and stop.
    private func flush(_ thread: ServiceThread) {
        while true {
            // Commands take the state lock themselves: they run after the push returned.
            let result = state.withLock { state -> ConsumerEventBuffer.PushResult? in
                state.pending.isEmpty ? nil : buffer.push(&state.pending, force: false)
            }
            switch result {
            case nil, .pushed, .finished:
                return
            case .interrupted:
                runCommands()
                if thread.isStopRequested { return }
            }
        }
    }

    private func forcePush(_ event: KafkaConsumerEvent, _ state: inout State) {
        state.pending.append(event)
        _ = buffer.push(&state.pending, force: true)
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
        try state.withLock { state in
            revoke(state.manualAssignment, &state)
            forcePush(.partitionsAssigned(assigned.sorted(by: Self.order)), &state)
            try client.assign(partitions)
            state.manualAssignment = assigned
        }
        for partition in partitions where partition.offset >= 0 {
            buffer.setPosition(partition.offset, for: partition.topicPartition)
        }
    }

    func pause(_ partitions: [TopicPartition]) throws {
        try client.pause(partitions)
        let set = Set(partitions)
        try state.withLock { state in
            // The caller's pause outlasts a rest; the caller's `resume` ends both.
            _ = state.rests.release(set)
            state.paused.formUnion(set)
            // Messages fetched but not yet taken go back to librdkafka: seek to the first of them.
            var lowest = buffer.purge(set, forgetPositions: false)
            for case .message(let message) in state.pending where set.contains(message.topicPartition) {
                lowest[message.topicPartition] = min(lowest[message.topicPartition] ?? .max, message.offset)
            }
            state.pending.removeAll { $0.partition.map(set.contains) ?? false }
            let rewinds = set.compactMap { partition in
                (lowest[partition] ?? state.fetched[partition]).map { TopicPartitionOffset(partition, offset: $0) }
            }
            for rewind in rewinds { state.fetched[rewind.topicPartition] = rewind.offset }
            if !rewinds.isEmpty { try client.seek(rewinds) }
        }
    }

    func resume(_ partitions: [TopicPartition]) throws {
        try client.resume(partitions)
        state.withLock { state in
            state.paused.subtract(partitions)
            _ = state.rests.release(partitions)
        }
    }

    func seek(_ positions: [TopicPartitionOffset]) throws {
        let set = Set(positions.map(\.topicPartition))
        try state.withLock { state in
            // A rewound partition has records to read again: no reason to wait out its rest.
            endRests(set, &state)
            state.pending.removeAll { $0.partition.map(set.contains) ?? false }
            buffer.purge(set, forgetPositions: true)
            try client.seek(positions)
            for position in positions where position.offset >= 0 {
                state.fetched[position.topicPartition] = position.offset
                buffer.setPosition(position.offset, for: position.topicPartition)
            }
        }
    }

    // MARK: Callbacks (on the poll thread, from inside consumerPoll or closeConsumer)

    func handle(_ rebalance: RDKafkaClient.Rebalance) {
        let partitions = RDKafkaClient.entries(of: rebalance).map(\.topicPartition)
        if rebalance.isAssignment {
            state.withLock { forcePush(.partitionsAssigned(partitions), &$0) }
        } else {
            state.withLock { revoke(Set(partitions), &$0) }
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
        guard let timeout = revocation.acknowledgementTimeout, let thread = state.withLock({ $0.thread }) else { return }
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

    private func revoke(_ partitions: Set<TopicPartition>, _ state: inout State) {
        guard !partitions.isEmpty else { return }
        // librdkafka keeps a partition's pause across assignments: never leave one of ours behind.
        endRests(partitions, &state)
        state.pending.removeAll { $0.partition.map(partitions.contains) ?? false }
        buffer.purge(partitions, forgetPositions: true)
        forcePush(.partitionsRevoked(partitions.sorted(by: Self.order)), &state)
        state.paused.subtract(partitions)
        for partition in partitions { state.fetched[partition] = nil }
        state.manualAssignment.subtract(partitions)
    }

    private static func order(_ a: TopicPartition, _ b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }
}
