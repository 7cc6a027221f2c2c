import Foundation
import HeraldCore
import HeraldKafka
import HeraldProtos
import Logging
import Metrics
import SwiftProtobuf

/// Carrying out what an attempt's outcome became (`AttemptResolution`): its records for the next
/// transaction, the endpoint's breaker and lane, and the metrics and log lines that report it.
extension DeliveryEngine {
    /// Records an attempt's outcome for the next transaction and frees its lane slot.
    func finish(_ job: Job, report: AttemptReport) async {
        let task = job.task
        let now = Date()
        let resolution = AttemptResolution.resolve(task, report: report, now: now, into: .init(topics: topics, maxRecordBytes: maxRecordBytes))
        var records = resolution.records
        var lane = lanes[task.endpointID]
        switch resolution.breaker {
        case .none: break
        case .success: lane?.breaker.recordSuccess()
        case .failure: lane?.breaker.recordFailure(now: .now)
        }
        if resolution.status.state == .succeeded, task.hasCreatedAt {
            latency.recordNanoseconds(Int64(max(0, now.timeIntervalSince(task.createdAt.date)) * 1e9))
        }
        if let dead = resolution.deadLetter {
            DeliveryMetrics.deadLettered(dead.reason)
            logger.info("Delivery dead-lettered", metadata: task.logMetadata.merging([
                "error": "\(dead.error)", "herald.delivery.attempts": "\(resolution.status.attempts)",
            ]) { $1 })
        }
        if resolution.disablesEndpoint {
            lane?.disabled = true
            if let disable = endpoints.disablingRecord(task.endpointID) { records.append(disable) }
            logger.notice("Endpoint answered 410 Gone and is disabled", metadata: task.logMetadata)
        }
        DeliveryMetrics.attempt(endpointID: task.endpointID, outcome: .state(resolution.status.state), requestDuration: report.requestDuration)
        records.append(ProducerRecord(topic: topics.status, key: Array(task.deliveryID.utf8), value: try! resolution.status.serializedBytes()))
        records.append(ProducerRecord(topic: topics.attempts, key: Array(task.deliveryID.utf8), value: try! resolution.attempt.serializedBytes()))
        pending.records.append(contentsOf: records)
        pending.statuses.append(resolution.status)

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
