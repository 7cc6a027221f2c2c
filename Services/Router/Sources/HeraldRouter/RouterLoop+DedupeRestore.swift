import Foundation
import HeraldCore
import HeraldKafka
import Logging

/// Bringing the de-duplication stores of newly assigned partitions up to their changelog, and
/// recording how far each holds it.
extension RouterLoop {
    /// Opens the stores of `partitions` and brings each up to the end of its changelog partition
    /// (read_committed) as observed now: only what came after the store's checkpoint, or all of it
    /// when the store is new or cannot be trusted (`DedupeRestorePlan`).
    func restore(_ partitions: [Int32]) async throws {
        guard !partitions.isEmpty else { return }
        let started = ContinuousClock.now
        var reads: [Int32: (from: Int64, to: Int64)] = [:]
        var ends: [Int32: Int64] = [:]
        var rebuilt: [Int32] = []
        for partition in partitions {
            let store = try ledger.stores[partition] ?? dedupeStores.open(topic: settings.dedupeTopic, partition: partition)
            ledger.adopt(store, for: partition)
            let marks = try await admin.watermarks(topic: settings.dedupeTopic, partition: partition)
            ends[partition] = marks.high
            switch DedupeRestorePlan.decide(checkpoint: store.checkpoint, topic: settings.dedupeTopic, partition: partition, low: marks.low, high: marks.high) {
            case .upToDate:
                break
            case .catchUp(let from, let to):
                reads[partition] = (from, to)
            case .rebuild(let to, let reason):
                if dedupeStores.persist {
                    logger.info("Rebuilding a de-duplication store from its changelog", metadata: [
                        "kafka.topic": "\(settings.dedupeTopic)", "kafka.partition": "\(partition)", "reason": "\(reason)",
                    ])
                }
                try store.reset()
                rebuilt.append(partition)
                if to > marks.low { reads[partition] = (marks.low, to) }
            }
        }
        let records = try await read(reads)
        for (partition, end) in ends where dedupeStores.persist {
            try ledger.stores[partition]!.record(DedupeCheckpoint(topic: settings.dedupeTopic, partition: partition, offset: end))
        }
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        statistics.restored(seconds: seconds, records: records, rebuiltStores: dedupeStores.persist ? rebuilt.count : 0)
        logger.info("Restored de-duplication state", metadata: [
            "kafka.partitions": "\(partitions.sorted())", "herald.dedupe.rebuilt": "\(rebuilt.sorted())",
            "herald.dedupe.restore_seconds": "\(String(format: "%.3f", seconds))",
            "herald.dedupe.records": "\(records)",
            "herald.dedupe.keys": "\(partitions.reduce(0) { $0 + (ledger.stores[$1]?.count ?? 0) })",
        ])
    }

    /// Applies the changelog records of each partition's range to its store; returns how many.
    private func read(_ ranges: [Int32: (from: Int64, to: Int64)]) async throws -> Int {
        guard !ranges.isEmpty else { return 0 }
        var targets = ranges.mapValues(\.to)
        var pending: [Int32: [DedupeChange]] = [:]
        var records = 0
        let reader = try KafkaConsumer(
            configuration: kafka,
            options: .init(isolationLevel: .readCommitted, autoOffsetReset: .earliest, bufferCapacity: 4096, reportsEndOfPartition: true),
            logger: logger)
        do {
            try await reader.assign(ranges.keys.sorted().map {
                TopicPartitionOffset(topic: settings.dedupeTopic, partition: $0, offset: ranges[$0]!.from)
            })
            func flush(_ partition: Int32) throws {
                if let changes = pending.removeValue(forKey: partition) { try ledger.stores[partition]?.apply(changes) }
            }
            for try await event in reader.events {
                switch event {
                case .message(let message):
                    if let key = message.key {
                        let time = message.value.map { DedupeRecord.time(from: $0) ?? 0 }
                        pending[message.partition, default: []].append(DedupeChange(key: String(decoding: key, as: UTF8.self), firstSeen: time))
                        if pending[message.partition]!.count >= 4096 { try flush(message.partition) }
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
            for partition in pending.keys { try flush(partition) }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
        if !targets.isEmpty, !Task.isCancelled {
            throw KafkaError(code: .closed, message: "restoring \(settings.dedupeTopic) ended early")
        }
        return records
    }

    /// Records that the stores of `partitions` hold their changelog partitions to the end. Only
    /// with no transaction in flight and every committed batch's keys applied: each changelog
    /// partition is written by its events partition's owner alone, so everything before the end
    /// is then in the store (or in an aborted transaction). A broker that does not answer only
    /// leaves the checkpoint where it was: the next restore reads a little more.
    func checkpoint(_ partitions: some Sequence<Int32>) async throws {
        lastCheckpoint = .now
        guard dedupeStores.persist else { return }
        for partition in partitions {
            guard let store = ledger.stores[partition] else { continue }
            let marks: Watermarks
            do {
                marks = try await admin.watermarks(topic: settings.dedupeTopic, partition: partition)
            } catch let error as KafkaError {
                logger.info("De-duplication checkpoint skipped", metadata: [
                    "kafka.topic": "\(settings.dedupeTopic)", "kafka.partition": "\(partition)", "error": "\(error)",
                ])
                continue
            }
            try store.record(DedupeCheckpoint(topic: settings.dedupeTopic, partition: partition, offset: marks.high))
        }
    }

    /// Closes the stores of revoked partitions (or all at shutdown); they stay on disk for the next assignment.
    func closeStores(_ partitions: some Sequence<Int32>) {
        for store in ledger.release(Array(partitions)) { store.close() }
    }
}
