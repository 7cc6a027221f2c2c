import Metrics
import Synchronization

/// What the router has done, as Prometheus metrics (`/metrics`) and as counters tests can read.
public final class RouterStatistics: Sendable {
    private let routedCount = Atomic<Int>(0)
    private let unmatchedCount = Atomic<Int>(0)
    private let duplicateCount = Atomic<Int>(0)
    private let malformedCount = Atomic<Int>(0)
    private let oversizedCount = Atomic<Int>(0)
    private let taskCount = Atomic<Int>(0)
    private let transactionCount = Atomic<Int>(0)
    private let failedTransactionCount = Atomic<Int>(0)
    private let prunedCount = Atomic<Int>(0)
    private let restoreCount = Atomic<Int>(0)
    private let restoredRecordCount = Atomic<Int>(0)
    private let rebuildCount = Atomic<Int>(0)

    private let routed = Counter(label: "herald_router_events_total", dimensions: [("outcome", "routed")])
    private let unmatched = Counter(label: "herald_router_events_total", dimensions: [("outcome", "unmatched")])
    private let duplicate = Counter(label: "herald_router_events_total", dimensions: [("outcome", "duplicate")])
    private let malformed = Counter(label: "herald_router_events_total", dimensions: [("outcome", "malformed")])
    private let oversized = Counter(label: "herald_router_events_total", dimensions: [("outcome", "oversized")])
    // Dead letters by reason, beside the event outcomes: named like the delivery service's, so
    // one query sums every dead letter of the pipeline.
    private let deadMalformed = Counter(label: "herald_router_dead_letters_total", dimensions: [("reason", "malformed")])
    private let deadOversized = Counter(label: "herald_router_dead_letters_total", dimensions: [("reason", "oversized")])
    private let tasks = Counter(label: "herald_router_tasks_total")
    private let transactions = Counter(label: "herald_router_transactions_total", dimensions: [("result", "committed")])
    private let failedTransactions = Counter(label: "herald_router_transactions_total", dimensions: [("result", "failed")])
    private let pruned = Counter(label: "herald_router_dedupe_pruned_total")
    private let dedupeEntries = Gauge(label: "herald_router_dedupe_entries")
    private let routes = Gauge(label: "herald_router_routes")
    private let restoreSeconds = Timer(label: "herald_router_dedupe_restore_seconds")
    private let restoreRecords = Counter(label: "herald_router_dedupe_restore_records_total")
    private let rebuilds = Counter(label: "herald_router_dedupe_rebuilds_total")

    public init() {}

    /// Events written to `herald.deliveries` (one or more tasks each).
    public var routedEvents: Int { routedCount.load(ordering: .relaxed) }
    /// Events no enabled route matched (their offsets are committed, nothing is written).
    public var unmatchedEvents: Int { unmatchedCount.load(ordering: .relaxed) }
    /// Events dropped because their (source, id) was already seen within the retention.
    public var duplicateEvents: Int { duplicateCount.load(ordering: .relaxed) }
    /// Records of `herald.events` that are not a Herald event (headers or framing), dead-lettered.
    public var malformedEvents: Int { malformedCount.load(ordering: .relaxed) }
    /// Events whose delivery task would exceed the record limit, dead-lettered.
    public var oversizedEvents: Int { oversizedCount.load(ordering: .relaxed) }
    public var deliveryTasks: Int { taskCount.load(ordering: .relaxed) }
    public var committedTransactions: Int { transactionCount.load(ordering: .relaxed) }
    public var failedTransactionsCount: Int { failedTransactionCount.load(ordering: .relaxed) }
    public var prunedKeys: Int { prunedCount.load(ordering: .relaxed) }
    /// Every event handled in a committed transaction, whatever its outcome.
    /// Partition assignments whose de-duplication state was restored: one per rebalance that gave
    /// this instance partitions.
    public var restoredAssignments: Int { restoreCount.load(ordering: .relaxed) }
    /// Changelog records read while restoring: only those after each store's checkpoint, unless rebuilt.
    public var restoredRecords: Int { restoredRecordCount.load(ordering: .relaxed) }
    /// Partition stores emptied and rebuilt from the whole changelog (new, lost or not trusted).
    public var rebuiltStores: Int { rebuildCount.load(ordering: .relaxed) }
    public var handledEvents: Int { routedEvents + unmatchedEvents + duplicateEvents + malformedEvents + oversizedEvents }

    struct BatchCounts {
        var routed = 0
        var unmatched = 0
        var duplicate = 0
        var malformed = 0
        var oversized = 0
        var tasks = 0
        var pruned = 0
    }

    func committed(_ counts: BatchCounts, dedupeEntries entries: Int, routes routeCount: Int) {
        routedCount.add(counts.routed, ordering: .relaxed)
        unmatchedCount.add(counts.unmatched, ordering: .relaxed)
        duplicateCount.add(counts.duplicate, ordering: .relaxed)
        malformedCount.add(counts.malformed, ordering: .relaxed)
        oversizedCount.add(counts.oversized, ordering: .relaxed)
        taskCount.add(counts.tasks, ordering: .relaxed)
        prunedCount.add(counts.pruned, ordering: .relaxed)
        transactionCount.add(1, ordering: .relaxed)
        if counts.routed > 0 { routed.increment(by: counts.routed) }
        if counts.unmatched > 0 { unmatched.increment(by: counts.unmatched) }
        if counts.duplicate > 0 { duplicate.increment(by: counts.duplicate) }
        if counts.malformed > 0 {
            malformed.increment(by: counts.malformed)
            deadMalformed.increment(by: counts.malformed)
        }
        if counts.oversized > 0 {
            oversized.increment(by: counts.oversized)
            deadOversized.increment(by: counts.oversized)
        }
        if counts.tasks > 0 { tasks.increment(by: counts.tasks) }
        if counts.pruned > 0 { pruned.increment(by: counts.pruned) }
        transactions.increment()
        dedupeEntries.record(entries)
        routes.record(routeCount)
    }

    func failedTransaction() {
        failedTransactionCount.add(1, ordering: .relaxed)
        failedTransactions.increment()
    }

    func restored(seconds: Double, records: Int, rebuiltStores: Int) {
        restoreCount.add(1, ordering: .relaxed)
        restoredRecordCount.add(records, ordering: .relaxed)
        rebuildCount.add(rebuiltStores, ordering: .relaxed)
        restoreSeconds.recordSeconds(seconds)
        if records > 0 { restoreRecords.increment(by: records) }
        if rebuiltStores > 0 { rebuilds.increment(by: rebuiltStores) }
    }
}
