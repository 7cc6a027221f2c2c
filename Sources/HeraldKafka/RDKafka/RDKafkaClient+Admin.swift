internal import CRdKafka

extension RDKafkaClient {
    // Admin requests (blocking: call on an executor). Each sends one request and waits on a
    // private queue for its result event.

    func createTopic(name: String, partitions: Int, replicationFactor: Int, configs: [String: String], timeout: Duration) throws(KafkaError) {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let topic = rd_kafka_NewTopic_new(name, Int32(partitions), Int32(replicationFactor), &errorText, errorText.count) else {
            throw KafkaError(code: .invalidArgument, message: "create topic \(name): \(String(errorBuffer: errorText))")
        }
        defer { rd_kafka_NewTopic_destroy(topic) }
        for (key, value) in configs.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_NewTopic_set_config(topic, key, value)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(result, context: "topic config \(key)=\(value)") }
        }
        var topics: [OpaquePointer?] = [topic]
        let event = try request(RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout: timeout, what: "create topic \(name)") { options, queue in
            rd_kafka_CreateTopics(handle, &topics, 1, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
        try Self.throwFirstTopicError(results, count: count, what: "create topic")
    }

    func deleteTopic(name: String, timeout: Duration) throws(KafkaError) {
        let topic = rd_kafka_DeleteTopic_new(name)
        defer { rd_kafka_DeleteTopic_destroy(topic) }
        var topics: [OpaquePointer?] = [topic]
        let event = try request(RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout: timeout, what: "delete topic \(name)") { options, queue in
            rd_kafka_DeleteTopics(handle, &topics, 1, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        let results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
        try Self.throwFirstTopicError(results, count: count, what: "delete topic")
    }

    /// Every configuration entry of a topic that has a value (defaults included).
    func topicConfigs(name: String, timeout: Duration) throws(KafkaError) -> [String: String] {
        let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name)
        defer { rd_kafka_ConfigResource_destroy(resource) }
        var resources: [OpaquePointer?] = [resource]
        let event = try request(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout: timeout, what: "describe topic \(name)") { options, queue in
            rd_kafka_DescribeConfigs(handle, &resources, 1, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let described = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), &count), count > 0,
              let first = described[0] else {
            throw KafkaError(code: .unknownTopic, message: "describe topic \(name): no result")
        }
        let error = rd_kafka_ConfigResource_error(first)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(error, context: "describe topic \(name): \(String(cString: rd_kafka_ConfigResource_error_string(first)))")
        }
        var entryCount = 0
        var result: [String: String] = [:]
        if let entries = rd_kafka_ConfigResource_configs(first, &entryCount) {
            for entry in UnsafeBufferPointer(start: entries, count: entryCount) {
                guard let entry, let value = rd_kafka_ConfigEntry_value(entry) else { continue }
                result[String(cString: rd_kafka_ConfigEntry_name(entry))] = String(cString: value)
            }
        }
        return result
    }

    private func request(
        _ operation: rd_kafka_admin_op_t,
        timeout: Duration,
        what: String,
        send: (OpaquePointer?, OpaquePointer?) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        var errorText = [CChar](repeating: 0, count: 512)
        let options = rd_kafka_AdminOptions_new(handle, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        let milliseconds = Int32(timeout.milliseconds)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &errorText, errorText.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds, &errorText, errorText.count)
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        send(options, queue)
        // librdkafka enforces the request timeout itself; the margin only guards against a lost event.
        guard let event = rd_kafka_queue_poll(queue, milliseconds + 5000) else {
            throw KafkaError(code: .timedOut, message: "\(what): no answer within \(timeout)", isRetriable: true)
        }
        let error = rd_kafka_event_error(event)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            let text = String(cString: rd_kafka_event_error_string(event))
            rd_kafka_event_destroy(event)
            throw KafkaError(error, context: "\(what): \(text)")
        }
        return event
    }

    private static func throwFirstTopicError(_ results: UnsafeMutablePointer<OpaquePointer?>?, count: Int, what: String) throws(KafkaError) {
        for result in UnsafeBufferPointer(start: results, count: count) {
            guard let result else { continue }
            let error = rd_kafka_topic_result_error(result)
            guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let name = String(cString: rd_kafka_topic_result_name(result))
            let text = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? ""
            throw KafkaError(error, context: "\(what) \(name)\(text.isEmpty ? "" : " (\(text))")")
        }
    }
}
