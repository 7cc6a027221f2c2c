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
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let starts: [TopicPartitionOffset], ends: [TopicPartitionOffset]
        do {
            starts = try await admin.listOffsets(topic: topic, .timestamp(writtenSinceMilliseconds))
            ends = try await admin.listOffsets(topic: topic, .latest)
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        let endOf = Dictionary(ends.map { ($0.partition, $0.offset) }) { $1 }
        let ranges = starts.filter { $0.offset >= 0 && $0.offset < endOf[$0.partition, default: 0] }
        guard !ranges.isEmpty else { return [:] }
        var remaining = Set(ranges.map(\.partition))
        var found: [String: Herald_V1_DeliveryTask] = [:]
        let consumer = try KafkaConsumer(
            configuration: kafka, options: .init(isolationLevel: .readCommitted, reportsEndOfPartition: true), logger: logger)
        do {
            try await consumer.assign(ranges)
            for try await event in consumer.events {
                switch event {
                case .message(let message):
                    if let value = message.value, let task = try? Herald_V1_DeliveryTask(serializedBytes: value), wanted.contains(task.deliveryID) {
                        found[task.deliveryID] = task
                    }
                    if message.offset + 1 >= endOf[message.partition, default: 0] { remaining.remove(message.partition) }
                case .endOfPartition(let end):
                    if end.offset >= endOf[end.partition, default: 0] { remaining.remove(end.partition) }
                case .partitionsAssigned, .partitionsRevoked:
                    break
                }
                if remaining.isEmpty { break }
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return found
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
