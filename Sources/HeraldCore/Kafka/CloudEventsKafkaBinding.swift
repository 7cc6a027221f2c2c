/// The CloudEvents Kafka protocol binding in binary mode, as Herald writes `herald.events`
/// (docs/API.md, "Reading `herald.events` directly"): the record value is the Confluent-framed Avro payload, every attribute is a
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
    public static func attributes(from headers: [RecordHeader]) throws(EventAttributeError) -> EventAttributes {
        // Runs once per routed event: the core attributes go straight into locals (no dictionary,
        // no substring), only extensions into a map.
        var id, source, type, version, time, subject, dataSchema, contentTypeValue: String?
        var extensions: [String: String] = [:]
        for header in headers {
            let isContentType = header.name == contentTypeHeader
            guard isContentType || header.name.hasPrefix(headerPrefix) else { continue }
            guard let value = String(validating: header.value, as: UTF8.self) else {
                throw EventAttributeError(field: "header \(header.name)", reason: "value is not UTF-8")
            }
            func set(_ slot: inout String?) throws(EventAttributeError) {
                guard slot == nil else { throw EventAttributeError(field: "header \(header.name)", reason: "appears more than once") }
                slot = value
            }
            switch header.name {
            case contentTypeHeader: try set(&contentTypeValue)
            case "ce_id": try set(&id)
            case "ce_source": try set(&source)
            case "ce_type": try set(&type)
            case "ce_specversion": try set(&version)
            case "ce_time": try set(&time)
            case "ce_subject": try set(&subject)
            case "ce_dataschema": try set(&dataSchema)
            default:
                guard extensions.updateValue(value, forKey: String(header.name.dropFirst(headerPrefix.count))) == nil else {
                    throw EventAttributeError(field: "header \(header.name)", reason: "appears more than once")
                }
            }
        }

        func required(_ value: String?, _ name: String) throws(EventAttributeError) -> String {
            guard let value else { throw EventAttributeError(field: "header \(headerPrefix)\(name)", reason: "missing") }
            return value
        }
        let specVersionValue = try required(version, "specversion")
        guard specVersionValue == specVersion else {
            throw EventAttributeError(field: "header ce_specversion", reason: "unsupported version \"\(specVersionValue)\" (expected \(specVersion))")
        }
        guard let contentTypeValue else { throw EventAttributeError(field: "header content-type", reason: "missing") }
        guard contentTypeValue == contentType else {
            throw EventAttributeError(field: "header content-type", reason: "\"\(contentTypeValue)\" is not \(contentType)")
        }

        var event = EventAttributes(id: try required(id, "id"), source: try required(source, "source"), type: try required(type, "type"))
        event.subject = subject ?? ""
        event.dataSchema = dataSchema ?? ""
        if let time {
            guard let timestamp = EventTimestamp(rfc3339: time) else {
                throw EventAttributeError(field: "header ce_time", reason: "not an RFC 3339 date-time: \"\(time)\"")
            }
            event.time = timestamp
        }
        for name in extensions.keys.sorted() {
            if let problem = EventAttributes.extensionNameViolation(name) {
                throw EventAttributeError(field: "header \(headerPrefix)\(name)", reason: problem)
            }
        }
        event.extensions = extensions
        try event.validate()
        return event
    }
}
