public import Logging

/// Everything committed in `topic` (every partition, up to the end offsets seen at the call), read
/// by a fresh read_committed consumer — what any downstream reader would see (tests, `herald audit`).
public func committedRecords(topic: String, kafka: KafkaConfiguration, logger: Logger) async throws -> [KafkaMessage] {
    let admin = try KafkaAdmin(configuration: kafka, logger: logger)
    let partitions = try await admin.describeTopic(topic).partitions
    var remaining: [Int32: Int64] = [:]
    for partition in partitions { remaining[partition] = try await admin.watermarks(topic: topic, partition: partition).high }
    await admin.close()
    remaining = remaining.filter { $0.value > 0 }
    guard !remaining.isEmpty else { return [] }
    let consumer = try KafkaConsumer(
        configuration: kafka, options: .init(isolationLevel: .readCommitted, reportsEndOfPartition: true), logger: logger)
    try await consumer.assign(partitions.map { TopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
    var messages: [KafkaMessage] = []
    for try await event in consumer.events {
        switch event {
        case .message(let message): messages.append(message)
        case .endOfPartition(let end):
            if let target = remaining[end.partition], end.offset >= target { remaining[end.partition] = nil }
        default: break
        }
        if remaining.isEmpty { break }
    }
    await consumer.close()
    return messages
}
