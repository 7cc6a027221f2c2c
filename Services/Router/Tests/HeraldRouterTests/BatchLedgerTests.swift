import HeraldCore
import HeraldKafka
@testable import HeraldRouter
import Testing

/// The router's batch and rewind bookkeeping, without a broker: what a transaction writes, what
/// a commit remembers, and what a failure rewinds. The dedupe state is the in-memory store, the one
/// the router uses without a data directory.
@Suite struct BatchLedgerTests {
    static func ledger(maxPrunePerBatch: Int = 100) -> BatchLedger {
        var ledger = BatchLedger(eventsTopic: "events", dedupeTopic: "dedupe", retentionMilliseconds: 1000, maxPrunePerBatch: maxPrunePerBatch)
        ledger.adopt(MemoryDedupeStore(retentionMilliseconds: 1000), for: 0)
        ledger.adopt(MemoryDedupeStore(retentionMilliseconds: 1000), for: 1)
        return ledger
    }

    /// Pending work of `partition` for the events at `offsets`, one new key each.
    static func work(_ ledger: inout BatchLedger, partition: Int32, offsets: ClosedRange<Int64>, at time: Int64 = 0) {
        var part = BatchLedger.PartitionWork(first: offsets.lowerBound, next: offsets.upperBound + 1)
        for offset in offsets {
            let key = "k\(partition)-\(offset)"
            part.keySet.insert(key)
            part.newKeys.append((key, time))
            part.records.append(ProducerRecord(topic: "dedupe", partition: partition, key: Array(key.utf8), value: DedupeRecord.value(time: time)))
            part.counts.routed += 1
        }
        ledger.pending[partition] = part
    }

    /// Begins the pending work's transaction, which must have something to write.
    static func begin(_ ledger: inout BatchLedger) throws -> BatchLedger.Writes {
        let writes = ledger.begin()
        return try #require(writes)
    }

    @Test func nothingPendingBeginsNoTransaction() {
        var ledger = Self.ledger()
        #expect(!ledger.hasWrites)
        let writes = ledger.begin()
        #expect(writes == nil)
        #expect(ledger.inFlight == nil)
    }

