internal import CRdKafka

extension KafkaError {
    static func name(of code: Code) -> String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code.rawValue)))
    }

    /// Folds librdkafka's several spellings of one condition into the code callers match on.
    static func normalized(_ raw: rd_kafka_resp_err_t) -> Code {
        switch raw {
        case RD_KAFKA_RESP_ERR__FENCED, RD_KAFKA_RESP_ERR_PRODUCER_FENCED, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
            return .fenced
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
            return .unknownTopic
        case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
            return .purged
        default:
            return Code(rawValue: raw.rawValue)
        }
    }

    /// An error from a plain `rd_kafka_resp_err_t` return value.
    init(_ raw: rd_kafka_resp_err_t, context: String? = nil, isFatal: Bool = false) {
        let text = String(cString: rd_kafka_err2str(raw))
        let code = Self.normalized(raw)
        self.init(
            code: code,
            message: context.map { "\($0): \(text)" } ?? text,
            isFatal: isFatal,
            isRetriable: raw == RD_KAFKA_RESP_ERR__TIMED_OUT || raw == RD_KAFKA_RESP_ERR__TRANSPORT
                || raw == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || raw == RD_KAFKA_RESP_ERR__QUEUE_FULL
        )
    }

    /// An error from an `rd_kafka_error_t`, which carries librdkafka's own classification; destroys it.
    init(consuming error: OpaquePointer, context: String? = nil) {
        defer { rd_kafka_error_destroy(error) }
        let raw = rd_kafka_error_code(error)
        let text = String(cString: rd_kafka_error_string(error))
        self.init(
            code: Self.normalized(raw),
            message: context.map { "\($0): \(text)" } ?? text,
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            requiresAbort: rd_kafka_error_txn_requires_abort(error) != 0
        )
    }

    /// The fatal error latched in a client, with its underlying code rather than the generic `_FATAL`.
    static func fatal(of handle: OpaquePointer) -> KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let raw = rd_kafka_fatal_error(handle, &text, text.count)
        guard raw != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code: normalized(raw), message: String(errorBuffer: text), isFatal: true)
    }
}

extension String {
    /// Text librdkafka wrote into a caller-provided, NUL-terminated buffer.
    init(errorBuffer: [CChar]) {
        self.init(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
