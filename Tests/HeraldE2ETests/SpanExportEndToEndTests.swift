import GRPCCore
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

/// With `--otel-endpoint`, the real executables export their steps to an OTLP/HTTP collector: one
/// published event is one trace of a publish, a route and a deliver span, each the child of the
/// step before it, and the webhook's `traceparent` names the delivery attempt of that trace.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct SpanExportEndToEndTests {
    @Test func onePublishedEventIsOneExportedTraceThatTheWebhookJoins() async throws {
        let collector = try await OTLPReceiver.start()
        do {
            try await RoutedStack.run(endpointID: "exported", arguments: ["--otel-endpoint", collector.url]) { _, receiver, producer in
                _ = try await producer.publish(.with { $0.event = EndToEndTests.event(0, carrier: nil) })
                let webhook = try await EndToEndTests.eventually("the event to be delivered") { receiver.received.first }
                // The exporter sends in batches: wait for all three steps.
                let spans = try await EndToEndTests.eventually("publish, route and deliver spans to be exported") {
                    let spans = collector.spans.filter { $0.attributes["herald.event.id"] == "e-0" }
                    return Set(spans.map(\.name)) == ["publish", "route", "deliver"] ? spans : nil
                }
                #expect(collector.malformed.isEmpty)
                #expect(spans.count == 3)
                let publish = try #require(spans.first { $0.name == "publish" })
                let route = try #require(spans.first { $0.name == "route" })
                let deliver = try #require(spans.first { $0.name == "deliver" })
                #expect([publish.service, route.service, deliver.service] == ["herald-producer", "herald-router", "herald-delivery"])

                // One trace: the publish started it, the route and the delivery attempt follow.
                #expect(Set(spans.map(\.traceID)) == [publish.traceID])
                #expect(publish.parentSpanID.isEmpty)
                #expect(route.parentSpanID == publish.spanID)
                #expect(deliver.parentSpanID == route.attributes["herald.span_id"])
                #expect(deliver.attributes["http.response.status_code"] == "200")
                #expect(deliver.attributes["herald.endpoint.id"] == "exported")

                // The webhook is the delivery attempt's request, in the same trace.
                let traceparent = try #require(webhook.headers["traceparent"]).split(separator: "-").map(String.init)
                #expect(traceparent.count == 4 && traceparent[1] == publish.traceID)
                #expect(traceparent[2] == deliver.attributes["herald.span_id"])
            }
            try await collector.stop()
        } catch {
            try? await collector.stop()
            throw error
        }
    }
}
