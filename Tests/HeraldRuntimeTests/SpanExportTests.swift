import ArgumentParser
import HeraldCore
import HeraldRuntime
import HeraldTestSupport
import Logging
import Testing
import Tracing

/// `--otel-endpoint`: refused unless it is an HTTP URL; unset, no tracer exists and no span is
/// made; set, a step's span reaches a real OTLP/HTTP collector as the child of the W3C context
/// it continues, with the ids the step hands on.
@Suite struct SpanExportTests {
    @Test func anOTelEndpointThatIsNotAnHTTPURLIsRefused() throws {
        for bad in ["collector:4318", "ftp://collector/v1/traces", "http://"] {
            #expect(throws: (any Error).self, "\(bad)") { try CommonOptions.parse(["--otel-endpoint", bad]) }
            do {
                _ = try CommonOptions.parse(["--otel-endpoint", bad])
            } catch {
                #expect(CommonOptions.message(for: error).contains("--otel-endpoint must be an http:// or https:// URL"))
            }
        }
        #expect(try CommonOptions.parse(["--otel-endpoint", "https://collector:4318/v1/traces"]).otelEndpoint == "https://collector:4318/v1/traces")
        #expect(try CommonOptions.parse([]).otelEndpoint.isEmpty)
    }

    /// One test for both states, since the tracer is the process's.
    @Test func withoutAnEndpointNothingIsMadeWithOneTheSpanReachesTheCollectorInItsParentsTrace() async throws {
        let logger = Logger(label: "test-span-export")
        #expect(try SpanExport.services(endpoint: "", serviceName: "test", logger: logger).isEmpty)
        #expect(!SpanExport.isEnabled)
        let parent = try TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(StepSpan.start("route", parent: parent, kind: .consumer) == nil)

        let collector = try await OTLPReceiver.start()
        let exporter = RunningGroup(try SpanExport.services(endpoint: collector.url, serviceName: "herald-test", logger: logger), logger: logger)
        let step = try #require(StepSpan.start("route", parent: parent, kind: .consumer))
        step.record(stepSpanID: 0xABCD)
        let handedOn = try #require(step.traceContext)
        step.span.end()
        // Stopping the exporter flushes what was ended.
        try await exporter.stop()
        try await collector.stop()

        #expect(collector.malformed.isEmpty)
        let span = try #require(collector.spans.first)
        #expect(collector.spans.count == 1)
        #expect(span.name == "route" && span.service == "herald-test")
        #expect(span.traceID == parent.traceID && handedOn.traceID == parent.traceID)
        #expect(span.parentSpanID == "00f067aa0ba902b7")
        #expect(span.spanID == TraceSteps.hex(spanID: handedOn.spanID))
        #expect(span.attributes["herald.span_id"] == "000000000000abcd")
    }
}
