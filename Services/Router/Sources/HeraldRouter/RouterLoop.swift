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
    /// What is pending, in flight and remembered per partition (its dedupe stores); this loop
    /// carries out its answers.
    var ledger: BatchLedger
    /// When the stores last recorded a checkpoint.
    var lastCheckpoint = ContinuousClock.now
    /// The transaction in flight (`ledger.inFlight`) being written; awaited by `settle()` (or on
    /// the way out) before the next transaction begins.
    private var write: Task<Void, any Error>?

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
        self.ledger = BatchLedger(eventsTopic: settings.eventsTopic, dedupeTopic: settings.dedupeTopic,
                                  retentionMilliseconds: settings.dedupeRetentionMilliseconds, maxPrunePerBatch: settings.maxPrunePerBatch)
    }

    /// Runs until graceful shutdown (the batch in hand is committed first) or a fatal error.
    func run() async throws {
        try await consumer.subscribe([settings.eventsTopic])
        let events = consumer.events
        let iterator = events.makeAsyncIterator()
        do {
            while !Task.isShuttingDownGracefully {
                var batch = try iterator.available(upTo: settings.maxBatchEvents)
                if batch.isEmpty, write != nil {
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
            try await checkpoint(ledger.stores.keys)
        } catch {
            // A transaction still in flight ends either way before the producer closes.
            _ = await write?.result
            write = nil
            ledger.abandon()
            await close()
            throw error
        }
        await close()
    }

    private func close() async {
        closeStores(ledger.stores.keys)
        await consumer.close()
        await producer.close()
        await admin.close()
    }

    // MARK: Batches

    /// Processes `events` into the pending work, then settles the transaction in flight and begins
    /// the next one without waiting for it. Assignment changes first settle everything before them.
    private func handle(_ events: [KafkaConsumerEvent]) async throws {
        let index = catalog.index()
        let now = settings.now()
        let seen = Seen(time: now)
        try ledger.expireKeys(now: now)
        // Partitions rewound after a failed transaction: the rest of their events in this batch
        // come again from the consumer.
        var rewound: Set<Int32> = []
        for event in events {
            switch event {
            case .message(let message):
                if rewound.contains(message.partition) { continue }
                if !ledger.owns(message.partition) {
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
                let revoked = partitions.filter { $0.topic == settings.eventsTopic }.map(\.partition)
                ledger.dropPending(of: revoked)
                rewound.formUnion(try await commitNow())
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
            try await checkpoint(ledger.stores.keys)
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
        var part = ledger.pending.removeValue(forKey: partition) ?? BatchLedger.PartitionWork(first: message.offset, next: message.offset)
        part.next = message.offset + 1
        defer { ledger.pending[partition] = part }

        let (attributes, schemaID, payload): (EventAttributes, Int32, ArraySlice<UInt8>)
        switch EventTriage.read(message) {
        case .event(let event, let id, let bytes): (attributes, schemaID, payload) = (event, id, bytes)
        case .deadLetter(let reason):
            part.counts.malformed += 1
            deadLetter(message, reason: reason, into: &part)
            return
        }

        let key = DedupeRecord.key(source: attributes.source, id: attributes.id)
        if try ledger.isCommittedOrInFlight(key, in: partition) || !part.keySet.insert(key).inserted {
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
    private func deadLetter(_ message: KafkaMessage, reason: String, into part: inout BatchLedger.PartitionWork) {
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
        precondition(write == nil, "a transaction is already in flight")
        guard ledger.hasWrites else { return }
        let metadata = try consumer.groupMetadata()
        guard let writes = ledger.begin() else { return }
        let (records, offsets) = (writes.records, writes.offsets)
        let producer = producer
        // Unstructured so the next batch can be processed meanwhile; always awaited (`settle`, or
        // on the way out of `run`) before another transaction begins or the producer closes.
        let write = Task {
            try await producer.withTransaction { transaction in
                try await transaction.send(contentsOf: records)
                try await transaction.sendOffsets(offsets, groupMetadata: metadata)
            }
        }
        self.write = write
    }

    /// Waits for the transaction in flight. Once it committed, the dedupe state takes its keys. On
    /// a non-fatal failure its partitions (and pending work built on them) are rewound so their
    /// events are processed again; returns them.
    private func settle() async throws -> Set<Int32> {
        guard let write else { return [] }
        do {
            try await write.value
            self.write = nil
        } catch let error as KafkaError where !error.isFatal {
            self.write = nil
            let rewind = ledger.failed()
            statistics.failedTransaction()
            logger.info("Routing transaction failed; its events will be processed again", metadata: [
                "error": "\(error)", "kafka.partitions": "\(rewind.partitions.sorted())",
            ])
            if !rewind.seeks.isEmpty { try await consumer.seek(rewind.seeks) }
            try await Task.sleep(for: rewind.backoff)
            return rewind.partitions
        } catch {
            self.write = nil
            ledger.abandon()
            throw error
        }
        let counts = try ledger.committed()
        statistics.committed(counts, dedupeEntries: ledger.dedupeEntries, routes: catalog.table.count)
        return []
    }
}
