internal import CRdKafka

extension RDKafkaClient {
    // Blocking transaction calls: run them on an executor. Each returns librdkafka's classified error.

    func initTransactions(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_init_transactions(handle, Int32(timeout.milliseconds)) {
            throw KafkaError(consuming: error, context: "init transactions")
        }
    }

    func beginTransaction() throws(KafkaError) {
        if let error = rd_kafka_begin_transaction(handle) {
            throw KafkaError(consuming: error, context: "begin transaction")
        }
    }

    func commitTransaction(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_commit_transaction(handle, Int32(timeout.milliseconds)) {
            throw KafkaError(consuming: error, context: "commit transaction")
        }
    }

    func abortTransaction(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_abort_transaction(handle, Int32(timeout.milliseconds)) {
            throw KafkaError(consuming: error, context: "abort transaction")
        }
    }

    func sendOffsetsToTransaction(_ offsets: [TopicPartitionOffset], groupMetadata: ConsumerGroupMetadata, timeout: Duration) throws(KafkaError) {
        var metadata: OpaquePointer?
        let readError = groupMetadata.serialized.withUnsafeBytes { bytes in
            rd_kafka_consumer_group_metadata_read(&metadata, bytes.baseAddress, bytes.count)
        }
        if let readError { throw KafkaError(consuming: readError, context: "group metadata") }
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        let list = TopicPartitionList(offsets)
        if let error = rd_kafka_send_offsets_to_transaction(handle, list.pointer, metadata, Int32(timeout.milliseconds)) {
            throw KafkaError(consuming: error, context: "send offsets to transaction")
        }
    }
}
