import Logging

/// How many records of one partition lie after a consumer's position.
public struct PartitionLag: Sendable, Hashable {
    public var topicPartition: TopicPartition
    public var records: Int64

    public init(_ topicPartition: TopicPartition, records: Int64) {
        self.topicPartition = topicPartition
        self.records = records
    }
}

/// Reports a consumer's lag per assigned partition every `interval`, from librdkafka's statistics
/// (`statistics.interval.ms`). `report` runs on the consumer's poll thread: keep it short.
public struct ConsumerLagReporting: Sendable {
    public var interval: Duration
    public var report: @Sendable ([PartitionLag]) -> Void

    public init(interval: Duration = .seconds(5), report: @escaping @Sendable ([PartitionLag]) -> Void) {
        self.interval = interval
        self.report = report
    }
}

/// Lag from librdkafka's statistics JSON (`StatisticsReader` reads the fields it needs).
///
/// librdkafka's own `consumer_lag` measures from the offset the consumer itself committed, which
/// offsets committed through a transaction (`Transaction.sendOffsets`, how Herald's services
/// commit) never update: it would only grow. Lag is therefore the partition's end (the last stable
/// offset under read_committed, else the high watermark) minus the consumer's position: the offset
/// after the last record handed to the application, else (librdkafka forgets that on a seek, which
/// every rest of a caught-up partition ends with) the next offset to fetch, else the committed
/// offset read at assignment.
enum ConsumerStatistics {
    static func lags(fromJSON json: some Collection<UInt8>, readCommitted: Bool) throws -> [PartitionLag] {
        let entries = try json.withContiguousStorageIfAvailable { try StatisticsReader.partitions(in: $0) }
            ?? Array(json).withUnsafeBufferPointer { try StatisticsReader.partitions(in: $0) }
        var result: [PartitionLag] = []
        for (topic, partition) in entries where partition.partition >= 0 && isFetched(partition.fetchState) {
            let end = readCommitted && partition.lastStableOffset >= 0 ? partition.lastStableOffset : partition.highWatermark
            let known = [partition.applicationOffset, partition.nextFetchOffset, partition.committedOffset].filter { $0 >= 0 }
            let position = known.first ?? -1
            guard end >= 0, position >= 0 else { continue }
            result.append(PartitionLag(TopicPartition(topic: topic, partition: partition.partition), records: max(0, end - position)))
        }
        return result.sorted { ($0.topicPartition.topic, $0.topicPartition.partition) < ($1.topicPartition.topic, $1.topicPartition.partition) }
    }

    /// `none`, `stopping` or `stopped` for a partition not (or no longer) assigned to this
    /// consumer, merely known from metadata; `active` or an offset lookup state otherwise.
    private static func isFetched(_ fetchState: String) -> Bool {
        !["none", "stopping", "stopped"].contains(fetchState)
    }
}

extension ConsumerStatistics {
    /// The statistics callback of a consumer that reports its lag.
    static func handler(reporting: ConsumerLagReporting, readCommitted: Bool, logger: Logger) -> @Sendable (UnsafeRawBufferPointer) -> Void {
        { json in
            do {
                reporting.report(try lags(fromJSON: json, readCommitted: readCommitted))
            } catch {
                logger.debug("Unreadable librdkafka statistics; lag not reported", metadata: [LogKeys.error: "\(error)"])
            }
        }
    }
}
