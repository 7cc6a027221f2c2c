internal import CRdKafka
import Glibc

extension RDKafkaClient {
    /// What one `rd_kafka_consumer_poll` produced, copied out of librdkafka.
    enum Polled {
        case message(KafkaMessage)
        case endOfPartition(TopicPartitionOffset)
        case error(KafkaError)
    }

    /// Remembers the last topic name seen, so consecutive messages of a topic share one `String`
    /// instead of allocating a copy each (and compare by identity further down the line).
    final class TopicNames {
        private var cached: (bytes: [CChar], name: String) = ([0], "")

        func name(of topic: OpaquePointer?) -> String {
            guard let topic, let raw = rd_kafka_topic_name(topic) else { return "" }
            if strcmp(raw, cached.bytes) != 0 {
                let name = String(cString: raw)
                cached = (Array(name.utf8CString), name)
            }
            return cached.name
        }
    }

    /// Polls the consumer queue (serving rebalance, log and error callbacks on this thread).
    func consumerPoll(timeoutMilliseconds: Int32, topicNames: TopicNames) -> Polled? {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMilliseconds) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let entry = message.pointee
        let topic = topicNames.name(of: entry.rkt)
        switch entry.err {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            return .message(Self.copy(message, topic: topic))
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            return .endOfPartition(TopicPartitionOffset(topic: topic, partition: entry.partition, offset: entry.offset))
        default:
            let context = topic.isEmpty ? "consumer" : "consumer \(topic)[\(entry.partition)]"
            return .error(KafkaError(entry.err, context: context))
        }
    }

    /// Copies key, value and headers, which librdkafka frees with the message.
    private static func copy(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) -> KafkaMessage {
        let entry = message.pointee
        let key = entry.key.map { Array(UnsafeRawBufferPointer(start: $0, count: entry.key_len)) }
        let value = entry.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: entry.len)) }
        var headers: [KafkaHeader] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            var index = 0
            var name: UnsafePointer<CChar>?
            var bytes: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(
                    name: name.map { String(cString: $0) } ?? "",
                    value: bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                ))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaMessage(
            topic: topic,
            partition: entry.partition,
            offset: entry.offset,
            key: key,
            value: value,
            headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }

    func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = TopicPartitionList(topics.map { TopicPartition(topic: $0, partition: -1) })
        let result = rd_kafka_subscribe(handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(result, context: "subscribe to \(topics)") }
    }

    /// Replaces the whole assignment (manual assignment, no group).
    func assign(_ partitions: [TopicPartitionOffset]) throws(KafkaError) {
        let list = TopicPartitionList(partitions)
        let result = rd_kafka_assign(handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(result, context: "assign") }
    }

    /// Applies a rebalance the way the group's protocol requires: cooperative protocols add or
    /// remove only the listed partitions, eager ones replace the whole assignment.
    static func apply(_ rebalance: Rebalance) -> KafkaError? {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rebalance.handle)) == "COOPERATIVE"
        if cooperative {
            let error = rebalance.isAssignment
                ? rd_kafka_incremental_assign(rebalance.handle, rebalance.partitions)
                : rd_kafka_incremental_unassign(rebalance.handle, rebalance.partitions)
            return error.map { KafkaError(consuming: $0, context: "incremental rebalance") }
        }
        let result = rd_kafka_assign(rebalance.handle, rebalance.isAssignment ? rebalance.partitions : nil)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(result, context: "rebalance")
    }

    static func entries(of rebalance: Rebalance) -> [TopicPartitionOffset] {
        TopicPartitionList.entries(of: rebalance.partitions)
    }

    func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = TopicPartitionList(partitions)
        let result = rd_kafka_pause_partitions(handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(result, context: "pause") }
        try list.throwFirstError(context: "pause")
    }

    func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = TopicPartitionList(partitions)
        let result = rd_kafka_resume_partitions(handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(result, context: "resume") }
        try list.throwFirstError(context: "resume")
    }

    /// Moves the fetch position without waiting (timeout 0 makes librdkafka seek asynchronously).
    func seek(_ positions: [TopicPartitionOffset]) throws(KafkaError) {
        let list = TopicPartitionList(positions)
        if let error = rd_kafka_seek_partitions(handle, list.pointer, 0) {
            throw KafkaError(consuming: error, context: "seek")
        }
        // An asynchronous seek reports "in progress" for every partition it started.
        try list.throwFirstError(context: "seek", ignoring: RD_KAFKA_RESP_ERR__IN_PROGRESS)
    }

    /// The partitions librdkafka has assigned to this consumer now.
    func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let result = rd_kafka_assignment(handle, &list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError(result, context: "assignment") }
        return TopicPartitionList(adopting: list).entries.map(\.topicPartition)
    }

    /// Commits offsets synchronously (blocking).
    func commit(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = TopicPartitionList(offsets)
        let result = rd_kafka_commit(handle, list.pointer, 0)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(result, context: "commit") }
        try list.throwFirstError(context: "commit")
    }

    /// The group's committed offsets (blocking); `KafkaOffset.invalid` where nothing is committed.
    func committed(_ partitions: [TopicPartition], timeout: Duration) throws(KafkaError) -> [TopicPartitionOffset] {
        let list = TopicPartitionList(partitions)
        let result = rd_kafka_committed(handle, list.pointer, Int32(timeout.milliseconds))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(result, context: "committed offsets") }
        try list.throwFirstError(context: "committed offsets")
        return list.entries
    }

    func groupMetadata() throws(KafkaError) -> ConsumerGroupMetadata {
        guard let metadata = rd_kafka_consumer_group_metadata(handle) else {
            throw KafkaError(code: .invalidState, message: "the consumer has no group (group id not set)")
        }
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        var buffer: UnsafeMutableRawPointer?
        var size = 0
        if let error = rd_kafka_consumer_group_metadata_write(metadata, &buffer, &size) {
            throw KafkaError(consuming: error, context: "group metadata")
        }
        defer { rd_kafka_mem_free(nil, buffer) }
        return ConsumerGroupMetadata(serialized: Array(UnsafeRawBufferPointer(start: buffer, count: size)))
    }

    /// Leaves the group (unless a static member) and stops fetching; serves the final revoke callback.
    func closeConsumer() -> KafkaError? {
        let result = rd_kafka_consumer_close(handle)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(result, context: "close consumer")
    }
}

extension RDKafkaClient {
    /// Makes a `consumerPoll` waiting on another thread return early.
    func wakeConsumerPoll() {
        guard let queue = rd_kafka_queue_get_consumer(handle) else { return }
        rd_kafka_queue_yield(queue)
        rd_kafka_queue_destroy(queue)
    }
}
