import HeraldCore
import HeraldKafka

/// The router's batch and rewind bookkeeping, as a value that performs no Kafka I/O: the dedupe
/// store of each assigned `herald.events` partition, the work waiting for the next transaction, the
/// transaction in flight, and the keys whose tombstones are due. `RouterLoop` asks it what to write,
/// what to count, and where to seek, and carries that out.
///
/// The stores are references behind `DedupeStore` (RocksDB when the router persists them, in memory
/// otherwise), so the ledger decides what the dedupe state takes and gives up, whichever holds it;
/// opening, restoring, checkpointing and closing a store stay with the loop.
struct BatchLedger {
    /// What one transaction will hold of one `herald.events` partition (so a revoked partition's
    /// share can be dropped).
    struct PartitionWork {
        var first: Int64
        var next: Int64
        var records: [ProducerRecord] = []
        var newKeys: [(String, Int64)] = []
        var keySet: Set<String> = []
        var counts = RouterStatistics.BatchCounts()
    }

    /// What a transaction holds: its work per partition and the tombstones it writes.
    struct Transaction {
        var work: [Int32: PartitionWork]
        var expired: [Int32: [String]]
    }

    /// What a transaction writes: the records (tombstones first) and the consumed offsets to commit with them.
    struct Writes {
        var records: [ProducerRecord]
        var offsets: [TopicPartitionOffset]
    }

    /// What a failed transaction asks for: its partitions are processed again from their first
    /// offsets, after a back-off that grows while failures continue (broker away, rebalance under way).
    struct Rewind: Equatable {
        var partitions: Set<Int32>
        var seeks: [TopicPartitionOffset]
        var backoff: Duration
    }

    let eventsTopic: String
    let dedupeTopic: String
    let retentionMilliseconds: Int64
    /// Tombstones written per transaction at most (pruning catches up over later batches).
    let maxPrunePerBatch: Int

    /// The dedupe store of each assigned partition, from its adoption to its release.
    private(set) var stores: [Int32: any DedupeStore] = [:]
    /// Work for the next transaction, built while the one in flight commits.
    var pending: [Int32: PartitionWork] = [:]
    private(set) var inFlight: Transaction?
    /// Keys past the retention, removed from the stores, whose tombstones the next transaction writes.
    private(set) var expired: [Int32: [String]] = [:]
    private(set) var consecutiveFailures = 0

    init(eventsTopic: String, dedupeTopic: String, retentionMilliseconds: Int64, maxPrunePerBatch: Int) {
        self.eventsTopic = eventsTopic
        self.dedupeTopic = dedupeTopic
        self.retentionMilliseconds = retentionMilliseconds
        self.maxPrunePerBatch = maxPrunePerBatch
    }

    // MARK: Partitions

    /// Whether `partition` is assigned here, with a dedupe store.
    func owns(_ partition: Int32) -> Bool { stores[partition] != nil }

    /// Takes `store` as `partition`'s dedupe state (the loop restores it from the changelog before
    /// any of the partition's events are handled).
    mutating func adopt(_ store: any DedupeStore, for partition: Int32) {
        stores[partition] = store
    }

    /// Drops the uncommitted share of revoked partitions: their next owner reads from the committed offsets.
    mutating func dropPending(of partitions: [Int32]) {
        for partition in partitions {
            pending[partition] = nil
            expired[partition] = nil
        }
    }

    /// Gives up revoked partitions' dedupe stores, once every transaction holding their work
    /// settled; returns them for the loop to close.
    mutating func release(_ partitions: [Int32]) -> [any DedupeStore] {
        partitions.compactMap { stores.removeValue(forKey: $0) }
    }

    var dedupeEntries: Int { stores.values.reduce(0) { $0 + $1.count } }

    // MARK: Batches

