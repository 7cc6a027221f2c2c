internal import CRdKafka

/// Zero-length values must still be non-NULL pointers, or librdkafka writes a null (a tombstone).
/// Never written to, so sharing it is safe.
nonisolated(unsafe) private let emptyPayload = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

extension RDKafkaClient {
    /// Enqueues one record without waiting; `delivery` (if any) is completed from the delivery report callback.
    func produce(_ record: ProducerRecord, delivery: PendingDelivery?) throws(KafkaError) {
        var headers: OpaquePointer?
        if !record.headers.isEmpty {
            let list = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                if let value = header.value {
                    value.withUnsafeBytes { bytes in
                        _ = rd_kafka_header_add(list, header.name, -1, bytes.baseAddress ?? UnsafeRawPointer(emptyPayload), bytes.count)
                    }
                } else {
                    _ = rd_kafka_header_add(list, header.name, -1, nil, 0)
                }
            }
            headers = list
        }

        // Retained for the delivery callback, which balances it; released here if librdkafka refuses the record.
        let context = delivery.map { Unmanaged.passRetained($0) }
        let error: OpaquePointer? = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key in
                withOptionalBytes(record.value) { value in
                  // Stack storage: this runs once per record.
                  withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { fields in
                    var count = 0
                    var field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_TOPIC
                    field.u.cstr = topic
                    fields.initializeElement(at: count, to: field); count += 1
                    if let partition = record.partition {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_PARTITION
                        field.u.i32 = partition
                        fields.initializeElement(at: count, to: field); count += 1
                    }
                    if let key {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_KEY
                        field.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress ?? UnsafeRawPointer(emptyPayload))
                        field.u.mem.size = key.count
                        fields.initializeElement(at: count, to: field); count += 1
                    }
                    if let value {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_VALUE
                        field.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress ?? UnsafeRawPointer(emptyPayload))
                        field.u.mem.size = value.count
                        fields.initializeElement(at: count, to: field); count += 1
                    }
                    if let headers {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_HEADERS
                        field.u.headers = headers
                        fields.initializeElement(at: count, to: field); count += 1
                    }
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    field.u.i = RD_KAFKA_MSG_F_COPY
                    fields.initializeElement(at: count, to: field); count += 1
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_OPAQUE
                    field.u.ptr = context?.toOpaque()
                    fields.initializeElement(at: count, to: field); count += 1
                    return rd_kafka_produceva(handle, fields.baseAddress, count)
                  }
                }
            }
        }
        if let error {
            // On failure librdkafka took ownership of neither the context nor the headers.
            context?.release()
            if let headers { rd_kafka_headers_destroy(headers) }
            throw KafkaError(consuming: error, context: "produce to \(record.topic)")
        }
    }

    /// Records waiting in the local queue or in flight to the broker.
    var outstandingCount: Int32 { rd_kafka_outq_len(handle) }

    /// Fails every record not yet acknowledged, so their delivery callbacks fire with `.purged`.
    func purgeOutstanding() {
        rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
    }

    /// Waits until every outstanding record is acknowledged or failed (blocking).
    func flush(timeout: Duration) throws(KafkaError) {
        let result = rd_kafka_flush(handle, Int32(timeout.milliseconds))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(result, context: "flush") }
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
