internal import CRdKafka

/// Owns one `rd_kafka_topic_partition_list_t` built from Swift values.
final class TopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ entries: [TopicPartitionOffset]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(entries.count))
        for entry in entries {
            rd_kafka_topic_partition_list_add(pointer, entry.topic, entry.partition).pointee.offset = entry.offset
        }
    }

    convenience init(_ partitions: [TopicPartition]) {
        self.init(partitions.map { TopicPartitionOffset($0, offset: KafkaOffset.invalid) })
    }

    /// Takes ownership of a list librdkafka allocated for the caller.
    init(adopting pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    var entries: [TopicPartitionOffset] { Self.entries(of: pointer) }

    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartitionOffset] {
        UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt)).map {
            TopicPartitionOffset(topic: String(cString: $0.topic), partition: $0.partition, offset: $0.offset)
        }
    }

    /// Per-partition results are reported in each element's `err`.
    func throwFirstError(context: String, ignoring ignored: rd_kafka_resp_err_t = RD_KAFKA_RESP_ERR_NO_ERROR) throws(KafkaError) {
        for element in UnsafeBufferPointer(start: pointer.pointee.elems, count: Int(pointer.pointee.cnt))
        where element.err != RD_KAFKA_RESP_ERR_NO_ERROR && element.err != ignored {
            throw KafkaError(element.err, context: "\(context) \(String(cString: element.topic))[\(element.partition)]")
        }
    }
}
