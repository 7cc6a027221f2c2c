/// How far a replay of some partitions is from the ends they had when it started: a value type
/// fed with what the consumer read, saying when the replay has caught up.
///
/// Progress counts both messages and end-of-partition events: a transactionally written
/// partition ends in control records no consumer ever receives, so only the end-of-partition
/// offset reaches its end.
public struct ReplayProgress: Sendable, Equatable {
    /// Partitions not caught up yet, with the end offset to reach.
    public private(set) var remaining: [TopicPartition: Int64]

    /// - Parameters:
    ///   - ends: each partition's end offset (high watermark) when the replay starts.
    ///   - starts: where reading starts in each partition; 0 where absent. A partition whose
    ///     start is at or beyond its end has nothing to replay.
    public init(ends: [TopicPartition: Int64], starts: [TopicPartition: Int64] = [:]) {
        remaining = ends.filter { (starts[$0.key] ?? 0) < $0.value }
    }

    public var isCaughtUp: Bool { remaining.isEmpty }

    /// Takes what a consumer of the replayed partitions handed out; returns whether this event
    /// caught the replay up.
    @discardableResult
    public mutating func advance(past event: KafkaConsumerEvent) -> Bool {
        switch event {
        case .message(let message): read(upTo: message.offset + 1, in: message.topicPartition)
        case .endOfPartition(let end): read(upTo: end.offset, in: end.topicPartition)
        case .partitionsAssigned, .partitionsRevoked: false
        }
    }

    /// Everything before `offset` in `partition` has been read: the offset after a message, or
    /// the offset of an end-of-partition event. Returns whether this read caught the replay up.
    @discardableResult
    public mutating func read(upTo offset: Int64, in partition: TopicPartition) -> Bool {
        guard let end = remaining[partition], offset >= end else { return false }
        remaining[partition] = nil
        return remaining.isEmpty
    }
}
