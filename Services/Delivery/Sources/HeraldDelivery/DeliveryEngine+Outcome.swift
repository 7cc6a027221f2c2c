import Foundation
import GRPCCore
import HeraldKafka
import HeraldProtos
import Logging
import Metrics
import SwiftProtobuf

/// What an attempt's outcome becomes: its status, a retry or a dead letter, the endpoint's breaker and lane.
extension DeliveryEngine {
    /// Records an attempt's outcome for the next transaction and frees its lane slot.
    func finish(_ job: Job, report: AttemptReport) async {
        let task = job.task
        let now = Date()
        let accounting = AttemptAccounting(policy: report.policy ?? RetryPolicy(), attemptsBefore: task.attempt)
        let attempts = accounting.attempts(charged: report.charge)
        var record = Herald_V1_DeliveryRecord.of(task)
        record.attempts = attempts
        record.lastError = TaskDeadLetters.capped(report.error)
        record.updatedAt = Google_Protobuf_Timestamp(date: now)
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
            // Keyed by delivery: the compacted topic keeps each dead letter until its redrive's tombstone.
            let deadKey = Array(task.deliveryID.utf8)
            records.append(ProducerRecord(topic: topics.deadLetters, key: deadKey, value: TaskDeadLetters.fitted(dead, key: deadKey, maxRecordBytes: maxRecordBytes).bytes))
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
        let attempt = AttemptRecord.attempt(record: record, report: report)
        records.append(ProducerRecord(topic: topics.attempts, key: Array(task.deliveryID.utf8), value: try! attempt.serializedBytes()))
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
}
