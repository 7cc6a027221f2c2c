/// One partition of one topic.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A partition together with an offset: a position to read from, or (when committing) the offset
/// of the *next* record to consume, as in every Kafka client.
public struct TopicPartitionOffset: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public init(_ topicPartition: TopicPartition, offset: Int64) {
        self.init(topic: topicPartition.topic, partition: topicPartition.partition, offset: offset)
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// Kafka's logical offsets, usable wherever an offset is expected.
public enum KafkaOffset {
    /// The oldest retained record.
    public static let beginning: Int64 = -2
    /// The offset after the newest record.
    public static let end: Int64 = -1
    /// The group's committed offset (falling back to `auto.offset.reset`).
    public static let stored: Int64 = -1000
    /// No offset known (e.g. nothing committed yet).
    public static let invalid: Int64 = -1001
}

/// A record header. Kafka allows repeated names and absent values, so headers are an ordered list.
public struct KafkaHeader: Hashable, Sendable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(name: String, value: String) {
        self.init(name: name, value: Array(value.utf8))
    }
}
