import Foundation
import GRPCCore
import HeraldKafka
import HeraldProtos
import Logging
import Metrics
import SwiftProtobuf

/// Topic names of the delivery service.
public struct DeliveryTopics: Sendable, Hashable {
    public var deliveries = "herald.deliveries"
    public var status = "herald.delivery-status"
    public var endpoints = "herald.endpoints"
    public var deadLetters = "herald.deliveries.dlq"
    public var retryTiers = RetryTiers()

    public init() {}

    /// A private set: each default name between `prefix.` and `.suffix` (benchmarks sharing a broker).
    public static func named(prefix: String, suffix: String) -> DeliveryTopics {
        var topics = DeliveryTopics()
        for path in [\DeliveryTopics.deliveries, \.status, \.endpoints, \.deadLetters] {
            topics[keyPath: path] = "\(prefix).\(topics[keyPath: path]).\(suffix)"
        }
        topics.retryTiers = RetryTiers(topicPrefix: "\(prefix).retry.\(suffix)")
        return topics
    }

    /// Every topic the delivery consumer group reads.
    public var consumed: [String] { [deliveries] + retryTiers.topics }
}

/// Per-endpoint isolation limits.
public struct EndpointLimits: Sendable, Hashable {
    /// Requests in flight per endpoint. Default 8.
    public var concurrency = 8
    /// Tasks waiting per endpoint beyond those in flight; when full, the partition the next task
    /// came from is paused until there is room. Default 256.
    public var queueCapacity = 256
    /// Consecutive failures that open an endpoint's circuit breaker. Default 5.
    public var breakerFailureThreshold = 5
    /// How long an open breaker refuses attempts before one probe. Default 30 s.
    public var breakerOpenDuration = Duration.seconds(30)

