import HeraldCore
import HeraldProtos
import HeraldRuntime
import Tracing

/// The exported span of one publish (when spans are exported): a child of the context the event
/// continues (its own `traceparent` extension, else the caller's), and the source of the ids the
/// record carries, so the router's span names this very span as its parent. Without export the
/// ids are random, as a publish that is not exported needs nothing else.
struct PublishSpan {
    private let step: StepSpan?
    private let ids: TraceContext?

    init(_ event: Herald_V1_Event, caller: TraceContext?) {
        let own = event.extensions[TracePropagation.traceparent].flatMap {
            try? TraceContext(traceparent: $0, tracestate: event.extensions[TracePropagation.tracestate] ?? "")
        }
        step = StepSpan.start("publish", parent: own ?? caller, kind: .producer)
        step?.describe(source: event.source, id: event.id)
        ids = step?.traceContext
    }

    /// The publish's span id, the parent the record names.
    var spanID: UInt64 { ids?.spanID ?? .random(in: 1...UInt64.max) }

    /// The trace a publish without a parent starts.
    var newTraceID: (high: UInt64, low: UInt64) {
        ids.map { ($0.traceIDHigh, $0.traceIDLow) } ?? (.random(in: 0...UInt64.max), .random(in: 1...UInt64.max))
    }

    func end() { step?.span.end() }
}
