import Foundation
import HeraldAvro
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRuntime
import Logging
import ServiceLifecycle
import SwiftProtobuf

/// The exactly-once consume–transform–produce loop (KIP-447).
///
/// Events arrive from the consumer group in batches of what is already fetched (up to
/// `maxBatchEvents`). Each batch becomes one transaction holding its delivery tasks, its
/// de-duplication records (each in the dedupe partition of the event's partition) and the
/// consumed offsets with the group metadata. The dedupe stores take a batch's keys only once its
/// transaction committed; a failed transaction rewinds the batch's partitions.
///
/// While one transaction commits, the next batch is already matched and encoded (its keys are
/// checked against the committing batch's too); its transaction begins only after the previous
/// one committed, and an assignment change waits for both.
final class RouterLoop {
    struct Settings {
        var eventsTopic: String
        var dedupeTopic: String
        var deliveriesTopic: String
        var deliveriesPartitions: Int
        /// Where records that cannot be routed go, with their reason.
        var deadLettersTopic: String
        /// The record limit (`message.max.bytes`): a task above it is dead-lettered, not retried.
        var maxRecordBytes: Int
        var maxBatchEvents: Int
        var dedupeRetentionMilliseconds: Int64
        /// Tombstones written per transaction at most (pruning catches up over later batches).
        var maxPrunePerBatch: Int
        /// How often, while transactions commit, each store records how far it holds its changelog
        /// (so a restart reads only what came after).
        var checkpointInterval: Duration
        var now: @Sendable () -> Int64
    }

    let settings: Settings
    private let consumer: KafkaConsumer
    private let producer: TransactionalProducer
    let admin: KafkaAdmin
    private let catalog: RouteCatalog
    let statistics: RouterStatistics
    let kafka: KafkaConfiguration
    let logger: Logger
    /// Opens the dedupe store of a newly assigned partition.
    let dedupeStores: DedupeStores
    /// Dedupe store of each assigned `herald.events` partition.
    var stores: [Int32: any DedupeStore] = [:]
    /// When the stores last recorded a checkpoint.
    var lastCheckpoint = ContinuousClock.now
    private var failures = 0

    init(settings: Settings, dedupeStores: DedupeStores, consumer: KafkaConsumer, producer: TransactionalProducer, admin: KafkaAdmin,
         catalog: RouteCatalog, statistics: RouterStatistics, kafka: KafkaConfiguration, logger: Logger) {
        self.settings = settings
        self.dedupeStores = dedupeStores
        self.consumer = consumer
        self.producer = producer
        self.admin = admin
        self.catalog = catalog
        self.statistics = statistics
        self.kafka = kafka
        self.logger = logger
    }

    /// Runs until graceful shutdown (the batch in hand is committed first) or a fatal error.
    func run() async throws {
        try await consumer.subscribe([settings.eventsTopic])
        let events = consumer.events
        let iterator = events.makeAsyncIterator()
        do {
            while !Task.isShuttingDownGracefully {
                var batch = try iterator.available(upTo: settings.maxBatchEvents)
                if batch.isEmpty, committing != nil {
                    // Nothing more fetched yet: finish the transaction in flight rather than wait.
                    _ = try await settle()
                    continue
                }
                if batch.isEmpty {
                    // Idle: wait for the next event, unless shutdown comes first.
                    let next = try await cancelWhenGracefulShutdown {
                        var waiting = events.makeAsyncIterator()
                        return try await waiting.next()
                    }
                    guard let next else { break }
                    batch = [next]
                    batch += try iterator.available(upTo: settings.maxBatchEvents - 1)
                }
                try await handle(batch)
            }
            try await commitNow()
            try await checkpoint(stores.keys)
        } catch {
            // A transaction still in flight ends either way before the producer closes.
            _ = await committing?.write.result
            committing = nil
            await close()
            throw error
        }
        await close()
    }

    private func close() async {
        closeStores(stores.keys)
        await consumer.close()
        await producer.close()
        await admin.close()
    }

    // MARK: Batches

    /// What one transaction will hold, per `herald.events` partition (so a revoked partition's
    /// share can be dropped).
    private struct PartitionWork {
        var first: Int64
        var next: Int64
        var records: [ProducerRecord] = []
        var newKeys: [(String, Int64)] = []
        var keySet: Set<String> = []
        var counts = RouterStatistics.BatchCounts()
    }

    /// A transaction begun and not yet settled, with what it holds.
    private struct Committing {
        var work: [Int32: PartitionWork]
        var expired: [Int32: [String]]
        /// Awaited by `settle()` (or on the way out) before the next transaction begins.
        var write: Task<Void, any Error>
    }

    private var work: [Int32: PartitionWork] = [:]
    private var committing: Committing?
    /// Keys past the retention, removed from the stores, whose tombstones the next transaction writes.
    private var expired: [Int32: [String]] = [:]