    public init() {}
}

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
    struct Job: Sendable {
        let task: Herald_V1_DeliveryTask
        let source: TopicPartition
        let offset: Int64
        /// The assignment of `source` the job was taken under (see `PartitionState.generation`).
        let generation: UInt64
    }

    /// What one transaction carries.
    struct Batch: Sendable {
        var records: [ProducerRecord] = []
        var offsets: [TopicPartitionOffset] = []
        var statuses: [Herald_V1_DeliveryRecord] = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        /// Revoked partitions whose last outcomes and final offsets this batch carries: handed on once it commits.
        var handsOn: [TopicPartition] = []
    }

    private struct Held {
        let job: Job
        var waitingForLane: Bool
        var timer: Task<Void, Never>?
    }

    private struct PartitionState {
        /// Tells this assignment of the partition from earlier ones, so that a send taken under an
        /// earlier one (whose revocation was not acknowledged in time) finishing late changes nothing here.
        let generation: UInt64
        var inFlight: Set<Int64> = []
        /// Offset after the last message taken.
        var next: Int64?
        var committed: Int64?
        var held: Held?
        /// Revoked: no more records are taken, and the partition is handed on once its sends in
        /// flight have finished and their outcomes and its final offset are committed.
        var revoked = false
        /// The lowest offset of a task dropped at revocation without an attempt: the committed
        /// offset stays at or below it, so the next owner reads the task again.
        var dropped: Int64?

        /// The lowest offset still in flight, held or dropped, else the offset after the last taken record.
        var committable: Int64? {
            switch (inFlight.min(), dropped) {
            case (let a?, let b?): min(a, b)
            case (let a?, nil): a
            case (nil, let b?): b
            case (nil, nil): next
            }
        }
    }

    private struct Lane {
        var running = 0
        var queue: [Job] = []
        var head = 0
        var bucket: TokenBucket?
        var breaker: CircuitBreaker
        var disabled = false

        var queued: Int { queue.count - head }
        mutating func pop() -> Job? {
            guard head < queue.count else { return nil }
            defer {
                head += 1
                if head > 64 && head * 2 > queue.count { queue.removeFirst(head); head = 0 }
            }
            return queue[head]
        }
    }

    private let consumer: KafkaConsumer
    private let endpoints: EndpointStore
    private let status: CompactedTable<String, Herald_V1_DeliveryRecord>
    private let topics: DeliveryTopics
    private let limits: EndpointLimits
    /// The record limit every retry and dead-letter record is kept under.
    private let maxRecordBytes: Int
    private let logger: Logger
    private let jobs: AsyncStream<Job>.Continuation
    nonisolated let jobStream: AsyncStream<Job>

    private var partitions: [TopicPartition: PartitionState] = [:]
    private var generations: UInt64 = 0
    /// Revoked partitions not handed on yet: the consumer holds the rebalance until this is empty.
    private var revoking: Set<TopicPartition> = []
    /// The last pause or resume handed to the consumer (see `control`).
    private var lastControl: Task<Void, Never>?
    private var lanes: [String: Lane] = [:]
    private var pending = Batch()
    private var offsetsDirty = false
    private var committerWaiter: CheckedContinuation<Batch?, Never>?
    private var draining = false
    private var jobsFinished = false
    /// Status records this instance committed, ahead of the status table catching up.
    private var recent: [String: Herald_V1_DeliveryRecord] = [:]
    /// `recent` drops what the table already shows once it grows past this.
    private var recentPruneThreshold = 10_000

    private let latency = Metrics.Timer(label: "herald_delivery_task_to_success_seconds")

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
    private func drop(_ job: Job) {
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
    private func handOn(_ handed: [TopicPartition]) {
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
    private func alreadyProcessed(_ task: Herald_V1_DeliveryTask) -> Herald_V1_DeliveryState? {
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

    private func hold(_ job: Job, waitingForLane: Bool, wait: Duration?) async {
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

    private func due(_ source: TopicPartition, offset: Int64) async {
        guard let held = partitions[source]?.held, held.job.offset == offset, !held.waitingForLane else { return }
        if admit(held.job) {
            partitions[source]!.held = nil
            await resume(source)
        } else {
            partitions[source]!.held!.waitingForLane = true
            partitions[source]!.held!.timer = nil
        }
    }

    private func resume(_ source: TopicPartition) async {
        guard !draining else { return }
        await control("Resuming", source) { consumer in try await consumer.resume([source]) }
    }

    /// Applies pauses and resumes to the consumer in the order this actor asked for them. Each call
    /// leaves the actor while it waits, so without the chain a resume decided during a pause's wait
    /// could reach the consumer first and leave the partition paused for good.
    private func control(_ action: String, _ source: TopicPartition, _ operation: @escaping @Sendable (KafkaConsumer) async throws -> Void) async {
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
    private func admit(_ job: Job) -> Bool {
        let id = job.task.endpointID
        var lane = lanes[id] ?? Lane(breaker: CircuitBreaker(failureThreshold: limits.breakerFailureThreshold, openDuration: limits.breakerOpenDuration))
        guard lane.queued < limits.queueCapacity else { return false }
        lane.queue.append(job)
        lanes[id] = lane
        pump(id)
        return true
    }

    private func pump(_ id: String) {
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

    /// Records an attempt's outcome for the next transaction and frees its lane slot.
    func finish(_ job: Job, report: AttemptReport) async {
        let task = job.task
        let now = Date()
        let accounting = AttemptAccounting(policy: report.policy ?? RetryPolicy(), attemptsBefore: task.attempt)
        let attempts = accounting.attempts(charged: report.charge)
        var record = Herald_V1_DeliveryRecord.with {
            $0.deliveryID = task.deliveryID
            $0.eventSource = task.eventSource
            $0.eventID = task.eventID
            $0.eventType = task.eventType
            $0.endpointID = task.endpointID
            $0.routeID = task.routeID
            $0.attempts = attempts
            $0.lastError = TaskDeadLetters.capped(report.error)
            $0.updatedAt = Google_Protobuf_Timestamp(date: now)
        }
        var records: [ProducerRecord] = []
        let key = Array(task.endpointID.utf8)
        var lane = lanes[task.endpointID]
        func deadLetter(_ error: String, reason: DeliveryMetrics.DeadLetterReason) {
            DeliveryMetrics.deadLettered(reason)
            record.state = .dead
            var dead = task
            dead.attempt = attempts
            dead.lastStatusCode = record.lastStatusCode
            dead.lastError = error
            dead.clearNotBefore()
            records.append(ProducerRecord(topic: topics.deadLetters, key: key, value: TaskDeadLetters.fitted(dead, key: key, maxRecordBytes: maxRecordBytes).bytes))
            logger.info("Delivery dead-lettered", metadata: task.logMetadata.merging(["error": "\(error)", "herald.delivery.attempts": "\(attempts)"]) { $1 })
        }
        switch report.kind {
        case .answered(let code, let retryAfter):
            record.lastStatusCode = Int32(clamping: code)
            switch AttemptOutcome.classify(status: code, retryAfter: retryAfter) {
            case .succeeded:
                record.state = .succeeded
                record.lastError = ""
                lane?.breaker.recordSuccess()
                if task.hasCreatedAt {
                    latency.recordNanoseconds(Int64(max(0, now.timeIntervalSince(task.createdAt.date)) * 1e9))
                }
            case .gone:
                if record.lastError.isEmpty { record.lastError = "410 Gone: endpoint disabled" }
                deadLetter(record.lastError, reason: .gone)
                lane?.disabled = true
                if let disable = endpoints.disablingRecord(task.endpointID) { records.append(disable) }
                logger.notice("Endpoint answered 410 Gone and is disabled", metadata: task.logMetadata)
            case .failed(let retryAfter):
                if record.lastError.isEmpty { record.lastError = "HTTP \(code)" }
                if report.reachedEndpoint { lane?.breaker.recordFailure(now: .now) }
                schedule(retryAfter: retryAfter)
            }
        case .failed:
            if report.reachedEndpoint { lane?.breaker.recordFailure(now: .now) }
            schedule(retryAfter: report.retryAfter)
        case .undeliverable:
            deadLetter(report.error, reason: .undeliverable)
        }
        func schedule(retryAfter: Duration?) {
            switch accounting.afterFailure(charged: report.charge, retryAfter: retryAfter) {
            case .deadLetter:
                deadLetter(record.lastError, reason: .attemptsExhausted)
            case .retry(let delay):
                let due = now.addingTimeInterval(TokenBucket.seconds(delay))
                record.state = .retrying
                record.nextAttemptAt = Google_Protobuf_Timestamp(date: due)
                var next = task
                next.attempt = attempts
                next.notBefore = Google_Protobuf_Timestamp(date: due)
                next.lastStatusCode = record.lastStatusCode
                next.lastError = record.lastError
                let fitted = TaskDeadLetters.fitted(next, key: key, maxRecordBytes: maxRecordBytes)
                guard !fitted.payloadDropped else {
                    record.clearNextAttemptAt()
                    return deadLetter(TaskDeadLetters.capped("task over the record limit: " + record.lastError), reason: .oversized)
                }
                let tiers = topics.retryTiers
                records.append(ProducerRecord(topic: tiers.topic(tier: tiers.tier(for: delay)), key: key, value: fitted.bytes))
            }
        }
        DeliveryMetrics.attempt(endpointID: task.endpointID, outcome: "\(record.state)", requestDuration: report.requestDuration)
        records.append(ProducerRecord(topic: topics.status, key: Array(task.deliveryID.utf8), value: try! record.serializedBytes()))
        pending.records.append(contentsOf: records)
        pending.statuses.append(record)

        if var lane {
            lane.running -= 1
            lanes[task.endpointID] = lane
            DeliveryMetrics.circuit(endpointID: task.endpointID, lane.breaker.state)
        }
        if partitions[job.source]?.generation == job.generation { partitions[job.source]!.inFlight.remove(job.offset) }
        pump(task.endpointID)
        await admitHeld(for: task.endpointID)
        wakeCommitter()
        finishJobsIfIdle()
    }

    /// Partitions paused because this endpoint's queue was full get their held task in, if there is room now.
    private func admitHeld(for endpointID: String) async {
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

    // MARK: Committer

    private func markDirty() {
        offsetsDirty = true
        wakeCommitter()
    }

    private func wakeCommitter() {
        guard let waiter = committerWaiter, let batch = takeBatch() else { return }
        committerWaiter = nil
        waiter.resume(returning: batch)
    }

    /// The next transaction's content: pending outcomes and every partition's committable offset
    /// (the lowest offset still in flight, held or dropped, else the offset after the last taken
    /// record). A revoked partition with nothing in flight leaves the engine here: the batch hands
    /// it on once committed, or, when there is nothing to commit, it is handed on at once. Called
    /// only while no batch is committing, so every earlier outcome of it is committed by then.
    private func takeBatch() -> Batch? {
        var batch = pending
        for (partition, state) in partitions {
            if let committable = state.committable, committable != state.committed {
                batch.offsets.append(TopicPartitionOffset(partition, offset: committable))
                partitions[partition]!.committed = committable
            }
            if state.revoked && state.inFlight.isEmpty {
                batch.handsOn.append(partition)
                partitions[partition] = nil
            }
        }
        guard !batch.records.isEmpty || !batch.offsets.isEmpty || !batch.waiters.isEmpty else {
            offsetsDirty = false
            handOn(batch.handsOn)
            return nil
        }
        pending = Batch()
        offsetsDirty = false
        // Known from now on, ahead of the commit and of the status table: a record this batch writes
        // (e.g. a redriven task) may be consumed the moment the commit lands. A failed commit stops
        // the engine, so nothing acts on a status that never committed.
        for status in batch.statuses { recent[status.deliveryID] = status }
        if recent.count > recentPruneThreshold {
            recent = recent.filter { status[$0.key] != $0.value }
            recentPruneThreshold = max(10_000, recent.count * 2)
        }
        return batch
    }

    /// Waits for work; `nil` once draining is over and everything is committed.
    func nextBatch() async -> Batch? {
        if let batch = takeBatch() { return batch }
        if draining && jobsFinished { return nil }
        return await withCheckedContinuation { continuation in
            committerWaiter = continuation
        }
    }

    func committed(_ batch: Batch) {
        for waiter in batch.waiters { waiter.resume() }
        handOn(batch.handsOn)
    }

    func failed(_ batch: Batch, error: any Error) {
        for waiter in batch.waiters { waiter.resume(throwing: DeliveryAPIError(.unavailable, "the transaction failed: \(error)")) }
        // The engine stops: what was not committed is dropped, and the next owners read it again.
        handOn(Array(revoking))
        draining = true
        jobs.finish()
        jobsFinished = true
        for waiter in pending.waiters { waiter.resume(throwing: DeliveryAPIError(.unavailable, "the delivery service stopped")) }
        pending = Batch()
    }

    // MARK: Shutdown

    /// Stops intake: held records are dropped (their offsets stay uncommitted), queued tasks still run.
    func stopIntake() {
        draining = true
        for partition in partitions.keys {
            partitions[partition]!.held?.timer?.cancel()
            partitions[partition]!.held = nil
        }
        finishJobsIfIdle()
    }

    private func finishJobsIfIdle() {
        guard draining, !jobsFinished, lanes.values.allSatisfy({ $0.running == 0 && $0.queued == 0 }) else { return }
        jobsFinished = true
        jobs.finish()
        if let waiter = committerWaiter {
            committerWaiter = nil
            waiter.resume(returning: takeBatch())
        }
    }
}

