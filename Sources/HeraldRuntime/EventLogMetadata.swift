public import HeraldCore
public import Logging

/// The fields every log line about an event carries, so one grep finds what happened to it and
/// a tracing back end finds its trace: `herald.event.source`, `herald.event.id` and, when the
/// event carries a trace context, `trace.id`.
public enum EventLogMetadata {
    public static func of(source: String, id: String, extensions: [String: String]) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["herald.event.source": "\(source)", "herald.event.id": "\(id)"]
        if let trace = TracePropagation.context(in: extensions) { metadata["trace.id"] = "\(trace.traceID)" }
        return metadata
    }

    /// From a record's CloudEvents headers, read leniently: for a record whose headers do not
    /// make a valid event, whatever identifies it.
    public static func of(headers: [RecordHeader]) -> Logger.Metadata {
        func value(_ name: String) -> String? {
            headers.first { $0.name == name }.flatMap { String(validating: $0.value, as: UTF8.self) }
        }
        var metadata: Logger.Metadata = [:]
        if let source = value("ce_source") { metadata["herald.event.source"] = "\(source)" }
        if let id = value("ce_id") { metadata["herald.event.id"] = "\(id)" }
        if let traceparent = value("ce_traceparent"), let trace = try? TraceContext(traceparent: traceparent) {
            metadata["trace.id"] = "\(trace.traceID)"
        }
        return metadata
    }
}
