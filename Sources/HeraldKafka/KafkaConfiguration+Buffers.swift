extension KafkaConfiguration {
    /// How much librdkafka may hold in memory per client, ahead of Herald's own batches.
    ///
    /// librdkafka's defaults suit a client reading or writing as fast as it can: a consumer
    /// prefetches until 100,000 records or 64 MiB wait in its queue, a producer buffers up to
    /// 100,000 records or 1 GiB. A Herald service runs several clients, and any that falls behind — a delivery log follower while SQLite
    /// is slow, a table replaying its topic — fills its queue to those limits. Herald takes at most
    /// 1,024 records at a time from a consumer (its event buffer, a delivery log batch), so a few
    /// batches prefetched keep it busy; a full producer queue makes a write wait for room, not fail.
    public struct BufferBounds: Sendable, Hashable {
        /// Records a consumer prefetches before it stops fetching (`queued.min.messages`). Default 4,096.
        public var consumerPrefetchRecords: Int
        /// KiB a consumer prefetches before it stops fetching (`queued.max.messages.kbytes`); a
        /// single fetch may still return up to this much. Default 8,192 (8 MiB), at least one
        /// record of `maxMessageBytes` (enforced).
        public var consumerPrefetchKilobytes: Int
        /// Records a producer holds unacknowledged before a write waits (`queue.buffering.max.messages`). Default 10,000.
        public var producerQueueRecords: Int
        /// KiB a producer holds unacknowledged before a write waits (`queue.buffering.max.kbytes`).
        /// Default 32,768 (32 MiB).
        public var producerQueueKilobytes: Int

        public init(
            consumerPrefetchRecords: Int = 4096,
            consumerPrefetchKilobytes: Int = 8192,
            producerQueueRecords: Int = 10_000,
            producerQueueKilobytes: Int = 32768
        ) {
            self.consumerPrefetchRecords = consumerPrefetchRecords
            self.consumerPrefetchKilobytes = consumerPrefetchKilobytes
            self.producerQueueRecords = producerQueueRecords
            self.producerQueueKilobytes = producerQueueKilobytes
        }

        /// The consumer's properties; the byte bound is raised to hold one record of
        /// `maxMessageBytes`, which librdkafka needs to fetch it at all.
        func consumerProperties(maxMessageBytes: Int) -> [String: String] {
            [
                "queued.min.messages": String(max(1, consumerPrefetchRecords)),
                "queued.max.messages.kbytes": String(max(consumerPrefetchKilobytes, (maxMessageBytes + 1023) / 1024, 1)),
            ]
        }

        /// The producer's properties; the byte bound is raised to hold one record of `maxMessageBytes`.
        func producerProperties(maxMessageBytes: Int) -> [String: String] {
            [
                "queue.buffering.max.messages": String(max(1, producerQueueRecords)),
                "queue.buffering.max.kbytes": String(max(producerQueueKilobytes, (maxMessageBytes + 1023) / 1024, 1)),
            ]
        }
    }

    /// Every property of a consumer before its options: the common ones, the prefetch bounds, then
    /// `properties` (so a pass-through property overrides a bound).
    var consumerProperties: [String: String] {
        clientProperties(adding: buffers.consumerProperties(maxMessageBytes: maxMessageBytes))
    }

    /// Every property of a producer before its options: the common ones, the queue bounds, then `properties`.
    var producerProperties: [String: String] {
        clientProperties(adding: buffers.producerProperties(maxMessageBytes: maxMessageBytes))
    }
}