    /// Prunes before a batch is checked, so an event whose key just expired counts as new. At most
    /// `maxPrunePerBatch` tombstones wait at once, those of the transaction in flight included.
    mutating func expireKeys(now: Int64) throws {
        let queued = expired.values.reduce(0) { $0 + $1.count } + (inFlight?.expired.values.reduce(0) { $0 + $1.count } ?? 0)
        var budget = maxPrunePerBatch - queued
        for partition in stores.keys.sorted() where budget > 0 {
            let keys = try stores[partition]!.expire(through: now - retentionMilliseconds, limit: budget)
            if !keys.isEmpty { expired[partition, default: []] += keys }
            budget -= keys.count
        }
    }

    /// Whether `key` was seen in `partition` by a committed transaction or the one in flight
    /// (the pending work's own keys are checked by whoever builds it).
    func isCommittedOrInFlight(_ key: String, in partition: Int32) throws -> Bool {
        try stores[partition]?.contains(key) == true || inFlight?.work[partition]?.keySet.contains(key) == true
    }

    /// Whether the next transaction has anything to write (work or tombstones).
    var hasWrites: Bool { !pending.isEmpty || !expired.isEmpty }

    /// Moves the pending work (and due tombstones) in flight and says what its transaction writes;
    /// nil when there is nothing to write. The previous transaction must have settled.
    mutating func begin() -> Writes? {
        precondition(inFlight == nil, "a transaction is already in flight")
        guard hasWrites else { return nil }
        let transaction = Transaction(work: pending, expired: expired)
        pending = [:]
        expired = [:]
        inFlight = transaction

        let offsets = transaction.work.map { TopicPartitionOffset(topic: eventsTopic, partition: $0.key, offset: $0.value.next) }
        var records: [ProducerRecord] = []
        records.reserveCapacity(transaction.expired.values.reduce(0) { $0 + $1.count } + transaction.work.values.reduce(0) { $0 + $1.records.count })
        for (partition, keys) in transaction.expired {
            for key in keys { records.append(ProducerRecord(topic: dedupeTopic, partition: partition, key: Array(key.utf8), value: nil)) }
        }
        for part in transaction.work.values { records += part.records }
        return Writes(records: records, offsets: offsets)
    }

    /// The transaction in flight committed: the dedupe stores take its keys. Returns what the
    /// transaction did. Throws when a store cannot take them: the router stops, and the next restore
    /// reads the keys from the changelog, which has them.
    mutating func committed() throws -> RouterStatistics.BatchCounts {
        guard let transaction = inFlight else { return RouterStatistics.BatchCounts() }
        inFlight = nil
        consecutiveFailures = 0
        var counts = RouterStatistics.BatchCounts()
        for (partition, part) in transaction.work {
            try stores[partition]?.apply(part.newKeys.map { DedupeChange(key: $0.0, firstSeen: $0.1) })
            counts.routed += part.counts.routed
            counts.unmatched += part.counts.unmatched
            counts.duplicate += part.counts.duplicate
            counts.malformed += part.counts.malformed
            counts.oversized += part.counts.oversized
            counts.tasks += part.counts.tasks
        }
        counts.pruned = transaction.expired.values.reduce(0) { $0 + $1.count }
        return counts
    }

    /// The transaction in flight failed (not fatally): its tombstones wait for a later one, work
    /// built on it in the same partitions is dropped (it comes again), and the partitions still
    /// owned are rewound to their first offsets.
    mutating func failed() -> Rewind {
        guard let transaction = inFlight else { return Rewind(partitions: [], seeks: [], backoff: .zero) }
        inFlight = nil
        consecutiveFailures += 1
        for (partition, keys) in transaction.expired where owns(partition) {
            expired[partition, default: []] += keys
        }
        for partition in transaction.work.keys { pending[partition] = nil }
        let seeks = transaction.work.filter { owns($0.key) }.sorted { $0.key < $1.key }
            .map { TopicPartitionOffset(topic: eventsTopic, partition: $0.key, offset: $0.value.first) }
        return Rewind(partitions: Set(transaction.work.keys), seeks: seeks,
                      backoff: .milliseconds(min(5000, 100 << min(consecutiveFailures, 6))))
    }

    /// The transaction in flight ended with a fatal error: nothing of it is kept.
    mutating func abandon() {
        inFlight = nil
    }
}
