import Foundation
import HeraldCore
import HeraldKafka
import HeraldProtos
import SwiftProtobuf

/// What one attempt's outcome becomes, decided without I/O: the delivery's new status, the attempt
/// the delivery log keeps, the retry or dead-letter record to write with them, what the endpoint's
/// circuit breaker learns, and whether the endpoint is disabled. `DeliveryEngine.finish` writes the records and applies the rest.
struct AttemptResolution {
    enum BreakerEffect: Equatable {
        case none
        case success
        case failure
    }

    /// A dead letter the resolution writes, for the metric and the log line that report it.
    struct DeadLetter: Equatable {
        var reason: DeliveryMetrics.DeadLetterReason
        /// The error the dead-lettered task carries.
        var error: String
    }

    /// The delivery's status after the attempt (`state`, attempts, last status and error, next attempt).
    var status: Herald_V1_DeliveryRecord
    /// The attempts topic's record of this attempt (the status it led to, with the response's start).
    var attempt: Herald_V1_DeliveryAttempt
    /// The retry-tier or dead-letter record, if any; the status record is written after it.
    var records: [ProducerRecord] = []
    var breaker = BreakerEffect.none
    /// 410 Gone: the endpoint is disabled from now on (its stored record too).
    var disablesEndpoint = false
    var deadLetter: DeadLetter?

    /// Where and how large the records the resolution writes may be.
    struct Destinations {
        var topics: DeliveryTopics
        /// The record limit every retry and dead-letter record is kept under.
        var maxRecordBytes: Int
    }

    /// Resolves `report` for `task`'s attempt that ended at `now`; `random` draws the retry jitter.
    static func resolve(_ task: Herald_V1_DeliveryTask, report: AttemptReport, now: Date, into destinations: Destinations,
                        random: Double = Double.random(in: 0...1)) -> AttemptResolution {
        let accounting = AttemptAccounting(policy: report.policy ?? HeraldCore.RetryPolicy(), attemptsBefore: task.attempt)
        var status = Herald_V1_DeliveryRecord.of(task)
        status.attempts = accounting.attempts(charged: report.charge)
        status.lastError = TaskDeadLetters.capped(report.error)
        status.updatedAt = Google_Protobuf_Timestamp(date: now)
        var resolution = AttemptResolution(status: status, attempt: Herald_V1_DeliveryAttempt())
        let resolver = Resolver(task: task, now: now, destinations: destinations)
        func schedule(retryAfter: Duration?) {
            let decision = accounting.afterFailure(charged: report.charge, retryAfter: retryAfter, random: random)
            resolver.schedule(&resolution, decision)
        }
        switch report.kind {
        case .answered(let code, let retryAfter):
            resolution.status.lastStatusCode = Int32(clamping: code)
            switch AttemptOutcome.classify(status: code, retryAfter: retryAfter) {
            case .succeeded:
                resolution.status.state = .succeeded
                resolution.status.lastError = ""
                resolution.breaker = .success
            case .gone:
                if resolution.status.lastError.isEmpty { resolution.status.lastError = "410 Gone: endpoint disabled" }
                resolver.deadLetter(&resolution, error: resolution.status.lastError, reason: .gone)
                resolution.disablesEndpoint = true
            case .failed(let retryAfter):
                if resolution.status.lastError.isEmpty { resolution.status.lastError = "HTTP \(code)" }
                if report.reachedEndpoint { resolution.breaker = .failure }
                schedule(retryAfter: retryAfter)
            }
        case .failed:
            if report.reachedEndpoint { resolution.breaker = .failure }
            schedule(retryAfter: report.retryAfter)
        case .undeliverable:
            resolver.deadLetter(&resolution, error: report.error, reason: .undeliverable)
        }
        resolution.attempt = AttemptRecord.attempt(record: resolution.status, report: report)
        return resolution
    }

    /// The records of a resolution for one task.
    private struct Resolver {
        let task: Herald_V1_DeliveryTask
        let now: Date
        let destinations: Destinations
        var key: [UInt8] { Array(task.endpointID.utf8) }

        func deadLetter(_ resolution: inout AttemptResolution, error: String, reason: DeliveryMetrics.DeadLetterReason) {
            resolution.status.state = .dead
            resolution.deadLetter = DeadLetter(reason: reason, error: error)
            var dead = task
            dead.attempt = resolution.status.attempts
            dead.lastStatusCode = resolution.status.lastStatusCode
            dead.lastError = error
            dead.clearNotBefore()
            // Keyed by delivery: the compacted topic keeps each dead letter until its redrive's tombstone.
            let deadKey = Array(task.deliveryID.utf8)
            let bytes = TaskDeadLetters.fitted(dead, key: deadKey, maxRecordBytes: destinations.maxRecordBytes).bytes
            resolution.records.append(ProducerRecord(topic: destinations.topics.deadLetters, key: deadKey, value: bytes))
        }

        /// A retry in the tier of its delay, or a dead letter once the policy gives up or the
        /// retried task would not fit in a record.
        func schedule(_ resolution: inout AttemptResolution, _ decision: RetryPolicy.Decision) {
            switch decision {
            case .deadLetter:
                deadLetter(&resolution, error: resolution.status.lastError, reason: .attemptsExhausted)
            case .retry(let delay):
                let due = now.addingTimeInterval(TokenBucket.seconds(delay))
                var next = task
                next.attempt = resolution.status.attempts
                next.notBefore = Google_Protobuf_Timestamp(date: due)
                next.lastStatusCode = resolution.status.lastStatusCode
                next.lastError = resolution.status.lastError
                let fitted = TaskDeadLetters.fitted(next, key: key, maxRecordBytes: destinations.maxRecordBytes)
                guard !fitted.payloadDropped else {
                    let error = TaskDeadLetters.capped("task over the record limit: " + resolution.status.lastError)
                    return deadLetter(&resolution, error: error, reason: .oversized)
                }
                resolution.status.state = .retrying
                resolution.status.nextAttemptAt = Google_Protobuf_Timestamp(date: due)
                let tiers = destinations.topics.retryTiers
                resolution.records.append(ProducerRecord(topic: tiers.topic(tier: tiers.tier(for: delay)), key: key, value: fitted.bytes))
            }
        }
    }
}
