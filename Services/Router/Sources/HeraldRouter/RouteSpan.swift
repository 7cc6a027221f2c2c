import HeraldCore
import HeraldRuntime
import Tracing

/// The exported span of routing one event (when spans are exported): a child of its publish,
/// naming the span id its delivery tasks carry (`herald.span_id`) and how many endpoints matched.
/// An event that carries no trace context gets none, as its tasks carry none either.
enum RouteSpan {
    static func record(_ event: EventAttributes, targets: Int) {
        guard SpanExport.isEnabled, let parent = TracePropagation.context(in: event.extensions),
              let step = StepSpan.start("route", parent: parent, kind: .consumer)
        else { return }
        step.describe(source: event.source, id: event.id)
        step.record(stepSpanID: TraceSteps.routeSpanID(source: event.source, id: event.id))
        step.span.attributes["herald.route.targets"] = targets
        step.span.end()
    }
}
