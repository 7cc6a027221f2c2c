import Foundation
import HeraldKafka
import HeraldProtos
import Logging
import SwiftProtobuf

/// The tasks of deliveries, read back from the deliveries topic (the log keeps states, not
/// payloads) for a replay: every partition from an offset by time up to its end at the call.
struct DeliveredTasks: Sendable {
    let topic: String
    let kafka: KafkaConfiguration
    let logger: Logger

    /// The last task written for each wanted delivery since `writtenSinceMilliseconds`.
    func find(_ wanted: Set<String>, writtenSinceMilliseconds: Int64) async throws -> [String: Herald_V1_DeliveryTask] {
        guard !wanted.isEmpty else { return [:] }
        let (starts, ends) = try await KafkaAdmin.withAdmin(configuration: kafka, logger: logger) { admin in
            (try await admin.listOffsets(topic: topic, .timestamp(writtenSinceMilliseconds)), try await admin.endOffsets(of: [topic]))
        }
        // A partition with nothing written since the time has no offset for it (-1).
        let ranges = starts.filter { $0.offset >= 0 && $0.offset < ends[$0.topicPartition, default: 0] }
        guard !ranges.isEmpty else { return [:] }
        let from = Dictionary(ranges.map { ($0.topicPartition, $0.offset) }) { $1 }
        var progress = ReplayProgress(ends: ends.filter { from[$0.key] != nil }, starts: from)
        let options = KafkaConsumer.Options(isolationLevel: .readCommitted, reportsEndOfPartition: true)
        return try await KafkaConsumer.withConsumer(configuration: kafka, options: options, logger: logger) { consumer in
            var found: [String: Herald_V1_DeliveryTask] = [:]
            try await consumer.assign(ranges)
            for try await event in consumer.events {
                if case .message(let message) = event, let value = message.value,
                   let task = try? Herald_V1_DeliveryTask(serializedBytes: value), wanted.contains(task.deliveryID) {
                    found[task.deliveryID] = task
                }
                if progress.advance(past: event) { break }
            }
            return found
        }
    }
}

/// A delivered task sent again (pure): a new delivery, so a new webhook-id, to the chosen
/// endpoint from attempt 0, carrying the original delivery id in the CloudEvents extension
/// `heraldreplayof` (in the webhook's body), which marks it as a replay.
enum ReplayTask {
    static let extensionName = "heraldreplayof"

    static func make(from original: Herald_V1_DeliveryTask, to endpointID: String, at now: Date) -> Herald_V1_DeliveryTask {
        var task = original
        task.deliveryID = "\(original.deliveryID).replay-\(DeliveryLogRows.micros(now))"
        task.endpointID = endpointID
        task.attempt = 0
        task.clearNotBefore()
        task.lastStatusCode = 0
        task.lastError = ""
        task.createdAt = Google_Protobuf_Timestamp(date: now)
        task.eventExtensions[extensionName] = original.deliveryID
        return task
    }

    /// The PENDING status a replayed task starts with.
    static func pending(_ task: Herald_V1_DeliveryTask, at now: Date) -> Herald_V1_DeliveryRecord {
        var status = Herald_V1_DeliveryRecord.of(task)
        status.state = .pending
        status.updatedAt = Google_Protobuf_Timestamp(date: now)
        return status
    }
}
