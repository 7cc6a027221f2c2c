import Foundation
import GRPCCore
public import HeraldCore
import HeraldKafka
import HeraldProtos
import Logging
import Metrics
import SwiftProtobuf

/// The delivery loop's engine: it keeps where each partition stands (`PartitionProgress`), each
/// endpoint's lane (`EndpointLane`), which partitions are paused and why, and which outcomes wait
/// for the next transaction (`Batch`), and carries out what those values and `AttemptResolution`
/// decide: consumer pause/resume, timers for held records, and the acknowledgement of revocations.
/// The intake loop, the senders and the committer call into it.
///
/// A revoked partition takes no more records; its queued and held tasks are dropped (the next
/// owner reads them again), its sends in flight finish, and once their outcomes and the
/// partition's final offset are committed the engine acknowledges the revocation, which the
/// consumer holds the rebalance for (`revocation: .afterAcknowledgement`).
actor DeliveryEngine {
    let consumer: KafkaConsumer
    let endpoints: EndpointStore
    /// Deliveries in progress (pending, retrying), followed from the status topic.
    let status: CompactedTable<String, Herald_V1_DeliveryRecord>
    /// Finished deliveries' statuses, which the status table does not keep.
    let log: DeliveryLog
    let topics: DeliveryTopics
    let limits: EndpointLimits
    /// The record limit every retry and dead-letter record is kept under.
    let maxRecordBytes: Int
    /// Which partitions hold a task, for the retry backlog gauge.
    let held: HeldPartitions
    let logger: Logger
    let jobs: AsyncStream<Job>.Continuation
    nonisolated let jobStream: AsyncStream<Job>

    var partitions: [TopicPartition: PartitionProgress] = [:]
    var generations: UInt64 = 0
    /// Revoked partitions not handed on yet: the consumer holds the rebalance until this is empty.
    var revoking: Set<TopicPartition> = []
    /// Pauses and resumes, handed to the consumer in the order decided (see `control`).
    var controls = PartitionControlChain()
    var lanes: [String: EndpointLane] = [:]
    var pending = Batch()
    var offsetsDirty = false
    var committerWaiter: CheckedContinuation<Batch?, Never>?
    var draining = false
    var jobsFinished = false
    /// Status records this instance committed, ahead of the status table catching up.
    var recent = RecentStatuses()

    let latency = Metrics.Timer(label: "herald_delivery_task_to_success_seconds")

    init(consumer: KafkaConsumer, endpoints: EndpointStore, status: CompactedTable<String, Herald_V1_DeliveryRecord>, log: DeliveryLog,
         topics: DeliveryTopics, limits: EndpointLimits, maxRecordBytes: Int, held: HeldPartitions, logger: Logger) {
        self.maxRecordBytes = maxRecordBytes
        self.held = held
        self.consumer = consumer
        self.endpoints = endpoints
        self.status = status
        self.log = log
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
            partitions[partition] = PartitionProgress(generation: generations)
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
                release(partition)
                drop(held.job)
            }
            revoking.insert(partition)
        }
        // Queued (not started) tasks of those partitions belong to the next owner now.
        let set = Set(revoked)
        for id in lanes.keys {
            for job in lanes[id]!.removeQueued(where: { set.contains($0.source) }) { drop(job) }
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
        guard partitions[job.source]?.generation == job.generation else { return }
        partitions[job.source]!.drop(job.offset)
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

    /// Consumed records, in the order consumed: their deliveries' statuses that memory does not
    /// know are read from the delivery log in one query, then each record is taken in
    /// (`accept(_:task:logged:)`). A record that pauses its partition (a task not due yet, a full
    /// lane) was handed out with the records after it; those of its partition go back to the
    /// consumer, which reads them again once the partition resumes.
    func accept(_ messages: [KafkaMessage]) async {
        let tasks = messages.map { message in Result { try Job.task(from: message) } }
        let logged = await loggedStatuses(of: tasks.compactMap { try? $0.get() })
        var rewound: Set<TopicPartition> = []
        for (index, message) in messages.enumerated() where !rewound.contains(message.topicPartition) {
            await accept(message, task: tasks[index], logged: logged)
            let source = message.topicPartition
            guard partitions[source]?.held != nil,
                  let next = messages[(index + 1)...].first(where: { $0.topicPartition == source })
            else { continue }
            rewound.insert(source)
            await control("Rewinding", source) { consumer in try await consumer.seek([TopicPartitionOffset(source, offset: next.offset)]) }
        }
    }

    /// One consumed record. Pauses its partition when the task is not due yet (retry tiers) or
    /// its endpoint's queue is full; the record is held and admitted later.
    private func accept(_ message: KafkaMessage, task decoded: Result<Herald_V1_DeliveryTask, any Error>, logged: LoggedStatuses) async {
        let source = message.topicPartition
        guard !draining, let state = partitions[source], !state.revoked else { return }
        partitions[source]!.next = message.offset + 1
        let task: Herald_V1_DeliveryTask
        do {
            task = try decoded.get()
        } catch {
            logger.error("Dead-lettering an undecodable delivery task", metadata: ["kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)", "error": "\(error)"])
            pending.records.append(TaskDeadLetters.unreadable(message, reason: "not a delivery task: \(error)", topic: topics.deadLetters, maxRecordBytes: maxRecordBytes))
            DeliveryMetrics.attempt(endpointID: "", outcome: .unreadable, requestDuration: nil)
            DeliveryMetrics.deadLettered(.unreadable)
            markDirty()
            return
        }
        // In flight while its status is looked up, so no commit moves the offset past it meanwhile.
        partitions[source]!.inFlight.insert(message.offset)
        let job = Job(task: task, source: source, offset: message.offset, generation: state.generation)
        let latest = await latestStatus(task.deliveryID, logged: logged)
        guard !draining, owns(job) else {
            // Revoked or stopping while the log answered: the next owner reads the task again.
            drop(job)
            wakeCommitter()
            return
        }
        if let done = RecentStatuses.alreadyProcessed(task, latest: latest) {
            logger.debug("Skipping a task already processed", metadata: task.logMetadata.merging(["herald.delivery.state": "\(done)"]) { $1 })
            DeliveryMetrics.attempt(endpointID: task.endpointID, outcome: .skipped, requestDuration: nil)
            partitions[source]!.inFlight.remove(message.offset)
            markDirty()
            return
        }
        if task.hasNotBefore {
            switch RetryHold.consumed(remaining: RetryHold.remaining(until: task.notBefore.date, now: Date()),
                                      horizon: topics.retryTiers.horizon(ofTopic: source.topic)) {
            case .attempt: break
            case .hold(let wait), .holdThenRequeue(let wait):
                return await hold(job, waitingForLane: false, wait: wait + RetryHold.tolerance)
            }
        }
        if !admit(job) { await hold(job, waitingForLane: true, wait: nil) }
    }

    /// The delivery log's statuses of these tasks' deliveries that memory does not know, in one
    /// query. A log that cannot answer counts as knowing none of them (see `latestStatus`).
    func loggedStatuses(of tasks: [Herald_V1_DeliveryTask]) async -> LoggedStatuses {
        let unknown = Set(tasks.map(\.deliveryID).filter { recent.latest($0, stored: status[$0]) == nil })
        guard !unknown.isEmpty else { return .none }
        do {
            return LoggedStatuses(asked: unknown, found: try await log.statuses(ids: Array(unknown)))
        } catch {
            logger.warning("The delivery log could not answer deliveries' statuses", metadata: ["herald.delivery.count": "\(unknown.count)", "error": "\(error)"])
            return LoggedStatuses(asked: unknown, found: [])
        }
    }

    /// The latest status of `id`: this instance's own until the status table shows the same, else
    /// the table's (a delivery in progress), else the delivery log's (a finished one), as the
    /// batch's query read it or, for a delivery memory knew then and no longer does, read now. A log
    /// that cannot answer counts as no status: the task is attempted, at worst again, with the same `webhook-id`.
    func latestStatus(_ id: String, logged: LoggedStatuses = .none) async -> Herald_V1_DeliveryRecord? {
        if let known = recent.latest(id, stored: status[id]) { return known }
        if case .answered(let record) = logged.answer(for: id) { return record }
        do {
            return try await log.status(id: id)
        } catch {
            logger.warning("The delivery log could not answer a delivery's status", metadata: ["herald.delivery.id": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    func hold(_ job: Job, waitingForLane: Bool, wait: Duration?) async {
        let source = job.source
        var held = Held(job: job, waitingForLane: waitingForLane, timer: nil)
        self.held.set(source, held: true)
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

    /// A held task's hold is over: it is attempted, or, when its hold ended at its tier's horizon
    /// before it was due, written again to the tier of its remaining wait (see `RetryHold`).
    func due(_ source: TopicPartition, offset: Int64) async {
        guard let held = partitions[source]?.held, held.job.offset == offset, !held.waitingForLane else { return }
        let task = held.job.task
        if case .requeue(let tier) = RetryHold.expired(remaining: RetryHold.remaining(until: task.notBefore.date, now: Date()), tiers: topics.retryTiers) {
            let tiers = topics.retryTiers
            pending.records.append(ProducerRecord(topic: tiers.topic(tier: tier), key: Array(task.endpointID.utf8), value: try! task.serializedBytes()))
            logger.debug("Retry task not due within its tier's delay: written again to a tier", metadata: task.logMetadata.merging([
                "kafka.topic": "\(tiers.topic(tier: tier))", "herald.delivery.not_before": "\(task.notBefore.date)",
            ]) { $1 })
            partitions[source]!.inFlight.remove(offset)
            release(source)
            markDirty()
            return await resume(source)
        }
        if admit(held.job) {
            release(source)
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

    /// Hands a pause or resume to the consumer after every one asked for before it.
    func control(_ action: String, _ source: TopicPartition, _ operation: @escaping @Sendable (KafkaConsumer) async throws -> Void) async {
        await controls.append(action, source, on: consumer, logger: logger, operation).value
    }

    /// Queues the job on its endpoint's lane if there is room.
    func admit(_ job: Job) -> Bool {
        let id = job.task.endpointID
        var lane = lanes[id] ?? EndpointLane(breaker: CircuitBreaker(failureThreshold: limits.breakerFailureThreshold, openDuration: limits.breakerOpenDuration))
        guard lane.enqueue(job, capacity: limits.queueCapacity) else { return false }
        lanes[id] = lane
        pump(id)
        return true
    }

    func pump(_ id: String) {
        guard lanes[id] != nil else { return }
        for job in lanes[id]!.start(upTo: limits.concurrency) { jobs.yield(job) }
    }

    // MARK: Senders

    /// Circuit breaker and rate limit for one attempt.
    func permit(endpointID: String, ratePerSecond: Double) -> Permit {
        guard var lane = lanes[endpointID] else { return .go(after: .zero) }
        let permit = lane.permit(ratePerSecond: ratePerSecond, now: .now)
        lanes[endpointID] = lane
        DeliveryMetrics.circuit(endpointID: endpointID, lane.breaker.state)
        return permit
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
            release(source)
            await resume(source)
        }
    }

    /// The partition no longer holds a task.
    func release(_ source: TopicPartition) {
        partitions[source]?.held = nil
        held.set(source, held: false)
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

