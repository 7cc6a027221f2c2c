/// A record to produce.
public struct ProducerRecord: Sendable, Hashable {
    public var topic: String
    /// Explicit partition, or `nil` to let the configured partitioner choose from the key.
    public var partition: Int32?
    public var key: [UInt8]?
    /// `nil` produces a tombstone (a delete in a compacted topic).
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?, headers: [KafkaHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }

    public init(topic: String, partition: Int32? = nil, key: String?, value: String?, headers: [KafkaHeader] = []) {
        self.init(topic: topic, partition: partition, key: key.map { Array($0.utf8) }, value: value.map { Array($0.utf8) }, headers: headers)
    }
}

/// Where an acknowledged record was written: its topic, partition and offset.
public typealias DeliveryReport = TopicPartitionOffset
