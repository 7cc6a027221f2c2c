public import HeraldCore
public import Logging
import OTel
public import ServiceLifecycle
import Synchronization
public import Tracing

/// Spans of Herald's steps (publish, route, deliver) sent to an OTLP/HTTP collector when
/// `--otel-endpoint` is set. Without it no tracer exists: `StepSpan.start` answers nil before
/// building anything, so the hooks in the engines cost one lock read.
public enum SpanExport {
    private static let tracer = Mutex<(any Tracer)?>(nil)

    /// The exporter's services (batching span processor, OTLP/HTTP exporter), to run first in the
    /// service group so they stop last and flush what the other services ended; none when
    /// `endpoint` is nil or empty.
    public static func services(endpoint: String?, serviceName: String, logger: Logger) throws -> [any Service] {
        guard let endpoint, !endpoint.isEmpty else { return [] }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = endpoint
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        let (backend, service) = try OTel.makeTracingBackend(configuration: configuration)
        tracer.withLock { $0 = backend }
        return [service]
    }

    /// Whether a tracer exists, for a hook to check before preparing a span's parent.
    public static var isEnabled: Bool { current != nil }

    static var current: (any Tracer)? { tracer.withLock { $0 } }
}

/// One exported span of a Herald step, a child of the W3C context the step continues.
public struct StepSpan: Sendable {
    public let span: any Span
    private let tracer: any Tracer

    /// nil when span export is off. `parent` nil starts a new trace.
    public static func start(_ name: String, parent: TraceContext?, kind: SpanKind) -> StepSpan? {
        guard let tracer = SpanExport.current else { return nil }
        var context = ServiceContext.topLevel
        if let parent {
            var carrier = [TracePropagation.traceparent: parent.traceparent]
            if !parent.state.isEmpty { carrier[TracePropagation.tracestate] = parent.state }
            tracer.extract(carrier, into: &context, using: W3CCarrier())
        }
        return StepSpan(span: tracer.startSpan(name, context: context, ofKind: kind), tracer: tracer)
    }

    /// This span as the parent of what follows it: its trace id and its own span id.
    public var traceContext: TraceContext? {
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: W3CCarrier())
        guard let traceparent = carrier[TracePropagation.traceparent] else { return nil }
        return try? TraceContext(traceparent: traceparent, tracestate: carrier[TracePropagation.tracestate] ?? "")
    }

    /// The event the step handles, as the logs name it.
    public func describe(source: String, id: String) {
        span.attributes["herald.event.source"] = source
        span.attributes["herald.event.id"] = id
    }

    /// The span id the step writes into its records (derived, see `TraceSteps`), so what the
    /// next step names as its parent can be found among the exported spans.
    public func record(stepSpanID: UInt64) {
        span.attributes["herald.span_id"] = TraceSteps.hex(spanID: stepSpanID)
    }
}

/// The W3C headers as a dictionary, for the tracer's propagator to read and write.
private struct W3CCarrier: Extractor, Injector {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
