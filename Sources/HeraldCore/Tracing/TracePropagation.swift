/// Where an event's trace context travels and how each step continues it: in the CloudEvents
/// distributed-tracing extension (`traceparent`, `tracestate`), which the Kafka binding writes
/// as `ce_traceparent`/`ce_tracestate` headers and delivery tasks keep with the other extensions.
/// Each step replaces the parent id with its own span's, so the next step is that span's child.
public enum TracePropagation {
    public static let traceparent = "traceparent"
    public static let tracestate = "tracestate"

    /// The context an event carries; nil when it carries none or one that does not parse.
    public static func context(in extensions: [String: String]) -> TraceContext? {
        guard let traceparent = extensions[traceparent] else { return nil }
        return try? TraceContext(traceparent: traceparent, tracestate: extensions[tracestate] ?? "")
    }

    /// The extensions of a published event, continued by the publish span `spanID`. Its parent
    /// is the event's own `traceparent` extension when set, else the caller's context (gRPC
    /// metadata), else the publish starts a trace with `newTraceID`.
    /// Throws when the event sets a `traceparent` extension that is not a valid W3C traceparent.
    public static func published(
        _ extensions: [String: String],
        caller: TraceContext?,
        spanID: UInt64,
        newTraceID: (high: UInt64, low: UInt64)
    ) throws(TraceContext.ParseError) -> [String: String] {
        let parent: TraceContext?
        if let own = extensions[traceparent] {
            parent = try TraceContext(traceparent: own, tracestate: extensions[tracestate] ?? "")
        } else {
            parent = caller
        }
        let context = parent?.child(spanID: spanID)
            ?? .started(traceIDHigh: newTraceID.high, traceIDLow: newTraceID.low, spanID: spanID)
        return carrying(context, in: extensions)
    }

    /// The extensions one step further (routing, a delivery attempt); unchanged when they carry
    /// no readable context, since records written by other clients may have none.
    public static func continued(_ extensions: [String: String], spanID: UInt64) -> [String: String] {
        guard let context = context(in: extensions) else { return extensions }
        return carrying(context.child(spanID: spanID), in: extensions)
    }

    /// The W3C headers for a request made by the step `spanID` (the webhook): `traceparent`,
    /// and `tracestate` when there is one. Empty when the event carries no readable context.
    public static func headers(for extensions: [String: String], spanID: UInt64) -> [(name: String, value: String)] {
        guard let context = context(in: extensions)?.child(spanID: spanID) else { return [] }
        var headers = [(name: traceparent, value: context.traceparent)]
        if !context.state.isEmpty { headers.append((tracestate, context.state)) }
        return headers
    }

    private static func carrying(_ context: TraceContext, in extensions: [String: String]) -> [String: String] {
        var extensions = extensions
        extensions[traceparent] = context.traceparent
        extensions[tracestate] = context.state.isEmpty ? nil : context.state
        return extensions
    }
}
