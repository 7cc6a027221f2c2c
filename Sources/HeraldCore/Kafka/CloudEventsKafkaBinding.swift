/// The CloudEvents Kafka protocol binding in binary mode, as Herald writes `herald.events`
/// (DESIGN.md §2): the record value is the Confluent-framed Avro payload, every attribute is a
/// `ce_<name>` header with a UTF-8 value, and `content-type` is `application/avro`.
public enum CloudEventsKafkaBinding {
    public static let specVersion = "1.0"
    public static let contentType = "application/avro"
    public static let headerPrefix = "ce_"
    public static let contentTypeHeader = "content-type"

    /// Headers for `event`, in a fixed order (core attributes, `content-type`, then extensions by
    /// name) so identical events give byte-identical records. Absent `subject`/`dataschema`/`time`
    /// produce no header. Call `validate()` first: names and the time are taken as they are.
    public static func headers(for event: EventAttributes) -> [RecordHeader] {
        var headers = [
            RecordHeader(name: "ce_id", value: event.id),
            RecordHeader(name: "ce_source", value: event.source),
            RecordHeader(name: "ce_type", value: event.type),
            RecordHeader(name: "ce_specversion", value: specVersion),
        ]
        headers.reserveCapacity(8 + event.extensions.count)
        if let time = event.time { headers.append(RecordHeader(name: "ce_time", value: time.rfc3339)) }
        if !event.subject.isEmpty { headers.append(RecordHeader(name: "ce_subject", value: event.subject)) }
        if !event.dataSchema.isEmpty { headers.append(RecordHeader(name: "ce_dataschema", value: event.dataSchema)) }
        headers.append(RecordHeader(name: contentTypeHeader, value: contentType))
        for (name, value) in event.extensions.sorted(by: { $0.key < $1.key }) {
            headers.append(RecordHeader(name: headerPrefix + name, value: value))
        }
        return headers
    }

    /// The attributes carried by a binary-mode record's headers; headers without the `ce_` prefix
    /// (other than `content-type`) are ignored. The result has passed `EventAttributes.validate()`.
    ///
    /// Throws, naming the header, when `ce_id`, `ce_source`, `ce_type` or `ce_specversion` is missing,
    /// the spec version is not 1.0, `content-type` is missing or not `application/avro`, a `ce_`
    /// header repeats or is not UTF-8, or `ce_time` is not RFC 3339.
    public static func attributes(from headers: some Sequence<RecordHeader>) throws(EventAttributeError) -> EventAttributes {
        var attributes: [String: String] = [:]
        var contentTypeValue: String?
        for header in headers {
            let isContentType = header.name == contentTypeHeader
            guard isContentType || header.name.hasPrefix(headerPrefix) else { continue }
            guard let value = String(validating: header.value, as: UTF8.self) else {
                throw EventAttributeError(field: "header \(header.name)", reason: "value is not UTF-8")
            }
            if isContentType {
                guard contentTypeValue == nil else { throw EventAttributeError(field: "header \(header.name)", reason: "appears more than once") }
                contentTypeValue = value
                continue
            }
            let name = String(header.name.dropFirst(headerPrefix.count))
            guard attributes.updateValue(value, forKey: name) == nil else {
                throw EventAttributeError(field: "header \(header.name)", reason: "appears more than once")
            }
        }

        func take(_ name: String) throws(EventAttributeError) -> String {
            guard let value = attributes.removeValue(forKey: name) else {
                throw EventAttributeError(field: "header \(headerPrefix)\(name)", reason: "missing")
            }
            return value
        }
        let version = try take("specversion")
        guard version == specVersion else {
            throw EventAttributeError(field: "header ce_specversion", reason: "unsupported version \"\(version)\" (expected \(specVersion))")
        }
        guard let contentTypeValue else { throw EventAttributeError(field: "header content-type", reason: "missing") }
        guard contentTypeValue == contentType else {
            throw EventAttributeError(field: "header content-type", reason: "\"\(contentTypeValue)\" is not \(contentType)")
        }

        var event = EventAttributes(id: try take("id"), source: try take("source"), type: try take("type"))
        event.subject = attributes.removeValue(forKey: "subject") ?? ""
        event.dataSchema = attributes.removeValue(forKey: "dataschema") ?? ""
        if let text = attributes.removeValue(forKey: "time") {
            guard let time = EventTimestamp(rfc3339: text) else {
                throw EventAttributeError(field: "header ce_time", reason: "not an RFC 3339 date-time: \"\(text)\"")
            }
            event.time = time
        }
        for name in attributes.keys.sorted() {
            if let problem = EventAttributes.extensionNameViolation(name) {
                throw EventAttributeError(field: "header \(headerPrefix)\(name)", reason: problem)
            }
        }
        event.extensions = attributes
        try event.validate()
        return event
    }
}
