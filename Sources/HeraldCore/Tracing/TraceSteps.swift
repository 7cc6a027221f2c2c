/// The span ids of the router's and delivery's steps, derived from what identifies the step, so
/// a step replayed after a crash writes byte-identical records and names the same span.
public enum TraceSteps {
    /// Routing one event: the same span for every delivery task of the event.
    public static func routeSpanID(source: String, id: String) -> UInt64 {
        TraceContext.spanID(derivedFrom: "route|\(source)|\(id)")
    }

    /// One delivery attempt: the parent the webhook's `traceparent` names.
    public static func deliverSpanID(deliveryID: String, attempt: Int32) -> UInt64 {
        TraceContext.spanID(derivedFrom: "deliver|\(deliveryID)|\(attempt)")
    }

    /// 16 lowercase hex digits, as `traceparent` and tracing back ends write a span id.
    public static func hex(spanID: UInt64) -> String {
        TraceContext.hex(spanID)
    }
}
