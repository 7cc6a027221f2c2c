import HeraldCore
import HeraldKafka
import Logging

/// Rebuilding the de-duplication windows of newly assigned partitions from their changelog.
extension RouterLoop {
    /// Rebuilds the dedupe state of `partitions` from their changelog partitions, reading each
    /// (read_committed) from the beginning to its end as observed now.
    func restore(_ partitions: [Int32]) async throws {
        guard !partitions.isEmpty else { return }
        let started = ContinuousClock.now
        var targets: [Int32: Int64] = [:]
        for partition in partitions {
            ledger.startRestoring(partition)
            let marks = try await admin.watermarks(topic: settings.dedupeTopic, partition: partition)
            if marks.high > marks.low { targets[partition] = marks.high }
        }
        var records = 0
        if !targets.isEmpty {
            let reader = try KafkaConsumer(
                configuration: kafka,
                options: .init(isolationLevel: .readCommitted, autoOffsetReset: .earliest, bufferCapacity: 4096, reportsEndOfPartition: true),
                logger: logger)
            do {
                try await reader.assign(targets.keys.sorted().map {
                    TopicPartitionOffset(topic: settings.dedupeTopic, partition: $0, offset: KafkaOffset.beginning)
                })
                for try await event in reader.events {
                    switch event {
                    case .message(let message):
                        if let key = message.key {
                            ledger.applyChangelog(partition: message.partition, key: String(decoding: key, as: UTF8.self), value: message.value)
                            records += 1
                        }
                        if let target = targets[message.partition], message.offset + 1 >= target { targets[message.partition] = nil }
                    case .endOfPartition(let end):
                        if let target = targets[end.partition], end.offset >= target { targets[end.partition] = nil }
                    case .partitionsAssigned, .partitionsRevoked:
                        break
                    }
                    if targets.isEmpty { break }
                }
            } catch {
                await reader.close()
                throw error
            }
            await reader.close()
            if !targets.isEmpty, !Task.isCancelled {
                throw KafkaError(code: .closed, message: "restoring \(settings.dedupeTopic) ended early")
            }
        }
        let elapsed = (ContinuousClock.now - started).components
        statistics.restored(seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        logger.info("Restored de-duplication state", metadata: [
            "kafka.partitions": "\(partitions.sorted())", "herald.dedupe.records": "\(records)",
            "herald.dedupe.keys": "\(partitions.reduce(0) { $0 + (ledger.windows[$1]?.count ?? 0) })",
        ])
    }
}