    /// Prunes before a batch is checked, so an event whose key just expired counts as new.
    /// Pruning rides along with the batch's transaction (bounded per batch).
    private func expireKeys(now: Int64) throws {
        let queued = expired.values.reduce(0) { $0 + $1.count } + (committing?.expired.values.reduce(0) { $0 + $1.count } ?? 0)
        var budget = settings.maxPrunePerBatch - queued
        for partition in stores.keys.sorted() where budget > 0 {
            let keys = try stores[partition]!.expire(through: now - settings.dedupeRetentionMilliseconds, limit: budget)
            if !keys.isEmpty { expired[partition, default: []] += keys }
            budget -= keys.count
        }
    }

    /// Processes `events` into the pending work, then settles the transaction in flight and begins
    /// the next one without waiting for it. Assignment changes first settle everything before them.
    private func handle(_ events: [KafkaConsumerEvent]) async throws {
        let index = catalog.index()
        let now = settings.now()
        let seen = Seen(time: now)
        try expireKeys(now: now)
        // Partitions rewound after a failed transaction: the rest of their events in this batch
        // come again from the consumer.
        var rewound: Set<Int32> = []
        for event in events {
            switch event {
            case .message(let message):
                if rewound.contains(message.partition) { continue }
                if stores[message.partition] == nil {
                    // Never expected (assignment precedes messages), but state must exist first.
                    rewound.formUnion(try await commitNow())
                    try await restore([message.partition])
                }
                try process(message, index: index, seen: seen)
            case .partitionsAssigned(let partitions):
                rewound.formUnion(try await commitNow())
                try await restore(partitions.filter { $0.topic == settings.eventsTopic }.map(\.partition))
            case .partitionsRevoked(let partitions):
                // Their uncommitted share goes to the next owner, which reads from the committed offsets.
                for partition in partitions where partition.topic == settings.eventsTopic {
                    work[partition.partition] = nil
                    expired[partition.partition] = nil
                }
                rewound.formUnion(try await commitNow())
                let revoked = partitions.filter { $0.topic == settings.eventsTopic }.map(\.partition)
                try await checkpoint(revoked)
                closeStores(revoked)
                // Every transaction that held work of them has committed or failed: the group
                // may hand them on (the consumer holds the rebalance until now).
                consumer.acknowledgeRevocations()
            case .endOfPartition:
                break
            }
        }
        _ = try await settle()
        if ContinuousClock.now - lastCheckpoint >= settings.checkpointInterval {
            // Nothing in flight: every record written to the changelog so far is in the stores.
            try await checkpoint(stores.keys)
        }
        try begin()
    }

    /// When a batch's events are seen, and that time as a changelog value (the same for the whole batch).
    private struct Seen {
        let time: Int64
        let changelogValue: [UInt8]
        init(time: Int64) {
            self.time = time
            changelogValue = DedupeRecord.value(time: time)
        }
    }

    private func process(_ message: KafkaMessage, index: RouteIndex, seen: Seen) throws {
        let partition = message.partition
        // Taken out of the dictionary while it grows, so appending never copies its arrays.
        var part = work.removeValue(forKey: partition) ?? PartitionWork(first: message.offset, next: message.offset)
        part.next = message.offset + 1
        defer { work[partition] = part }

        let (attributes, schemaID, payload): (EventAttributes, Int32, ArraySlice<UInt8>)
        switch EventTriage.read(message) {
        case .event(let event, let id, let bytes): (attributes, schemaID, payload) = (event, id, bytes)
        case .deadLetter(let reason):
            part.counts.malformed += 1
            deadLetter(message, reason: reason, into: &part)
            return
        }

        let key = DedupeRecord.key(source: attributes.source, id: attributes.id)
        if try stores[partition]?.contains(key) == true || committing?.work[partition]?.keySet.contains(key) == true
            || !part.keySet.insert(key).inserted {
            part.counts.duplicate += 1
            return
        }
        part.newKeys.append((key, seen.time))
        part.records.append(ProducerRecord(
            topic: settings.dedupeTopic, partition: partition, key: Array(key.utf8), value: seen.changelogValue))

        let targets = index.targets(for: attributes)
        RouteSpan.record(attributes, targets: targets.count)
        guard !targets.isEmpty else {
            part.counts.unmatched += 1
            return
        }
        var tasks: [ProducerRecord] = []
        for target in targets {
            let task = Herald_V1_DeliveryTask(event: attributes, schemaID: schemaID, payload: payload, target: target, createdAtMilliseconds: seen.time)
            let bytes: [UInt8]
            do { bytes = try task.serializedBytes() } catch {
                // Serializing a message built from valid strings cannot fail; never lose the task silently.
                preconditionFailure("DeliveryTask serialization failed: \(error)")
            }
            if let reason = EventTriage.oversized(taskBytes: bytes.count, endpointID: target.endpointID, maxRecordBytes: settings.maxRecordBytes) {
                part.counts.oversized += 1
                deadLetter(message, reason: reason, into: &part)
                return
            }
            let endpointKey = Array(target.endpointID.utf8)
            tasks.append(ProducerRecord(
                topic: settings.deliveriesTopic,
                partition: Murmur2.partition(forKey: endpointKey, partitionCount: settings.deliveriesPartitions),
                key: endpointKey, value: bytes))
        }
        part.counts.routed += 1
        part.counts.tasks += tasks.count
        part.records += tasks
    }

