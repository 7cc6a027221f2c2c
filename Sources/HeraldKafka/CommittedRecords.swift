public import Logging

/// Everything committed in `topic` (every partition, up to the end offsets seen at the call), read
/// by a fresh read_committed consumer — what any downstream reader would see (tests, `herald audit`).
public func committedRecords(topic: String, kafka: KafkaConfiguration, logger: Logger) async throws -> [KafkaMessage] {
    let ends = try await KafkaAdmin.withAdmin(configuration: kafka, logger: logger) { admin in
        try await admin.endOffsets(of: [topic])
    }
    var progress = ReplayProgress(ends: ends)
    guard !progress.isCaughtUp else { return [] }
    let options = KafkaConsumer.Options(isolationLevel: .readCommitted, reportsEndOfPartition: true)
    return try await KafkaConsumer.withConsumer(configuration: kafka, options: options, logger: logger) { consumer in
        try await consumer.assign(ends.keys.map { TopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        var messages: [KafkaMessage] = []
        for try await event in consumer.events {
            if case .message(let message) = event { messages.append(message) }
            if progress.advance(past: event) { break }
        }
        return messages
    }
}
