import Foundation

/// The bounded hand-off between a consumer's poll thread and the task iterating its events.
///
/// The poll thread blocks (it is a dedicated OS thread) while the buffer is full, which stops it
/// from fetching more: that is the consumer's back-pressure. The iterating task suspends while the
/// buffer is empty. The buffer also tracks, per partition, the position the *caller* has reached,
/// which runs behind librdkafka's own position by whatever is still buffered.
final class ConsumerEventBuffer: @unchecked Sendable {
    // Every field is guarded by `condition`.
    private let condition = NSCondition()
    private var events: [KafkaConsumerEvent] = []
    private var head = 0
    private let capacity: Int
    private var waiter: UnsafeContinuation<KafkaConsumerEvent?, any Error>?
    private var producerWaiting = false
    private var interrupted = false
    private var outcome: Result<Void, KafkaError>?
    private var positions: [TopicPartition: Int64] = [:]
    /// The latest message position not yet written to `positions`: runs of messages from one
    /// partition update only this (a topic string shared by the run compares by identity).
    private var recent: (topic: String, partition: Int32, offset: Int64)?
    /// `.partitionsRevoked` events pushed, handed to the caller, and acknowledged by it.
    private var revocationsPushed = 0
    private var revocationsTaken = 0
    private var revocationsAcknowledged = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    private var count: Int { events.count - head }

    enum PushResult {
        case pushed
        /// The wait for space was interrupted (a command or stop is pending); the batch is untouched.
        case interrupted
        /// The buffer was finished; the batch is dropped.
        case finished
    }

    /// Appends `batch` in order. Unless `force`, first waits while the buffer is full.
    func push(_ batch: inout [KafkaConsumerEvent], force: Bool) -> PushResult {
        guard !batch.isEmpty else { return .pushed }
        condition.lock()
        while !force && count >= capacity && outcome == nil && !interrupted {
            producerWaiting = true
            condition.wait()
            producerWaiting = false
        }
        if outcome != nil {
            condition.unlock()
            batch.removeAll()
            return .finished
        }
        if !force && count >= capacity {
            interrupted = false
            condition.unlock()
            return .interrupted
        }
        for case .partitionsRevoked in batch { revocationsPushed += 1 }
        events.append(contentsOf: batch)
        batch.removeAll(keepingCapacity: true)
        let resumed = waiter.map { waiter in (waiter, popLocked()) }
        if resumed != nil { waiter = nil }
        condition.unlock()
        if let (waiter, event) = resumed { waiter.resume(returning: event) }
        return .pushed
    }

    /// The caller finished with every revocation it has taken.
    func acknowledgeRevocations() {
        condition.withLock {
            revocationsAcknowledged = revocationsTaken
            condition.broadcast()
        }
    }

    enum AcknowledgementResult {
        case acknowledged
        /// A command or stop is pending; ask again after serving it.
        case interrupted
        case timedOut
        /// The buffer was finished: nobody will acknowledge.
        case finished
    }