    @Test func aTransactionWritesTheWorkAndCommitsTheOffsetAfterEachPartitionsLastEvent() throws {
        var ledger = Self.ledger()
        Self.work(&ledger, partition: 0, offsets: 10...12)
        Self.work(&ledger, partition: 1, offsets: 4...4)
        let writes = try Self.begin(&ledger)
        #expect(writes.records.count == 4)
        #expect(Set(writes.offsets) == [TopicPartitionOffset(topic: "events", partition: 0, offset: 13),
                                         TopicPartitionOffset(topic: "events", partition: 1, offset: 5)])
        #expect(ledger.pending.isEmpty && ledger.inFlight != nil)
    }

    @Test func keysCountAsSeenInFlightAndAreRememberedOnlyOnceCommitted() throws {
        var ledger = Self.ledger()
        Self.work(&ledger, partition: 0, offsets: 1...2)
        #expect(try !ledger.isCommittedOrInFlight("k0-1", in: 0))
        _ = try Self.begin(&ledger)
        #expect(try ledger.isCommittedOrInFlight("k0-1", in: 0))
        #expect(try ledger.stores[0]?.contains("k0-1") == false)
        let counts = try ledger.committed()
        #expect(counts.routed == 2)
        #expect(try ledger.stores[0]?.contains("k0-1") == true && ledger.dedupeEntries == 2)
        #expect(ledger.inFlight == nil)
    }

    @Test func aFailedTransactionRewindsItsOwnedPartitionsToTheirFirstEventsAndDropsWorkBuiltOnThem() throws {
        var ledger = Self.ledger()
        Self.work(&ledger, partition: 0, offsets: 10...12)
        Self.work(&ledger, partition: 1, offsets: 4...6)
        _ = try Self.begin(&ledger)
        // The next batch, built while the first one committed.
        Self.work(&ledger, partition: 0, offsets: 13...14)
        _ = ledger.release([1])
        let rewind = ledger.failed()
        #expect(rewind.partitions == [0, 1])
        #expect(rewind.seeks == [TopicPartitionOffset(topic: "events", partition: 0, offset: 10)], "partition 1 is no longer owned")
        #expect(ledger.pending.isEmpty, "work after the failed batch comes again from the consumer")
        #expect(try ledger.stores[0]?.contains("k0-10") == false)
        #expect(ledger.inFlight == nil)
    }

    @Test func theBackOffDoublesWhileFailuresContinueUpToFiveSecondsAndACommitResetsIt() throws {
        var ledger = Self.ledger()
        var backoffs: [Duration] = []
        for _ in 0..<8 {
            Self.work(&ledger, partition: 0, offsets: 1...1)
            _ = try Self.begin(&ledger)
            let rewind = ledger.failed()
            backoffs.append(rewind.backoff)
        }
        #expect(backoffs == [200, 400, 800, 1600, 3200, 5000, 5000, 5000].map { Duration.milliseconds($0) })
        Self.work(&ledger, partition: 0, offsets: 1...1)
        _ = try Self.begin(&ledger)
        _ = try ledger.committed()
        #expect(ledger.consecutiveFailures == 0)
        Self.work(&ledger, partition: 0, offsets: 2...2)
        _ = try Self.begin(&ledger)
        let rewind = ledger.failed()
        #expect(rewind.backoff == .milliseconds(200))
    }

    @Test func expiredKeysBecomeTombstonesOnceAndAFailedTransactionHandsThemToTheNext() throws {
        var ledger = Self.ledger()
        Self.work(&ledger, partition: 0, offsets: 1...3, at: 0)
        _ = try Self.begin(&ledger)
        _ = try ledger.committed()
        try ledger.expireKeys(now: 1000)
        let writes = try Self.begin(&ledger)
        #expect(writes.records.allSatisfy { $0.value == nil && $0.topic == "dedupe" } && writes.records.count == 3)
        #expect(writes.offsets.isEmpty)
        _ = ledger.failed()
        #expect(ledger.expired[0]?.count == 3, "the tombstones were not written")
        _ = try Self.begin(&ledger)
        let counts = try ledger.committed()
        #expect(counts.pruned == 3)
    }

    @Test func pruningIsBoundedPerBatchCountingTheTombstonesInFlight() throws {
        var ledger = Self.ledger(maxPrunePerBatch: 2)
        Self.work(&ledger, partition: 0, offsets: 1...5, at: 0)
        _ = try Self.begin(&ledger)
        _ = try ledger.committed()
        try ledger.expireKeys(now: 1000)
        #expect(ledger.expired[0]?.count == 2)
        _ = try Self.begin(&ledger)
        try ledger.expireKeys(now: 1000)
        #expect(ledger.expired.isEmpty, "two tombstones are in flight already")
        _ = try ledger.committed()
        try ledger.expireKeys(now: 1000)
        #expect(ledger.expired[0]?.count == 2)
    }

    @Test func aRevokedPartitionLosesItsPendingWorkAndTombstonesAndHandsBackItsStore() {
        var ledger = Self.ledger()
        let store = MemoryDedupeStore(retentionMilliseconds: 1000)
        ledger.adopt(store, for: 1)
        Self.work(&ledger, partition: 0, offsets: 1...1)
        Self.work(&ledger, partition: 1, offsets: 1...1)
        ledger.dropPending(of: [1])
        #expect(Array(ledger.pending.keys) == [0])
        let released = ledger.release([1, 7])
        #expect(released.count == 1 && released.first === store, "the loop closes what it gets back; 7 was never owned")
        #expect(!ledger.owns(1) && ledger.owns(0))
    }

    @Test func aCommitAppliesOnlyToTheStoresOfPartitionsStillOwned() throws {
        var ledger = Self.ledger()
        let revokedStore = try #require(ledger.stores[1])
        Self.work(&ledger, partition: 0, offsets: 1...1)
        Self.work(&ledger, partition: 1, offsets: 1...1)
        _ = try Self.begin(&ledger)
        _ = ledger.release([1])
        let counts = try ledger.committed()
        #expect(counts.routed == 2)
        #expect(try ledger.stores[0]?.contains("k0-1") == true)
        #expect(try !revokedStore.contains("k1-1"), "a released store is closed: nothing is written to it")
    }

    @Test func keysAlreadyInTheStoreCountAsSeenAndExpireFromItByTheirFirstSeenTime() throws {
        var ledger = Self.ledger()
        // As a restore from the changelog leaves it: one old key, one recent, one deleted.
        try ledger.stores[0]?.apply([DedupeChange(key: "old", firstSeen: 100), DedupeChange(key: "recent", firstSeen: 900),
                                     DedupeChange(key: "gone", firstSeen: 100), DedupeChange(key: "gone", firstSeen: nil)])
        #expect(try ledger.isCommittedOrInFlight("old", in: 0) && ledger.isCommittedOrInFlight("recent", in: 0))
        #expect(try !ledger.isCommittedOrInFlight("gone", in: 0) && !ledger.isCommittedOrInFlight("old", in: 1))
        try ledger.expireKeys(now: 1500)
        #expect(ledger.expired == [0: ["old"]])
        #expect(try !ledger.isCommittedOrInFlight("old", in: 0) && ledger.isCommittedOrInFlight("recent", in: 0))
    }
}
