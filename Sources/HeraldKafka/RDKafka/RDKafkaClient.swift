internal import CRdKafka
import Dispatch
import Logging

/// Owns one `rd_kafka_t`: creates it from properties, routes its callbacks into Swift, and
/// destroys it in `deinit`. Nothing else holds the raw handle beyond a single call.
///
/// librdkafka handles are thread-safe, hence `@unchecked Sendable`; which thread may call what
/// (polling on the service thread, blocking calls on the executor) is decided by the owners.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer
        case consumer
    }

    /// Swift-side receivers of librdkafka's callbacks; passed to librdkafka as the client opaque.
    final class Callbacks: Sendable {
        let logger: Logger
        /// Non-fatal errors are informational (librdkafka recovers); fatal ones end the client.
        let onError: @Sendable (KafkaError) -> Void
        /// Called on the polling thread during a rebalance; must assign or unassign.
        let onRebalance: (@Sendable (RDKafkaClient.Rebalance) -> Void)?
        /// librdkafka's statistics JSON, every `statistics.interval.ms`, on the polling thread.
        let onStatistics: (@Sendable (UnsafeRawBufferPointer) -> Void)?

        init(
            logger: Logger, onError: @escaping @Sendable (KafkaError) -> Void,
            onRebalance: (@Sendable (RDKafkaClient.Rebalance) -> Void)? = nil,
            onStatistics: (@Sendable (UnsafeRawBufferPointer) -> Void)? = nil
        ) {
            self.logger = logger
            self.onError = onError
            self.onRebalance = onRebalance
            self.onStatistics = onStatistics
        }
    }

    /// One rebalance callback invocation, valid only during the callback.
    struct Rebalance {
        let handle: OpaquePointer
        let isAssignment: Bool
        let partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    }

    let handle: OpaquePointer
    let kind: Kind
    /// Delivery reports, logs and errors arrive here (a consumer forwards it to its consumer queue).
    private let mainQueue: OpaquePointer?
    let logger: Logger
    private let callbacks: Unmanaged<Callbacks>

    init(kind: Kind, properties: [String: String], callbacks: Callbacks) throws(KafkaError) {
        self.kind = kind
        self.logger = callbacks.logger
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: .invalidArgument, message: "rd_kafka_conf_new failed")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        var properties = properties
        // Only what the logger would print is produced at all.
        properties["log_level"] = properties["log_level"] ?? String(Self.syslogLevel(for: callbacks.logger.logLevel))
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            guard rd_kafka_conf_set(conf, name, value, &errorText, errorText.count) == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(code: .invalidArgument, message: "configuration property \(name)=\(value): \(String(errorBuffer: errorText))")
            }
        }

        let retained = Unmanaged.passRetained(callbacks)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        rd_kafka_conf_set_log_cb(conf, logCallback)
        rd_kafka_conf_set_error_cb(conf, errorCallback)
        if callbacks.onStatistics != nil { rd_kafka_conf_set_stats_cb(conf, statisticsCallback) }
        switch kind {
        case .producer:
            // Delivery reports as batched events rather than callbacks: flush() and
            // commit_transaction() then wait on a condition that wakes the moment the last report
            // is handled, instead of polling in 10 ms steps while the service thread takes the reports.
            rd_kafka_conf_set_events(conf, Int32(RD_KAFKA_EVENT_DR))
        case .consumer:
            if callbacks.onRebalance != nil { rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback) }
        }

        // rd_kafka_new takes ownership of conf only on success.
        guard let handle = rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            retained.release()
            throw KafkaError(code: .invalidArgument, message: "creating client: \(String(errorBuffer: errorText))")
        }
        self.handle = handle
        self.callbacks = retained
        self.mainQueue = rd_kafka_queue_get_main(handle)
        // NULL = the main queue, which the owner's poll thread serves (for a consumer, via the consumer queue).
        rd_kafka_set_log_queue(handle, nil)
        if kind == .consumer { rd_kafka_poll_set_consumer(handle) }
    }

    deinit {
        // rd_kafka_destroy joins librdkafka's threads and can wait on sockets: keep that off
        // whichever thread dropped the last reference (often one of the cooperative pool's).
        let resources = Resources(handle: handle, mainQueue: mainQueue, callbacks: callbacks)
        Self.destroyer.async {
            if let mainQueue = resources.mainQueue { rd_kafka_queue_destroy(mainQueue) }
            rd_kafka_destroy(resources.handle)
            resources.callbacks.release()
        }
    }

    private static let destroyer = DispatchQueue(label: "herald.kafka.destroy")

    /// What `deinit` hands to the destroyer; nothing else refers to it any more.
    private struct Resources: @unchecked Sendable {
        let handle: OpaquePointer
        let mainQueue: OpaquePointer?
        let callbacks: Unmanaged<Callbacks>
    }

    /// Serves delivery reports, logs and errors on the calling thread (producers and admin clients).
    /// Returns whether anything was served.
    @discardableResult
    func poll(timeoutMilliseconds: Int32) -> Bool {
        // Polling a queue hands over logs and errors as events too, whichever events are enabled:
        // their callbacks never run, so they are forwarded here.
        guard let event = rd_kafka_queue_poll(mainQueue, timeoutMilliseconds) else { return false }
        defer { rd_kafka_event_destroy(event) }
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_DR:
            while let message = rd_kafka_event_message_next(event) {
                Self.completeDelivery(of: message)
            }
        case RD_KAFKA_EVENT_ERROR:
            let reason = rd_kafka_event_error_string(event).map { String(cString: $0) }
            KafkaClientErrors.count(rd_kafka_event_error(event))
            if rd_kafka_event_error_is_fatal(event) != 0, let fatal = fatalError {
                callbacks.takeUnretainedValue().onError(fatal)
            } else {
                callbacks.takeUnretainedValue().onError(KafkaError(rd_kafka_event_error(event), context: reason))
            }
        case RD_KAFKA_EVENT_LOG:
            var facility: UnsafePointer<CChar>?
            var text: UnsafePointer<CChar>?
            var level: Int32 = 0
            if rd_kafka_event_log(event, &facility, &text, &level) == 0 {
                forwardLog(to: logger, level: level, facility: facility, text: text)
            }
        default:
            break
        }
        return true
    }

    private static func completeDelivery(of message: UnsafePointer<rd_kafka_message_t>) {
        guard let opaque = message.pointee._private else { return }
        // Balances the passRetained in produce(_:delivery:).
        let delivery = Unmanaged<PendingDelivery>.fromOpaque(opaque).takeRetainedValue()
        let error = message.pointee.err
        if error == RD_KAFKA_RESP_ERR_NO_ERROR {
            delivery.complete(.success(DeliveryReport(topic: delivery.topic, partition: message.pointee.partition, offset: message.pointee.offset)))
        } else {
            delivery.complete(.failure(KafkaError(error, context: "delivery to \(delivery.topic)")))
        }
    }

    /// The latched fatal error, if the client hit one.
    var fatalError: KafkaError? { KafkaError.fatal(of: handle) }

    // MARK: Metadata and offsets (blocking: call on an executor)

    /// Partition ids of `topic`; `.unknownTopic` if the cluster does not have it.
    func partitions(of topic: String, timeout: Duration) throws(KafkaError) -> [Int32] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 1, nil, &metadata, Int32(timeout.milliseconds))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(result, context: "metadata for \(topic)")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        guard let entry = topics.first(where: { String(cString: $0.topic) == topic }) else {
            throw KafkaError(code: .unknownTopic, message: "topic \(topic) does not exist")
        }
        if entry.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(entry.err, context: "metadata for \(topic)")
        }
        return UnsafeBufferPointer(start: entry.partitions, count: Int(entry.partition_cnt)).map(\.id).sorted()
    }

    /// Names of every topic in the cluster.
    func topicNames(timeout: Duration) throws(KafkaError) -> [String] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 1, nil, &metadata, Int32(timeout.milliseconds))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(result, context: "cluster metadata")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        return UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt)).map { String(cString: $0.topic) }
    }

    /// Low and high watermark of one partition, asked from the broker.
    func watermarks(topic: String, partition: Int32, timeout: Duration) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let result = rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, Int32(timeout.milliseconds))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, context: "watermarks of \(topic)[\(partition)]")
        }
        return (low, high)
    }

    /// For each partition, the earliest offset whose timestamp is at or after the given one
    /// (`offset` carries the timestamp in, the offset out; -1 = end of the partition).
    func offsetsForTimes(_ query: [TopicPartitionOffset], timeout: Duration) throws(KafkaError) -> [TopicPartitionOffset] {
        let list = TopicPartitionList(query)
        let result = rd_kafka_offsets_for_times(handle, list.pointer, Int32(timeout.milliseconds))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(result, context: "list offsets") }
        try list.throwFirstError(context: "list offsets")
        return list.entries
    }

    static func syslogLevel(for level: Logger.Level) -> Int {
        switch level {
        case .trace: 7
        case .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}

/// librdkafka levels mapped down one notch or more: Herald libraries log at `info` or below
/// so a service decides what is loud, and librdkafka's warnings are mostly transient connection noise it recovers from.
private func loggerLevel(syslog level: Int32) -> Logger.Level {
    switch level {
    case ...4: .info
    case 5, 6: .debug
    default: .trace
    }
}

private func callbacks(of handle: OpaquePointer?) -> RDKafkaClient.Callbacks? {
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
    return Unmanaged<RDKafkaClient.Callbacks>.fromOpaque(opaque).takeUnretainedValue()
}

private let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = { handle, level, facility, text in
    guard let callbacks = callbacks(of: handle) else { return }
    forwardLog(to: callbacks.logger, level: level, facility: facility, text: text)
}

private func forwardLog(to logger: Logger, level: Int32, facility: UnsafePointer<CChar>?, text: UnsafePointer<CChar>?) {
    let facility = facility.map { String(cString: $0) } ?? ""
    logger.log(
        level: loggerLevel(syslog: level),
        "\(text.map { String(cString: $0) } ?? "")",
        metadata: [LogKeys.kafkaFacility: "\(facility)"],
        source: "librdkafka"
    )
}

private let errorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = { handle, code, reason, opaque in
    guard let opaque else { return }
    let callbacks = Unmanaged<RDKafkaClient.Callbacks>.fromOpaque(opaque).takeUnretainedValue()
    let raw = rd_kafka_resp_err_t(rawValue: code)
    KafkaClientErrors.count(raw)
    if raw == RD_KAFKA_RESP_ERR__FATAL, let handle, let fatal = KafkaError.fatal(of: handle) {
        callbacks.onError(fatal)
    } else {
        callbacks.onError(KafkaError(raw, context: reason.map { String(cString: $0) }))
    }
}

private let rebalanceCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = { handle, error, partitions, opaque in
    guard let handle, let partitions, let opaque else { return }
    let callbacks = Unmanaged<RDKafkaClient.Callbacks>.fromOpaque(opaque).takeUnretainedValue()
    callbacks.onRebalance?(RDKafkaClient.Rebalance(handle: handle, isAssignment: error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, partitions: partitions))
}

private let statisticsCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = { _, json, length, opaque in
    guard let json, let opaque else { return 0 }
    let callbacks = Unmanaged<RDKafkaClient.Callbacks>.fromOpaque(opaque).takeUnretainedValue()
    callbacks.onStatistics?(UnsafeRawBufferPointer(start: json, count: length))
    // 0: librdkafka frees the JSON.
    return 0
}