    /// Waits until every revocation pushed so far has been taken and acknowledged.
    func awaitRevocationAcknowledgement(until deadline: ContinuousClock.Instant) -> AcknowledgementResult {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if revocationsAcknowledged >= revocationsPushed { return .acknowledged }
            if outcome != nil { return .finished }
            if interrupted {
                interrupted = false
                return .interrupted
            }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return .timedOut }
            let (seconds, attoseconds) = remaining.components
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18))
        }
    }

    /// Wakes the poll thread if it is waiting for space, so it can run a command or stop.
    func interrupt() {
        condition.withLock {
            interrupted = true
            condition.broadcast()
        }
    }

    /// Ends the sequence: buffered events are still delivered, then `nil` (or the error) follows.
    func finish(_ result: Result<Void, KafkaError>) {
        let pending: UnsafeContinuation<KafkaConsumerEvent?, any Error>? = condition.withLock {
            guard outcome == nil else { return nil }
            outcome = result
            condition.broadcast()
            guard count == 0 else { return nil }
            defer { waiter = nil }
            return waiter
        }
        pending?.resume(with: result.map { nil }.mapError { $0 })
    }

    /// Removes buffered events of `partitions`; returns the lowest removed message offset per partition.
    @discardableResult
    func purge(_ partitions: Set<TopicPartition>, forgetPositions: Bool) -> [TopicPartition: Int64] {
        condition.withLock {
            settleRecentLocked()
            var lowest: [TopicPartition: Int64] = [:]
            var kept: [KafkaConsumerEvent] = []
            kept.reserveCapacity(count)
            for event in events[head...] {
                if let partition = event.partition, partitions.contains(partition) {
                    if case .message(let message) = event {
                        lowest[partition] = min(lowest[partition] ?? .max, message.offset)
                    }
                } else {
                    kept.append(event)
                }
            }
            events = kept
            head = 0
            if forgetPositions { for partition in partitions { positions[partition] = nil } }
            if producerWaiting { condition.broadcast() }
            return lowest
        }
    }

    func setPosition(_ offset: Int64?, for partition: TopicPartition) {
        condition.withLock {
            settleRecentLocked()
            positions[partition] = offset
        }
    }

    /// The offset after the last message handed to the caller (or an end-of-partition offset).
    func position(of partition: TopicPartition) -> Int64? {
        condition.withLock {
            settleRecentLocked()
            return positions[partition]
        }
    }

    func next() async throws -> KafkaConsumerEvent? {
        if let ready = try condition.withLock({ () throws(KafkaError) -> KafkaConsumerEvent?? in try takeLocked() }) {
            return ready
        }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let result: Result<KafkaConsumerEvent?, any Error>? = condition.withLock {
                    do {
                        if let ready = try takeLocked() { return .success(ready) }
                    } catch {
                        return .failure(error)
                    }
                    // Checked under the lock so a cancellation either sees the waiter or is seen here.
                    if Task.isCancelled { return .success(nil) }
                    if waiter != nil {
                        return .failure(KafkaError(code: .invalidState, message: "consumer events are already being iterated by another task"))
                    }
                    waiter = continuation
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let pending: UnsafeContinuation<KafkaConsumerEvent?, any Error>? = condition.withLock {
                defer { waiter = nil }
                return waiter
            }
            pending?.resume(returning: nil)
        }
    }

    /// Up to `limit` buffered events, without waiting: `[]` when none is buffered (or the sequence
    /// ended normally); throws the consumer's fatal error once the buffered events are drained.
    func available(upTo limit: Int) throws(KafkaError) -> [KafkaConsumerEvent] {
        condition.lock()
        defer { condition.unlock() }
        var batch: [KafkaConsumerEvent] = []
        batch.reserveCapacity(min(limit, count))
        while batch.count < limit, count > 0 { batch.append(popLocked()) }
        if batch.isEmpty, case .failure(let error) = outcome { throw error }
        return batch
    }

    /// An event, or `.some(nil)` once finished and drained, or `nil` if the caller must wait.
    private func takeLocked() throws(KafkaError) -> KafkaConsumerEvent?? {
        if count > 0 { return .some(popLocked()) }
        switch outcome {
        case .success: return .some(nil)
        case .failure(let error): throw error
        case nil: return nil
        }
    }

    private func popLocked() -> KafkaConsumerEvent {
        let event = events[head]
        head += 1
        if head == events.count {
            events.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= events.count {
            events.removeFirst(head)
            head = 0
        }
        switch event {
        case .message(let message):
            if let recent, recent.partition == message.partition, recent.topic == message.topic {
                self.recent!.offset = message.offset + 1
            } else {
                settleRecentLocked()
                recent = (message.topic, message.partition, message.offset + 1)
            }
        case .endOfPartition(let end):
            settleRecentLocked()
            positions[end.topicPartition] = max(positions[end.topicPartition] ?? end.offset, end.offset)
        case .partitionsRevoked:
            revocationsTaken += 1
        case .partitionsAssigned:
            break
        }
        if producerWaiting && count < capacity { condition.signal() }
        return event
    }
}

extension ConsumerEventBuffer {
    private func settleRecentLocked() {
        guard let recent else { return }
        positions[TopicPartition(topic: recent.topic, partition: recent.partition)] = recent.offset
        self.recent = nil
    }
}

extension KafkaConsumerEvent {
    /// The partition a message or end-of-partition event belongs to.
    var partition: TopicPartition? {
        switch self {
        case .message(let message): message.topicPartition
        case .endOfPartition(let end): end.topicPartition
        case .partitionsAssigned, .partitionsRevoked: nil
        }
    }
}
