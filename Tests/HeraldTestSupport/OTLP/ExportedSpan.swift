/// One span of an OTLP trace export, with the fields the tests assert on.
public struct ExportedSpan: Sendable, Equatable {
    /// The exporting process's `service.name` resource attribute.
    public let service: String
    public let name: String
    /// 32 lowercase hex digits.
    public let traceID: String
    /// 16 lowercase hex digits.
    public let spanID: String
    /// 16 lowercase hex digits; empty for the root of a trace.
    public let parentSpanID: String
    /// String, integer and boolean attributes, as text.
    public let attributes: [String: String]
}

/// Reads the spans out of an OTLP `ExportTraceServiceRequest` (protobuf), following
/// opentelemetry-proto's field numbers for the fields `ExportedSpan` keeps and skipping the
/// rest, as protobuf readers do with fields they do not know.
public enum OTLPTraceRequest {
    public static func spans(in bytes: [UInt8]) throws(ProtobufFields.Malformed) -> [ExportedSpan] {
        var spans: [ExportedSpan] = []
        for resourceSpans in try ProtobufFields(bytes[...]).messages(1) {
            let resource = try ProtobufFields(resourceSpans)
            var service = ""
            for resourceMessage in try resource.messages(1) {
                service = try attributes(ProtobufFields(resourceMessage))["service.name"] ?? ""
            }
            for scopeSpans in try resource.messages(2) {
                for span in try ProtobufFields(scopeSpans).messages(2) {
                    let fields = try ProtobufFields(span)
                    spans.append(ExportedSpan(
                        service: service,
                        name: try fields.string(5),
                        traceID: try fields.hex(1),
                        spanID: try fields.hex(2),
                        parentSpanID: try fields.hex(4),
                        attributes: try attributes(fields, field: 9)))
                }
            }
        }
        return spans
    }

    /// `repeated KeyValue` (key 1, AnyValue 2: string 1, bool 2, int 3).
    private static func attributes(_ message: ProtobufFields, field: Int = 1) throws(ProtobufFields.Malformed) -> [String: String] {
        var attributes: [String: String] = [:]
        for keyValue in try message.messages(field) {
            let pair = try ProtobufFields(keyValue)
            guard let value = try pair.messages(2).last else { continue }
            let any = try ProtobufFields(value)
            if let text = try any.strings(1).last {
                attributes[try pair.string(1)] = text
            } else if let flag = any.varints(2).last {
                attributes[try pair.string(1)] = flag != 0 ? "true" : "false"
            } else if let number = any.varints(3).last {
                attributes[try pair.string(1)] = String(Int64(bitPattern: number))
            }
        }
        return attributes
    }
}