    /// Parks a record the router cannot route in the dead-letter topic, in the transaction that moves its offset.
    private func deadLetter(_ message: KafkaMessage, reason: String, into part: inout PartitionWork) {
        let headers = message.headers.map { RecordHeader(name: $0.name, value: $0.value ?? []) }
        logger.warning("Dead-lettering a record that cannot be routed", metadata: EventLogMetadata.of(headers: headers).merging([
            "kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)", "reason": "\(reason)",
        ]) { $1 })
        part.records.append(EventTriage.deadLetterRecord(message, reason: reason, topic: settings.deadLettersTopic, maxRecordBytes: settings.maxRecordBytes))
    }

    /// Commits the pending work now (after the transaction in flight); returns the partitions
    /// rewound by a failed transaction.
    @discardableResult
    private func commitNow() async throws -> Set<Int32> {
        var rewound = try await settle()
        try begin()
        rewound.formUnion(try await settle())
        return rewound
    }

    /// Begins the transaction of the pending work (with pruning tombstones) without waiting for
    /// it; the previous one must be settled.
    private func begin() throws {
        precondition(committing == nil, "a transaction is already in flight")
        guard !work.isEmpty || !expired.isEmpty else { return }
        let metadata = try consumer.groupMetadata()
        let pending = work
        work = [:]
        let expired = self.expired
        self.expired = [:]

        let offsets = pending.map { TopicPartitionOffset(topic: settings.eventsTopic, partition: $0.key, offset: $0.value.next) }
        var records: [ProducerRecord] = []
        records.reserveCapacity(expired.values.reduce(0) { $0 + $1.count } + pending.values.reduce(0) { $0 + $1.records.count })
        for (partition, keys) in expired {
            for key in keys { records.append(ProducerRecord(topic: settings.dedupeTopic, partition: partition, key: Array(key.utf8), value: nil)) }
        }
        for part in pending.values { records += part.records }
        let producer = producer
        // Unstructured so the next batch can be processed meanwhile; always awaited (`settle`, or
        // on the way out of `run`) before another transaction begins or the producer closes.
        let write = Task {
            try await producer.withTransaction { transaction in
                try await transaction.send(contentsOf: records)
                try await transaction.sendOffsets(offsets, groupMetadata: metadata)
            }
        }
        committing = Committing(work: pending, expired: expired, write: write)
    }

    /// Waits for the transaction in flight. Once it committed, the dedupe state takes its keys. On
    /// a non-fatal failure its partitions (and pending work built on them) are rewound so their
    /// events are processed again; returns them.
    private func settle() async throws -> Set<Int32> {
        guard let committing else { return [] }
        let pending = committing.work
        let expired = committing.expired
        do {
            try await committing.write.value
            self.committing = nil
        } catch let error as KafkaError where !error.isFatal {
            self.committing = nil
            statistics.failedTransaction()
            failures += 1
            logger.info("Routing transaction failed; its events will be processed again", metadata: [
                "error": "\(error)", "kafka.partitions": "\(pending.keys.sorted())",
            ])
            // The tombstones were not written: write them with a later transaction.
            for (partition, keys) in expired where stores[partition] != nil {
                self.expired[partition, default: []] += keys
            }
            // Work built on the failed batch follows it in the same partitions: it comes again too.
            for partition in pending.keys { work[partition] = nil }
            let rewind = pending.filter { stores[$0.key] != nil }
                .map { TopicPartitionOffset(topic: settings.eventsTopic, partition: $0.key, offset: $0.value.first) }
            if !rewind.isEmpty { try await consumer.seek(rewind) }
            // Back off while the failures continue (broker away, rebalance under way).
            try await Task.sleep(for: .milliseconds(min(5000, 100 << min(failures, 6))))
            return Set(pending.keys)
        } catch {
            self.committing = nil
            throw error
        }
        failures = 0

        var counts = RouterStatistics.BatchCounts()
        for (partition, part) in pending {
            try stores[partition]?.apply(part.newKeys.map { DedupeChange(key: $0.0, firstSeen: $0.1) })
            counts.routed += part.counts.routed
            counts.unmatched += part.counts.unmatched
            counts.duplicate += part.counts.duplicate
            counts.malformed += part.counts.malformed
            counts.oversized += part.counts.oversized
            counts.tasks += part.counts.tasks
        }
        counts.pruned = expired.values.reduce(0) { $0 + $1.count }
        statistics.committed(counts, dedupeEntries: stores.values.reduce(0) { $0 + $1.count }, routes: catalog.table.count)
        return []
    }
}
