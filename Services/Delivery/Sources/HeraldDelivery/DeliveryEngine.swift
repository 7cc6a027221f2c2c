import Foundation
import GRPCCore
import HeraldKafka
import HeraldProtos
import Logging
import Metrics
import SwiftProtobuf

/// The state machine of the delivery loop: which offsets are in flight per partition, which
/// tasks wait per endpoint, which partitions are paused and why, and which outcomes wait for the
/// next transaction. The intake loop, the senders and the committer call into it; it performs
/// only consumer pause/resume and the acknowledgement of revocations itself.
///
/// A revoked partition takes no more records; its queued and held tasks are dropped (the next
/// owner reads them again), its sends in flight finish, and once their outcomes and the
/// partition's final offset are committed the engine acknowledges the revocation, which the
/// consumer holds the rebalance for (`revocation: .afterAcknowledgement`).
actor DeliveryEngine {
    let consumer: KafkaConsumer
    let endpoints: EndpointStore
    let status: CompactedTable<String, Herald_V1_DeliveryRecord>
    let topics: DeliveryTopics
    let limits: EndpointLimits
    /// The record limit every retry and dead-letter record is kept under.
    let maxRecordBytes: Int
    let logger: Logger
    let jobs: AsyncStream<Job>.Continuation
    nonisolated let jobStream: AsyncStream<Job>

    var partitions: [TopicPartition: PartitionState] = [:]
    var generations: UInt64 = 0
    /// Revoked partitions not handed on yet: the consumer holds the rebalance until this is empty.
    var revoking: Set<TopicPartition> = []
    /// The last pause or resume handed to the consumer (see `control`).
    var lastControl: Task<Void, Never>?
    var lanes: [String: Lane] = [:]
    var pending = Batch()
    var offsetsDirty = false
    var committerWaiter: CheckedContinuation<Batch?, Never>?
    var draining = false
    var jobsFinished = false
    /// Status records this instance committed, ahead of the status table catching up.
    var recent: [String: Herald_V1_DeliveryRecord] = [:]
    /// `recent` drops what the table already shows once it grows past this.
    var recentPruneThreshold = 10_000

    let latency = Metrics.Timer(label: "herald_delivery_task_to_success_seconds")

    init(consumer: KafkaConsumer, endpoints: EndpointStore, status: CompactedTable<String, Herald_V1_DeliveryRecord>,
         topics: DeliveryTopics, limits: EndpointLimits, maxRecordBytes: Int, logger: Logger) {
        self.maxRecordBytes = maxRecordBytes
        self.consumer = consumer
        self.endpoints = endpoints
        self.status = status
        self.topics = topics
        self.limits = limits
        self.logger = logger
        (jobStream, jobs) = AsyncStream<Job>.makeStream()
    }

    // MARK: Intake

    func assigned(_ assigned: [TopicPartition]) {
        var superseded: [TopicPartition] = []
        for partition in assigned {
            if let state = partitions[partition] {
                guard state.revoked else { continue }
                // Its revocation was not acknowledged in time and the group moved on: the sends
                // still in flight under it commit their outcomes without offsets.
                superseded.append(partition)
            }
            generations += 1
            partitions[partition] = PartitionState(generation: generations)
        }
        if !assigned.isEmpty {
            logger.info("Partitions assigned", metadata: ["kafka.partitions": "\(assigned.map(\.description))"])
        }
        handOn(superseded)
    }

    /// Stops taking records of these partitions and drops their queued and held tasks; the
    /// revocation is acknowledged once the sends in flight for them are committed (`handOn`).
    func revoked(_ revoked: [TopicPartition]) {
        var inFlight = 0
        let before = revoking.count
        for partition in revoked {
            guard var state = partitions[partition], !state.revoked else { continue }
            state.held?.timer?.cancel()
            state.revoked = true
            partitions[partition] = state
            if let held = state.held {
                partitions[partition]!.held = nil
                drop(held.job)
            }
            revoking.insert(partition)
        }
        // Queued (not started) tasks of those partitions belong to the next owner now.
        let set = Set(revoked)
        for id in lanes.keys {
            let lane = lanes[id]!
            var kept: [Job] = []
            for job in lane.queue[lane.head...] {
                if set.contains(job.source) { drop(job) } else { kept.append(job) }
            }
            lanes[id]!.queue = kept
            lanes[id]!.head = 0
        }
        for partition in revoked { inFlight += partitions[partition].map { $0.revoked ? $0.inFlight.count : 0 } ?? 0 }
        if !revoked.isEmpty {
            logger.info("Partitions revoked; the rebalance waits until their sends in flight are committed", metadata: [
                "kafka.partitions": "\(revoked.map(\.description))", "herald.delivery.in_flight": "\(inFlight)",
            ])
        }
        if revoking.count == before {
            // Nothing new to wait for (none of them was this instance's any more).
            if revoking.isEmpty { consumer.acknowledgeRevocations() }
        } else {
            // Partitions with nothing in flight go with the next batch (after the one committing now,
            // if any), or are handed on at once when there is nothing to commit.
            wakeCommitter()
        }
        finishJobsIfIdle()
    }

    /// Forgets a task of a revoked partition that never started; the committed offset stays at or below it.
    func drop(_ job: Job) {
        guard let state = partitions[job.source], state.generation == job.generation else { return }
        partitions[job.source]!.inFlight.remove(job.offset)
        partitions[job.source]!.dropped = min(state.dropped ?? job.offset, job.offset)
    }

    /// Whether the job's partition is still this instance's (not revoked since the job was taken).
    func owns(_ job: Job) -> Bool {
        guard let state = partitions[job.source] else { return false }
        return state.generation == job.generation && !state.revoked
    }

    /// A job whose partition was revoked before its attempt began: no request and no outcome; the
    /// next owner reads the task again.
    func abandon(_ job: Job) async {
        lanes[job.task.endpointID]?.running -= 1
        drop(job)
        pump(job.task.endpointID)
        await admitHeld(for: job.task.endpointID)
        wakeCommitter()
        finishJobsIfIdle()
    }

    /// Revoked partitions are handed on: once none is left, the consumer may let the rebalance go on.
    func handOn(_ handed: [TopicPartition]) {
        guard !handed.isEmpty else { return }
        let before = revoking.count
        revoking.subtract(handed)
        guard revoking.isEmpty, before > 0 else { return }
        logger.info("Revoked partitions handed on", metadata: ["kafka.partitions": "\(handed.map(\.description))"])
        consumer.acknowledgeRevocations()
    }

    /// One consumed record. Pauses its partition when the task is not due yet (retry tiers) or
    /// its endpoint's queue is full; the record is held and admitted later.
    func accept(_ message: KafkaMessage) async {
        let source = message.topicPartition
        guard !draining, let state = partitions[source], !state.revoked else { return }
        partitions[source]!.next = message.offset + 1
        let task: Herald_V1_DeliveryTask
        do {
            task = try Herald_V1_DeliveryTask(serializedBytes: message.value ?? [])
            guard !task.deliveryID.isEmpty, !task.endpointID.isEmpty else { throw DeliveryAPIError(.invalidArgument, "task without delivery id or endpoint id") }
        } catch {
            logger.error("Dead-lettering an undecodable delivery task", metadata: ["kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)", "error": "\(error)"])
            pending.records.append(TaskDeadLetters.unreadable(message, reason: "not a delivery task: \(error)", topic: topics.deadLetters, maxRecordBytes: maxRecordBytes))
            DeliveryMetrics.attempt(endpointID: "", outcome: "unreadable", requestDuration: nil)
            DeliveryMetrics.deadLettered(.unreadable)
            markDirty()
            return
        }
        if let done = alreadyProcessed(task) {
            logger.debug("Skipping a task already processed", metadata: task.logMetadata.merging(["herald.delivery.state": "\(done)"]) { $1 })
            DeliveryMetrics.attempt(endpointID: task.endpointID, outcome: "skipped", requestDuration: nil)
            markDirty()
            return
        }
        partitions[source]!.inFlight.insert(message.offset)
        let job = Job(task: task, source: source, offset: message.offset, generation: state.generation)
        if task.hasNotBefore {
            let due = Date(timeIntervalSince1970: TimeInterval(task.notBefore.seconds) + TimeInterval(task.notBefore.nanos) / 1e9)
            let wait = due.timeIntervalSinceNow
            if wait > 0.001 {
                await hold(job, waitingForLane: false, wait: .milliseconds(Int64(wait * 1000) + 1))
                return
            }
        }
        if !admit(job) { await hold(job, waitingForLane: true, wait: nil) }
    }

    /// Whether this task's attempt was already recorded: its delivery succeeded, or the status
    /// shows more attempts than the task has seen (the outcome of this one is already committed).
    func alreadyProcessed(_ task: Herald_V1_DeliveryTask) -> Herald_V1_DeliveryState? {
        guard let record = latestStatus(task.deliveryID) else { return nil }
        if record.state == .succeeded { return .succeeded }
        if record.state != .pending && record.attempts > task.attempt { return record.state }
        return nil
    }

    func latestStatus(_ id: String) -> Herald_V1_DeliveryRecord? {
        let table = status[id]
        guard let mine = recent[id] else { return table }
        if let table, table == mine {
            recent[id] = nil
            return table
        }
        return mine
    }

    func hold(_ job: Job, waitingForLane: Bool, wait: Duration?) async {
        let source = job.source
        var held = Held(job: job, waitingForLane: waitingForLane, timer: nil)
        if let wait {
            held.timer = Task { [weak self] in
                try? await Task.sleep(for: wait)
                guard !Task.isCancelled else { return }
                await self?.due(source, offset: job.offset)
            }
        }
        partitions[source]!.held = held
        await control("Pausing", source) { consumer in try await consumer.pause([source]) }
    }

    func due(_ source: TopicPartition, offset: Int64) async {
        guard let held = partitions[source]?.held, held.job.offset == offset, !held.waitingForLane else { return }
        if admit(held.job) {
            partitions[source]!.held = nil
            await resume(source)
        } else {
            partitions[source]!.held!.waitingForLane = true
            partitions[source]!.held!.timer = nil
        }
    }

    func resume(_ source: TopicPartition) async {
        guard !draining else { return }
        await control("Resuming", source) { consumer in try await consumer.resume([source]) }
    }

    /// Applies pauses and resumes to the consumer in the order this actor asked for them. Each call
    /// leaves the actor while it waits, so without the chain a resume decided during a pause's wait
    /// could reach the consumer first and leave the partition paused for good.
    func control(_ action: String, _ source: TopicPartition, _ operation: @escaping @Sendable (KafkaConsumer) async throws -> Void) async {
        let previous = lastControl
        let consumer = consumer, logger = logger
        let next = Task {
            await previous?.value
            do { try await operation(consumer) } catch {
                logger.error("\(action) a partition failed", metadata: ["kafka.partition": "\(source)", "error": "\(error)"])
            }
        }
        lastControl = next
        await next.value
    }

    /// Queues the job on its endpoint's lane if there is room.
    func admit(_ job: Job) -> Bool {
        let id = job.task.endpointID
        var lane = lanes[id] ?? Lane(breaker: CircuitBreaker(failureThreshold: limits.breakerFailureThreshold, openDuration: limits.breakerOpenDuration))
        guard lane.queued < limits.queueCapacity else { return false }
        lane.queue.append(job)
        lanes[id] = lane
        pump(id)
        return true
    }

    func pump(_ id: String) {
        while let lane = lanes[id], lane.running < limits.concurrency, lane.queued > 0 {
            let job = lanes[id]!.pop()!
            lanes[id]!.running += 1
            jobs.yield(job)
        }
    }

    // MARK: Senders

    enum Permit: Sendable, Hashable {
        /// Go ahead after waiting this long (the rate limit).
        case go(after: Duration)
        /// The circuit breaker is open: try again in this long.
        case refused(retryIn: Duration)
    }

    /// Circuit breaker and rate limit for one attempt.
    func permit(endpointID: String, ratePerSecond: Double) -> Permit {
        let now = ContinuousClock.now
        guard var lane = lanes[endpointID] else { return .go(after: .zero) }
        defer {
            lanes[endpointID] = lane
            DeliveryMetrics.circuit(endpointID: endpointID, lane.breaker.state)
        }
        if case .refused(let until) = lane.breaker.permit(now: now) {
            return .refused(retryIn: max(until - now, .milliseconds(1)))
        }
        let rate = TokenBucket.effectiveRate(ratePerSecond)
        guard rate > 0 else { return .go(after: .zero) }
        if lane.bucket?.rate != rate { lane.bucket = TokenBucket(rate: rate, burst: max(1, rate), now: now) }
        return .go(after: lane.bucket!.reserve(now: now))
    }

    var isDraining: Bool { draining }

    func isDisabled(_ endpointID: String) -> Bool { lanes[endpointID]?.disabled ?? false }

    /// The endpoint's breaker as this instance sees it; nil when it has not sent to the endpoint.
    func circuitState(_ endpointID: String) -> CircuitBreaker.State? { lanes[endpointID]?.breaker.state }

    /// Partitions paused because this endpoint's queue was full get their held task in, if there is room now.
    func admitHeld(for endpointID: String) async {
        let waiting = partitions.filter { $0.value.held?.waitingForLane == true && $0.value.held?.job.task.endpointID == endpointID }
            .keys.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        for source in waiting {
            guard let held = partitions[source]?.held, admit(held.job) else { break }
            partitions[source]!.held = nil
            await resume(source)
        }
    }

    // MARK: Redrive

    /// Adds records (redriven tasks and their PENDING status) to the next transaction; returns once committed.
    func enqueue(records: [ProducerRecord], statuses: [Herald_V1_DeliveryRecord]) async throws {
        guard !draining else { throw DeliveryAPIError(.unavailable, "the delivery service is shutting down") }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.records.append(contentsOf: records)
            pending.statuses.append(contentsOf: statuses)
            pending.waiters.append(continuation)
            wakeCommitter()
        }
    }

}

